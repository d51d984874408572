/**
 * The scouter-server process of the server benchmarks: started by them with a database URI, it listens on
 * 127.0.0.1, logs in as admin and prints `{"baseUrl", "authorization"}` as one JSON line. Each `cpu` line on stdin
 * is answered with its CPU time so far (`{"cpuMicros"}`); it exits when stdin closes.
 */
import { createInterface } from 'node:readline';
import { startHttpServer } from './server-common.js';

const uri = process.argv[2];
if (!uri) throw new Error('usage: tsx bench/server-child.ts <database uri>');
const server = await startHttpServer(uri);
process.stdout.write(`${JSON.stringify({ baseUrl: server.baseUrl, authorization: server.authorization })}\n`);
const lines = createInterface({ input: process.stdin });
lines.on('line', (line) => {
  if (line.trim() !== 'cpu') return;
  const { user, system } = process.cpuUsage();
  process.stdout.write(`${JSON.stringify({ cpuMicros: user + system })}\n`);
});
lines.on('close', () => {
  void server.close().then(() => process.exit(0));
});
