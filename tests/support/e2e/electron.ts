/**
 * The `electron` project's terminal: the REAL app through Playwright `_electron`, with test hooks on
 * (SCRUBIN_TEST_HOOKS=1: authorize/logout URLs recorded instead of opened, the clock movable), its own data
 * folder and its own private Secret Service. Callbacks arrive the way the OS delivers them: a second instance
 * with the URL on its command line, which the single-instance lock forwards to this one (`second-instance`).
 * `SCRUBIN_APP=<packaged test build>` runs the packaged test flavour instead of `electron .`.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { _electron as electron, type ElectronApplication } from '@playwright/test';
import type { LocalCognito } from '../../../local-cognito';
import type { TestHooksGlobal } from '../../../main/shell/test-hooks';
import { probeElectron } from '../../../scripts/electron-binary';
import { startPrivateKeyring } from '../keyring';
import type { AppDriver, TerminalOptions } from './driver';
import { terminalConfig } from './terminal-config';

export interface ElectronTarget {
  /** The executable to start. */
  executablePath: string;
  /** Arguments before the app's own (`.` for the unpackaged app, none for a packaged build). */
  appArgs: string[];
  /** Where this target came from, for the report. */
  description: string;
}

/** The packaged build's executable inside an unpacked folder (electron-builder's linux-unpacked, win-unpacked, mac). */
function packagedExecutable(target: string): string | undefined {
  if (!statSync(target).isDirectory()) return target;
  const candidates = ['scrub-in', 'Scrub In.exe', 'Scrub In.app/Contents/MacOS/Scrub In', 'linux-unpacked/scrub-in', 'win-unpacked/Scrub In.exe', 'mac/Scrub In.app/Contents/MacOS/Scrub In'];
  return candidates.map((c) => path.join(target, c)).find((c) => existsSync(c));
}

/** What the electron project runs, or why it cannot run here (then its tests are skipped with that reason). */
export function electronTarget(): { target: ElectronTarget } | { reason: string } {
  const packaged = process.env.SCRUBIN_APP;
  if (packaged) {
    const resolved = path.resolve(packaged);
    const executablePath = existsSync(resolved) ? packagedExecutable(resolved) : undefined;
    if (!executablePath) return { reason: `SCRUBIN_APP=${packaged}: no Scrub In executable there (give the unpacked test build, e.g. release-test/linux-unpacked)` };
    return { target: { executablePath, appArgs: [], description: `packaged test build ${executablePath}` } };
  }
  const probe = probeElectron();
  if (!probe.path) return { reason: probe.reason ?? 'Electron binary not installed' };
  if (!existsSync('dist/main/index.js')) return { reason: 'the app is not built (npm run build)' };
  return { target: { executablePath: probe.path, appArgs: ['.'], description: 'unpackaged app (electron .)' } };
}

type Hooks = { __scrubinTestHooks?: TestHooksGlobal };

export async function launchElectron(
  target: ElectronTarget,
  cognito: LocalCognito,
  options: TerminalOptions & { videoDir?: string },
): Promise<AppDriver> {
  const dir = mkdtempSync(path.join(tmpdir(), 'scrubin-e2e-electron-'));
  const dataDir = path.join(dir, 'user-data');
  const configPath = path.join(dir, 'config.json');
  const config = terminalConfig(cognito, dataDir, options);
  writeFileSync(configPath, JSON.stringify(config));
  const keyring = await startPrivateKeyring();
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries({ ...process.env, ...keyring.env })) if (value !== undefined) env[key] = value;
  Object.assign(env, { SCRUBIN_TEST_HOOKS: '1', SCRUBIN_USER_DATA: dataDir });
  const args = [...target.appArgs, '--config', configPath];
  let app: ElectronApplication;
  try {
    app = await electron.launch({ executablePath: target.executablePath, args, env, ...(options.videoDir ? { recordVideo: { dir: options.videoDir } } : {}) });
  } catch (error) {
    await keyring.stop();
    throw error;
  }
  const page = await app.firstWindow();
  // The functions below run in the app's main process (serialised by Playwright): no closures over this module.
  const off = 'test hooks are off in this build (SCRUBIN_TEST_HOOKS=1 works on the unpackaged app and the packaged test flavour only)';
  return {
    kind: 'electron',
    page,
    dataDir,
    auditPath: String(config.auditLogPath),
    electronApp: app,
    bridgeTraffic: undefined,
    waitExternal: (index) =>
      app.evaluate((_electron, [i, message]) => {
        const hooks = (globalThis as Hooks).__scrubinTestHooks;
        if (!hooks) throw new Error(message);
        return hooks.waitExternal(i);
      }, [index, off] as const),
    externalUrls: () =>
      app.evaluate((_electron, message) => {
        const hooks = (globalThis as Hooks).__scrubinTestHooks;
        if (!hooks) throw new Error(message);
        return [...hooks.external];
      }, off),
    advanceClock: (ms) =>
      app.evaluate((_electron, [m, message]) => {
        const hooks = (globalThis as Hooks).__scrubinTestHooks;
        if (!hooks) throw new Error(message);
        hooks.advanceClock(m);
      }, [ms, off] as const),
    systemInput: () =>
      app.evaluate((_electron, message) => {
        const hooks = (globalThis as Hooks).__scrubinTestHooks;
        if (!hooks) throw new Error(message);
        hooks.systemInput();
      }, off),
    deliverLink: (url) =>
      new Promise<void>((resolve, reject) => {
        const second = spawn(target.executablePath, [...args, url], { env, stdio: 'ignore' });
        second.on('error', reject);
        second.on('exit', () => resolve());
      }),
    async close() {
      await app.close().catch(() => undefined);
      await keyring.stop();
    },
  };
}
