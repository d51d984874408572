import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

// Built into the server package (packages/server/public), which serves it at `/` and ships it when published.
export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: './',
  build: {
    outDir: fileURLToPath(new URL('../server/public', import.meta.url)),
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: false,
    // No inline assets: every byte comes from a file, so the server's CSP needs no `data:` or inline exceptions.
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
  },
});
