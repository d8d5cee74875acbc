/**
 * Electron suite: the real app, driven by Playwright `_electron`, against local-cognito. Skipped (with the
 * reason in the suite name) where the Electron binary is not installed; must pass where it is.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { probeElectron } from '../support/electron';
import { launchScrubIn, type ScrubInApp } from '../support/app';

const probe = probeElectron();

describe.skipIf(!probe.path)(`Electron journey${probe.reason ? ` (skipped: ${probe.reason})` : ''}`, () => {
  let t: ScrubInApp;
  const heading = () => t.window.locator('h1').innerText();

  beforeAll(async () => {
    t = await launchScrubIn();
  });
  afterAll(async () => {
    await t.close();
  });

  it('renderer has no Node.js and the bridge exposes only named functions', async () => {
    expect(await t.window.evaluate(() => typeof (globalThis as { require?: unknown }).require)).toBe('undefined');
    expect(await t.window.evaluate(() => typeof (globalThis as { process?: unknown }).process)).toBe('undefined');
    const keys = await t.window.evaluate(() => Object.keys((window as unknown as { scrubin: object }).scrubin).sort());
    expect(keys).toEqual(['cancelSignIn', 'continueAsGuest', 'getCredentials', 'getSession', 'lock', 'onSessionChanged', 'reportActivity', 'settings', 'signIn', 'signOut', 'switchUser', 'unlock']);
  });

  it('navigation and window.open are blocked', async () => {
    const before = t.window.url();
    await t.window.evaluate(() => {
      window.open('https://example.org');
      window.location.href = 'https://example.org';
    });
    await t.window.waitForLoadState();
    expect(t.window.url()).toBe(before);
    expect(t.app.windows()).toHaveLength(1);
  });

  it('a forged callback (no pending flow) is ignored', async () => {
    await t.deliverLink('app.scrubin:/callback?code=forged&state=forged');
    await expect.poll(heading).toBe('Sign in to this terminal');
  });

  it('signs in through a second instance carrying the callback, then locks, unlocks, switches and signs out', async () => {
    await t.window.getByRole('button', { name: 'Sign in', exact: true }).click();
    await t.signInAs('nurse');
    await expect.poll(heading).toBe('Signed in: Nora Hale');

    await t.window.getByRole('button', { name: 'Lock' }).click();
    await expect.poll(heading).toBe('Terminal locked');
    const credsWhileLocked = await t.window.evaluate(() => (window as unknown as { scrubin: { getCredentials(): Promise<{ ok: boolean }> } }).scrubin.getCredentials());
    expect(credsWhileLocked.ok).toBe(false);

    const seen = (await t.externalUrls()).length;
    await t.window.getByRole('button', { name: /Unlock as/ }).click();
    await t.signInAs('nurse', { fromIndex: seen });
    await expect.poll(heading).toBe('Signed in: Nora Hale');

    await t.window.getByRole('button', { name: 'Lock' }).click();
    const seen2 = (await t.externalUrls()).length;
    await t.window.getByRole('button', { name: 'Switch user' }).click();
    await t.signInAs('surgeon', { fromIndex: seen2 });
    await expect.poll(heading).toBe('Signed in: Sam Ortiz');
    expect((await t.externalUrls()).some((u) => u.includes('/logout?'))).toBe(true);

    await t.window.getByRole('button', { name: 'Sign out' }).click();
    await expect.poll(heading).toBe('Sign in to this terminal');
  });
});
