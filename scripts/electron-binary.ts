/**
 * Finds the Electron binary WITHOUT require('electron'): that module tries to download the binary at
 * require time, and nothing may download at run time. Electron tests skip with this reason when absent.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

export interface ElectronProbe {
  path: string | undefined;
  reason: string | undefined;
}

export function probeElectron(): ElectronProbe {
  let dir: string;
  try {
    dir = path.dirname(createRequire(import.meta.url).resolve('electron/package.json'));
  } catch {
    return { path: undefined, reason: 'the electron package is not installed (npm ci)' };
  }
  const override = process.env.ELECTRON_OVERRIDE_DIST_PATH;
  const pathFile = path.join(dir, 'path.txt');
  const relative = existsSync(pathFile) ? readFileSync(pathFile, 'utf8').trim() : undefined;
  const binary = override ? path.join(override, relative ?? 'electron') : relative ? path.join(dir, 'dist', relative) : undefined;
  if (!binary || !existsSync(binary)) {
    return {
      path: undefined,
      reason: 'Electron binary not installed (ELECTRON_SKIP_BINARY_DOWNLOAD=1 / no access to the Electron download); run `npx install-electron` where GitHub is reachable',
    };
  }
  return { path: binary, reason: undefined };
}
