import react from '@vitejs/plugin-react';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const root = fileURLToPath(new URL('.', import.meta.url));

export default defineConfig({
  root,
  base: './',
  plugins: [react()],
  build: {
    outDir: fileURLToPath(new URL('../dist/renderer', import.meta.url)),
    emptyOutDir: true,
    // Minified in every build (Vite's default). Production: source maps beside the assets without a
    // sourceMappingURL comment (kept for diagnostics, not packaged: electron-builder.yml `files` drops *.map).
    sourcemap: process.env.NODE_ENV === 'production' ? 'hidden' : true,
    // No inline scripts or eval: the CSP forbids them.
    modulePreload: { polyfill: false },
    assetsInlineLimit: 0,
  },
});
