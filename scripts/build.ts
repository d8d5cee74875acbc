/**
 * One command builds all three parts: main (ESM bundle for Electron's Node), preload (ONE CommonJS file:
 * sandboxed preloads cannot load modules), renderer (Vite + React). Dev-only local-cognito is built
 * separately so the main bundle never contains it.
 */
import { build as esbuild, type BuildOptions } from 'esbuild';
import { rmSync } from 'node:fs';
import { build as viteBuild } from 'vite';

const production = process.env.NODE_ENV === 'production';
const common: BuildOptions = {
  bundle: true,
  platform: 'node',
  target: 'node22',
  sourcemap: production ? false : 'linked',
  logLevel: 'warning',
  legalComments: 'none',
};

rmSync('dist', { recursive: true, force: true });
await Promise.all([
  esbuild({
    ...common,
    entryPoints: { index: 'main/index.ts' },
    outdir: 'dist/main',
    format: 'esm',
    // Runtime dependencies are resolved from node_modules (packed by electron-builder); native keytar cannot be bundled.
    packages: 'external',
  }),
  esbuild({
    ...common,
    entryPoints: { index: 'preload/index.ts' },
    outfile: 'dist/preload/index.cjs',
    format: 'cjs',
    external: ['electron'],
  }),
  esbuild({
    ...common,
    entryPoints: { index: 'local-cognito/index.ts', cli: 'local-cognito/cli.ts' },
    outdir: 'dist/local-cognito',
    format: 'esm',
    packages: 'external',
  }).catch((error: unknown) => {
    // local-cognito is dev-only; a missing file must not block building the app itself.
    console.warn(`local-cognito not built: ${(error as Error).message.split('\n')[0]}`);
  }),
  viteBuild({ configFile: 'renderer/vite.config.ts', logLevel: 'warn' }),
]);
console.log('built dist/main, dist/preload, dist/renderer, dist/local-cognito');
