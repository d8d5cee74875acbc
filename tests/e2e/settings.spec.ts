/**
 * Settings follow the nurse between terminals: two terminals (own keychain, data folder and window) against one
 * local-cognito, whose DynamoDB front holds the settings table. She sets her favourite OR and text size on A,
 * signs out (no settings cache left on the shared terminal), signs in on B, and B shows the same choices.
 */
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { test, expect, type ScrubIn } from './fixtures';

const settingsFiles = (t: ScrubIn): string[] => {
  const dir = path.join(t.dataDir, 'settings');
  return existsSync(dir) ? readdirSync(dir) : [];
};
const rootFontSize = (t: ScrubIn) => t.page.evaluate(() => getComputedStyle(document.documentElement).fontSize);

test('favourite OR and text size set on terminal A show on terminal B; nothing stays behind on A', async ({ scrubIn: a, openTerminal, signInAs }) => {
  test.slow(); // two terminals, two sign-ins, two accessibility scans
  const b = await openTerminal({ terminalId: 'OR-02' });

  await a.signedOut.signIn.click();
  await signInAs('nurse', { terminal: a });
  await a.signedIn.expectUser('nurse');
  await a.preferences.expectSaved();
  expect(await rootFontSize(a)).toBe('22px');
  await expect(a.preferences.favouriteRoom).toHaveValue('');
  await a.preferences.favouriteRoom.selectOption('OR-7');
  await a.preferences.textSize('Large').check();
  await expect.poll(() => rootFontSize(a)).toBe('27.5px');
  await a.preferences.expectSaved();
  for (const target of [a.preferences.favouriteRoom, a.preferences.region.locator('label.choice').first()]) {
    expect((await target.boundingBox())?.height).toBeGreaterThanOrEqual(48);
  }
  await a.screenshot('10-preferences-terminal-a');
  expect(await a.accessibilityProblems()).toEqual([]);

  // Sign-out on a shared terminal: normal text again, and no settings cache left behind.
  await expect.poll(() => settingsFiles(a).some((f) => f.startsWith('settings-'))).toBe(true);
  await a.signedIn.signOut.click();
  await a.signedOut.expectShown();
  await expect.poll(() => rootFontSize(a)).toBe('22px');
  await expect.poll(() => settingsFiles(a)).toEqual([]);
  await expect(a.preferences.region).toHaveCount(0);

  expect(await rootFontSize(b)).toBe('22px');
  await b.signedOut.signIn.click();
  await signInAs('nurse', { terminal: b });
  await b.signedIn.expectUser('nurse');
  await expect(b.preferences.favouriteRoom).toHaveValue('OR-7');
  await expect.poll(() => rootFontSize(b)).toBe('27.5px');
  await expect(b.preferences.textSize('Large')).toBeChecked();
  await b.screenshot('11-preferences-terminal-b');
  expect(await b.accessibilityProblems()).toEqual([]);
});

test('values outside the allowed lists (another app version) are ignored by the UI', async ({ scrubIn, signInAs }) => {
  const core = scrubIn.core;
  test.skip(!core, 'writes a setting through the main-process session, which only the web variant exposes');
  if (!core) return;
  await scrubIn.signedOut.signIn.click();
  await signInAs('nurse');
  await scrubIn.preferences.expectSaved();
  await core.session.setSetting('prefs', 'textSize', 'gigantic');
  await expect.poll(() => rootFontSize(scrubIn)).toBe('22px');
  await core.session.setSetting('prefs', 'favouriteRoom', '<img src=x>');
  await expect(scrubIn.preferences.favouriteRoom).toHaveValue('');
  await scrubIn.preferences.textSize('Extra large').check();
  await expect.poll(() => rootFontSize(scrubIn)).toBe('33px');
});

test('locked: the panel is gone and the bridge refuses settings with the typed error', async ({ scrubIn, signInAs }) => {
  await scrubIn.signedOut.signIn.click();
  await signInAs('nurse');
  await scrubIn.preferences.expectSaved();
  await scrubIn.signedIn.lock.click();
  await scrubIn.locked.expectShown();
  await expect(scrubIn.preferences.region).toHaveCount(0);
  expect(await scrubIn.page.evaluate(() => window.scrubin.settings.get('prefs', 'textSize'))).toMatchObject({ ok: false, error: { code: 'locked' } });
  expect(await scrubIn.page.evaluate(() => window.scrubin.settings.set('prefs', 'textSize', 'normal'))).toMatchObject({ ok: false, error: { code: 'locked' } });
});

test('nothing that crossed the bridge holds a token or the identity id (web)', async ({ scrubIn, signInAs }) => {
  const traffic = scrubIn.driver.bridgeTraffic;
  test.skip(!traffic || !scrubIn.core, 'the web variant records the bridge traffic');
  if (!traffic || !scrubIn.core) return;
  await scrubIn.signedOut.signIn.click();
  await signInAs('nurse');
  await scrubIn.preferences.textSize('Large').check();
  await scrubIn.preferences.expectSaved();
  const tokens = await scrubIn.core.auth.getTokens();
  const identityId = scrubIn.core.settings?.currentIdentity();
  const all = traffic.join('\n');
  expect(all).toContain('"kind":"record"');
  expect(all).not.toMatch(/eyJ[\w-]+\.eyJ[\w-]+\.[\w-]+/);
  expect(all).not.toMatch(/us-east-1:[0-9a-f-]{36}/);
  for (const secret of [tokens.idToken, tokens.accessToken, ...(identityId ? [identityId] : [])]) expect(all).not.toContain(secret);
});
