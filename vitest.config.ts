import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const src = (pkg: string) => fileURLToPath(new URL(`./packages/${pkg}/src/index.ts`, import.meta.url));

export default defineConfig({
  resolve: {
    alias: {
      '@scouter-ts/core': src('core'),
      '@scouter-ts/express': src('express'),
      '@scouter-ts/fastify': src('fastify'),
      '@scouter-ts/server': src('server'),
    },
  },
  test: {
    include: ['packages/*/src/**/*.test.ts', 'test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Outside parts started once per run for every test file (brokers: test/brokers/global-setup.ts).
    globalSetup: ['./test/brokers/global-setup.ts'],
    reporters: ['default', './scripts/summary-reporter.ts'],
  },
});
