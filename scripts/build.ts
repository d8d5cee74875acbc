/**
 * One command builds all three parts: main (ESM bundle for Electron's Node), preload (ONE CommonJS file:
 * sandboxed preloads cannot load modules), renderer (Vite + React). Dev-only local-cognito is built
 * separately so the main bundle never contains it.
 *
 * NODE_ENV=production: every bundle minified; source maps written beside the bundles (`.map`, no
 * `sourceMappingURL` comment), kept for diagnostics and left out of packages by electron-builder.yml `files`.
 * Development: unminified, linked source maps. `dist/build-info.json` (not packaged) says which build this is,
 * so `npm run check:packaging` knows whether to demand minified bundles.
 */
import { build as esbuild, type BuildOptions } from 'esbuild';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { build as viteBuild } from 'vite';

export const BUILD_INFO_FILE = 'dist/build-info.json';

export interface BuildInfo {
  production: boolean;
}

function common(production: boolean): BuildOptions {
  return {
    bundle: true,
    platform: 'node',
    target: 'node22',
    minify: production,
    sourcemap: production ? 'external' : 'linked',
    logLevel: 'warning',
    legalComments: 'none',
  };
}

/** The preload's build, shared with the size test (which builds it in memory with `write: false`). */
export function preloadBuildOptions(production: boolean): BuildOptions {
  return {
    ...common(production),
    entryPoints: { index: 'preload/index.ts' },
    outfile: 'dist/preload/index.cjs',
    format: 'cjs',
    external: ['electron'],
  };
}

export async function buildAll(production: boolean): Promise<void> {
  rmSync('dist', { recursive: true, force: true });
  await Promise.all([
    esbuild({
      ...common(production),
      entryPoints: { index: 'main/index.ts' },
      outdir: 'dist/main',
      format: 'esm',
      // Runtime dependencies are resolved from node_modules (packed by electron-builder); native keytar cannot be bundled.
      packages: 'external',
    }),
    esbuild(preloadBuildOptions(production)),
    esbuild({
      ...common(false),
      entryPoints: { index: 'local-cognito/index.ts', cli: 'local-cognito/cli.ts' },
      outdir: 'dist/local-cognito',
      format: 'esm',
      packages: 'external',
    }).catch((error: unknown) => {
      // local-cognito is dev-only; a missing file must not block building the app itself.
      console.warn(`local-cognito not built: ${(error as Error).message.split('\n')[0]}`);
    }),
    // The renderer's minification and source maps are set in renderer/vite.config.ts (from NODE_ENV).
    viteBuild({ configFile: 'renderer/vite.config.ts', logLevel: 'warn' }),
  ]);
  mkdirSync(path.dirname(BUILD_INFO_FILE), { recursive: true });
  writeFileSync(BUILD_INFO_FILE, `${JSON.stringify({ production } satisfies BuildInfo)}\n`);
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  const production = process.env.NODE_ENV === 'production';
  await buildAll(production);
  console.log(`built dist/main, dist/preload, dist/renderer, dist/local-cognito (${production ? 'production: minified, source maps beside' : 'development'})`);
}
