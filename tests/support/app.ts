/**
 * Testers' helper: launches the REAL Scrub In Electron app (Playwright `_electron`) against a fresh
 * local-cognito, captures the authorize URL instead of opening a real browser, completes managed login in
 * a Playwright Chromium page as a named demo user, and delivers the redirect the way the OS does: by
 * starting a second instance with the URL on its command line (the first instance receives it through
 * `second-instance`). See docs/testing.md.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { _electron as electron, type Browser, type ElectronApplication, type Page } from 'playwright-core';
import { DEMO_PASSWORD, startLocalCognito, type LocalCognito, type LocalCognitoOptions } from '../../local-cognito';
import { completeManagedLogin, launchChromium } from './browser';
import { probeElectron } from './electron';

export interface ScrubInApp {
  app: ElectronApplication;
  window: Page;
  cognito: LocalCognito;
  browser: Browser;
  configPath: string;
  userDataDir: string;
  /** The URLs the app asked the OS to open (authorize, logout), in order. */
  externalUrls(): Promise<string[]>;
  /** Waits for the next authorize URL the app opens (after `from` URLs already seen). */
  nextAuthorizeUrl(from?: number): Promise<string>;
  /** Does the browser part of a login as `username` and delivers the redirect via a second instance. */
  signInAs(username: string, options?: { fromIndex?: number }): Promise<void>;
  /** Hands any URL to the app the way the OS would (second instance with the URL in argv). */
  deliverLink(url: string): Promise<void>;
  close(): Promise<void>;
}

export async function launchScrubIn(options: { cognito?: LocalCognitoOptions; config?: Record<string, unknown> } = {}): Promise<ScrubInApp> {
  const probe = probeElectron();
  if (!probe.path) throw new Error(`cannot launch Scrub In: ${probe.reason}`);
  const executablePath = probe.path;
  const cognito = await startLocalCognito({ admin: true, ...options.cognito });
  const dir = mkdtempSync(path.join(tmpdir(), 'scrubin-e2e-'));
  const configPath = path.join(dir, 'config.json');
  const userDataDir = path.join(dir, 'user-data');
  writeFileSync(configPath, JSON.stringify({ ...cognito.config, auditLogPath: path.join(dir, 'audit.jsonl'), ...options.config }));
  const env = { ...process.env, SCRUBIN_TEST_HOOKS: '1', SCRUBIN_USER_DATA: userDataDir } as Record<string, string>;
  const app = await electron.launch({ executablePath, args: ['.', '--config', configPath], env });
  const window = await app.firstWindow();
  const browser = await launchChromium();
  const context = await browser.newContext();

  const externalUrls = () => app.evaluate(() => (globalThis as { __scrubinExternal?: string[] }).__scrubinExternal ?? []);
  // Main records each URL it would open and resolves waiters (no polling, no sleeps): see main/index.ts test hooks.
  const nextAuthorizeUrl = async (from = 0): Promise<string> => {
    for (let index = from; ; index++) {
      const url = await app.evaluate(
        (_electron, i) => (globalThis as unknown as { __scrubinWaitExternal: (i: number) => Promise<string> }).__scrubinWaitExternal(i),
        index,
      );
      if (url.includes('/oauth2/authorize')) return url;
    }
  };
  const deliverLink = (url: string) =>
    new Promise<void>((resolve, reject) => {
      const second = spawn(executablePath, ['.', '--config', configPath, url], { env, stdio: 'ignore' });
      second.on('error', reject);
      second.on('exit', () => resolve());
    });

  return {
    app,
    window,
    cognito,
    browser,
    configPath,
    userDataDir,
    externalUrls,
    nextAuthorizeUrl,
    deliverLink,
    async signInAs(username, signInOptions = {}) {
      const authorizeUrl = await nextAuthorizeUrl(signInOptions.fromIndex ?? 0);
      const { callbackUrl, page } = await completeManagedLogin(context, authorizeUrl, cognito.config.redirectUri, { username, password: DEMO_PASSWORD });
      await page.close();
      await deliverLink(callbackUrl);
    },
    async close() {
      await app.close().catch(() => undefined);
      await browser.close();
      await cognito.stop();
    },
  };
}
