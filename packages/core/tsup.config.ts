import { defineConfig } from 'tsup';

export default defineConfig({
  // The worker thread of WorkerHttpTransport is loaded by URL next to index.js (dist/http-worker-entry.js).
  entry: { index: 'src/index.ts', 'http-worker-entry': 'src/transport/http-worker-entry.ts' },
  format: ['esm'],
  dts: { entry: { index: 'src/index.ts' } },
  clean: true,
  sourcemap: true,
  target: 'node20',
});
