/** The fault matrix (fault-matrix.ts) through the fastify adapter; one file per adapter so the two run in parallel. */
import { faultMatrix } from './fault-matrix.js';

faultMatrix('fastify');
