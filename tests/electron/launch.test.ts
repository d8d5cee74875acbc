/**
 * Electron suite: launches the REAL built app with Playwright's Electron support. Where the Electron
 * binary is not installed (ELECTRON_SKIP_BINARY_DOWNLOAD=1, no GitHub access) every test is reported as
 * skipped with that reason, never as passed.
 */
import { _electron as electron, type ElectronApplication } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { probeElectron } from '../support/electron';

const probe = probeElectron();

describe.skipIf(!probe.path)(`Electron app launch${probe.reason ? ` (skipped: ${probe.reason})` : ''}`, () => {
  let app: ElectronApplication;

  beforeAll(async () => {
    app = await electron.launch({
      executablePath: probe.path,
      args: ['.', '--no-sandbox'],
      env: { ...process.env, SCRUBIN_E2E: '1' } as Record<string, string>,
    });
  });

  afterAll(async () => {
    await app.close();
  });

  it('opens one window whose renderer has no Node.js', async () => {
    const window = await app.firstWindow();
    expect(await window.evaluate(() => typeof (globalThis as { require?: unknown }).require)).toBe('undefined');
    expect(await window.evaluate(() => typeof (globalThis as { process?: unknown }).process)).toBe('undefined');
    expect(await window.evaluate(() => typeof (window as unknown as { scrubin?: unknown }).scrubin)).toBe('object');
  });

  it('runs the window sandboxed with context isolation', async () => {
    const prefs = await app.evaluate(({ BrowserWindow }) => {
      const w = BrowserWindow.getAllWindows()[0];
      const p = w?.webContents.getLastWebPreferences();
      return { sandbox: p?.sandbox, contextIsolation: p?.contextIsolation, nodeIntegration: p?.nodeIntegration };
    });
    expect(prefs).toEqual({ sandbox: true, contextIsolation: true, nodeIntegration: false });
  });
});
