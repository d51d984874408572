import { defineConfig } from 'tsup';

export default defineConfig({
  entry: ['src/index.ts', 'src/bin.ts'],
  format: ['esm'],
  dts: { entry: 'src/index.ts' },
  clean: true,
  sourcemap: true,
  target: 'node20',
  // Bundle the parts of core the server uses: core's entry also loads its client (undici, p-queue), which would cost
  // the server's start-up time for nothing. Types still come from @scouter-ts/core.
  noExternal: ['@scouter-ts/core'],
});
