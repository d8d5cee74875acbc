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
      env: { ...process.env, SCRUBIN_E2E: '1' },
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

  it('runs the window sandboxed and isolated, from app://, under a CSP that blocks eval', async () => {
    const window = await app.firstWindow();
    expect(window.url()).toBe('app://scrubin/index.html');
    // A sandboxed renderer has no Node.js even inside the preload world; the main world sees no ipcRenderer.
    expect(await window.evaluate(() => 'ipcRenderer' in window || 'electron' in window)).toBe(false);
    // The CSP forbids eval and inline script in the page itself.
    const evalResult = await window.evaluate(() => {
      try {
        return String((0, eval)('1 + 1'));
      } catch {
        return 'blocked';
      }
    });
    expect(evalResult).toBe('blocked');
  });
});
