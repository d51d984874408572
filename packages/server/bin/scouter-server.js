#!/usr/bin/env node
// Committed entry point, so package managers can link the command before `dist/` is built.
await import('../dist/bin.js');
