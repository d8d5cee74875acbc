/**
 * The renderer's boundaries, from the page's side: no Node.js, a bridge of named functions only, forged callbacks
 * ignored; and, on Electron, the window hardening of main (app:// origin, a CSP that blocks eval, navigation and
 * window.open denied), which only the real app has (page.evaluate in plain Chromium is not held to the page's CSP).
 */
import { test, expect } from './fixtures';

test('the renderer has no Node.js and the bridge exposes only named functions', async ({ scrubIn }) => {
  await scrubIn.signedOut.expectShown();
  expect(await scrubIn.page.evaluate(() => typeof (globalThis as { require?: unknown }).require)).toBe('undefined');
  expect(await scrubIn.page.evaluate(() => typeof (globalThis as { process?: unknown }).process)).toBe('undefined');
  expect(await scrubIn.page.evaluate(() => 'ipcRenderer' in window || 'electron' in window)).toBe(false);
  const keys = await scrubIn.page.evaluate(() => Object.keys(window.scrubin).sort());
  expect(keys).toEqual(['cancelSignIn', 'continueAsGuest', 'getCredentials', 'getOrViews', 'getSession', 'lock', 'onSessionChanged', 'reportActivity', 'setPin', 'setTerminalTextSize', 'settings', 'signIn', 'signOut', 'switchUser', 'unlock', 'unlockWithPin']);
});

test('a forged callback (no pending flow) is ignored and audited', async ({ scrubIn, audit }) => {
  await scrubIn.signedOut.expectShown();
  await scrubIn.deliverLink('app.scrubin:/callback?code=forged&state=forged');
  await expect.poll(() => audit.events()).toContain('callback-dropped');
  await scrubIn.signedOut.expectShown();
});

test('Electron: the window runs from app:// under a CSP that blocks eval; navigation and window.open are denied', async ({ scrubIn }) => {
  const app = scrubIn.electronApp;
  test.skip(!app, 'window hardening lives in the Electron main process (electron project only)');
  if (!app) return;
  expect(scrubIn.page.url()).toBe('app://scrubin/index.html');
  const evalResult = await scrubIn.page.evaluate(() => {
    try {
      return String((0, eval)('1 + 1'));
    } catch {
      return 'blocked';
    }
  });
  expect(evalResult).toBe('blocked');
  const before = scrubIn.page.url();
  await scrubIn.page.evaluate(() => {
    window.open('https://example.org');
    window.location.href = 'https://example.org';
  });
  await scrubIn.page.waitForLoadState();
  expect(scrubIn.page.url()).toBe(before);
  expect(app.windows()).toHaveLength(1);
});
