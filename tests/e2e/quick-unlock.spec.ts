/**
 * The nurse's minute (issue 20): a PIN after sign-in, the countdown before the idle lock, the PIN at the lock screen
 * with Cognito unreachable, and every way back to the full sign-in. The clock and the OS idle time are the test's.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { test, expect, type ScrubIn } from './fixtures';
import type { LocalCognitoAdmin } from '../../local-cognito';
import { ENDPOINTS } from '../../local-cognito/endpoints';

const PIN = '480915';

test.use({ terminalOptions: { terminal: { idleLockSeconds: 120, lockWarningSeconds: 30, quickUnlock: { enabled: true } } } });

/** Every request to local-cognito fails at the network (the socket is dropped): Cognito is unreachable. */
function cognitoUnreachable(cognito: LocalCognitoAdmin): void {
  for (const endpoint of ENDPOINTS) cognito.failNext(endpoint, { count: 1000, reset: true });
}

async function signedInWithPin(scrubIn: ScrubIn, signInAs: (u: string) => Promise<string>): Promise<void> {
  await scrubIn.signedOut.signIn.click();
  await signInAs('nurse');
  await scrubIn.signedIn.expectUser('nurse');
  await scrubIn.setPin.setPin(PIN);
}

/** Every file under `dir`, as text. */
function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const file = path.join(dir, name);
    return statSync(file).isDirectory() ? filesUnder(file) : [readFileSync(file, 'latin1')];
  });
}

test('set a PIN, idle lock, unlock with the PIN while Cognito is unreachable; the PIN is in no IPC answer, file or audit line', async ({ scrubIn, signInAs, clock, cognito, audit }) => {
  await signedInWithPin(scrubIn, signInAs);
  await clock.advance({ minutes: 2 });
  await scrubIn.locked.expectShown();
  await scrubIn.pinUnlock.expectShown();
  await scrubIn.screenshot('pin-unlock');
  expect(await scrubIn.accessibilityProblems()).toEqual([]);

  cognitoUnreachable(cognito);
  const before = cognito.counts();
  const taps = await scrubIn.pinUnlock.keypad.enter(PIN);
  await scrubIn.signedIn.expectUser('nurse');
  expect(taps).toBeLessThanOrEqual(8);
  expect(cognito.counts().authorize ?? 0).toBe(before.authorize ?? 0); // no browser sign-in
  await scrubIn.screenshot('pin-unlocked-offline');

  const records = audit.records();
  expect(records.map((r) => r.event)).toEqual(expect.arrayContaining(['pin-set', 'lock', 'quick-unlock']));
  expect(records.at(-1)).toMatchObject({ event: 'quick-unlock', outcome: 'ok', result: 'ok' });

  const traffic = scrubIn.driver.bridgeTraffic;
  if (traffic) {
    expect(traffic.length).toBeGreaterThan(0);
    for (const line of traffic) expect(line).not.toContain(PIN);
    // The keypad sends each PIN exactly once (a second send would be refused while the first is checked).
    expect(traffic.filter((line) => line.includes('illegal_transition'))).toEqual([]);
  }
  for (const text of filesUnder(scrubIn.dataDir)) expect(text).not.toContain(PIN);
  expect(readFileSync(audit.path(), 'utf8')).not.toContain(PIN);
});

test('three wrong PINs: only the full sign-in unlocks', async ({ scrubIn, signInAs, clock, audit }) => {
  await signedInWithPin(scrubIn, signInAs);
  await clock.advance({ minutes: 2 });
  await scrubIn.pinUnlock.expectShown();
  const keypad = scrubIn.pinUnlock.keypad;
  for (const expected of [/not right/, /not right/]) {
    await keypad.enter('135790');
    await clock.advance({ seconds: 8 }); // the growing delay before a wrong PIN is answered, on the app's clock
    await expect(keypad.alert).toHaveText(expected);
  }
  await keypad.enter('135790');
  await expect(scrubIn.pinUnlock.region).toBeHidden();
  await scrubIn.locked.expectShown();
  await expect(scrubIn.locked.unlock).toBeVisible();
  const results = audit.records().flatMap((r) => (r.event === 'quick-unlock' ? [r.result] : []));
  expect(results).toEqual(['wrong', 'wrong', 'exhausted']);
  await scrubIn.locked.unlock.click();
  await signInAs('nurse');
  await scrubIn.signedIn.expectUser('nurse');
});

test('after the grace period only the full sign-in unlocks', async ({ scrubIn, signInAs, clock }) => {
  await signedInWithPin(scrubIn, signInAs);
  await clock.advance({ minutes: 2 });
  await scrubIn.pinUnlock.expectShown();
  await clock.advance({ minutes: 15 });
  await expect(scrubIn.pinUnlock.region).toBeHidden();
  await expect(scrubIn.locked.unlock).toBeVisible();
});

test('an explicit Lock: only the full sign-in unlocks', async ({ scrubIn, signInAs }) => {
  await signedInWithPin(scrubIn, signInAs);
  await scrubIn.signedIn.lock.click();
  await scrubIn.locked.expectShown();
  await expect(scrubIn.pinUnlock.region).toBeHidden();
});

test('switch user: the PIN is gone, for the next person and for the one who set it', async ({ scrubIn, signInAs, clock }) => {
  await signedInWithPin(scrubIn, signInAs);
  await clock.advance({ minutes: 2 });
  await scrubIn.pinUnlock.expectShown();
  await scrubIn.locked.switchUser.click();
  await signInAs('surgeon');
  await scrubIn.signedIn.expectUser('surgeon');
  await expect(scrubIn.setPin.offer).toBeVisible(); // the surgeon has no PIN
  await clock.advance({ minutes: 2 });
  await scrubIn.locked.expectShown();
  await expect(scrubIn.pinUnlock.region).toBeHidden();
});

test.describe('with a 6-minute shift cap', () => {
  test.use({ terminalOptions: { terminal: { idleLockSeconds: 120, sessionCapHours: 0.1, quickUnlock: { enabled: true } } } });

  test('the shift cap inside the grace period: signed out, the PIN gone', async ({ scrubIn, signInAs, clock }) => {
    await signedInWithPin(scrubIn, signInAs);
    await clock.advance({ minutes: 2 });
    await scrubIn.pinUnlock.expectShown();
    await clock.advance({ minutes: 4 });
    await scrubIn.signedOut.expectShown();
    await expect(scrubIn.pinUnlock.region).toBeHidden();
  });
});

test.describe('the countdown before the idle lock', () => {
  // A long countdown: the app's clock also runs in real time, and a loaded machine must not reach the lock meanwhile.
  test.use({ terminalOptions: { terminal: { idleLockSeconds: 600, lockWarningSeconds: 300 } } });

  test('appears lockWarningSeconds before the lock, is announced once, and input dismisses it', async ({ scrubIn, signInAs, clock }) => {
    await scrubIn.signedOut.signIn.click();
    await signInAs('nurse');
    await scrubIn.signedIn.expectUser('nurse');
    await clock.advance({ seconds: 299 });
    await expect(scrubIn.lockWarning.countdown).toBeHidden();
    await clock.advance({ seconds: 1 });
    await expect(scrubIn.lockWarning.countdown).toHaveText(/^Locking in [0-5]:[0-5]\d — touch to stay signed in$/);
    await expect(scrubIn.lockWarning.announcement).toHaveCount(1);
    await scrubIn.screenshot('lock-warning');
    expect(await scrubIn.accessibilityProblems()).toEqual([]);
    await scrubIn.signedIn.heading.click(); // any touch
    await expect(scrubIn.lockWarning.countdown).toBeHidden();
    await clock.advance({ seconds: 290 });
    await scrubIn.signedIn.expectShown();
  });

  test('typing in another application dismisses it and keeps the terminal unlocked', async ({ scrubIn, signInAs, clock }) => {
    await scrubIn.signedOut.signIn.click();
    await signInAs('nurse');
    await scrubIn.signedIn.expectUser('nurse');
    await clock.advance({ seconds: 400 });
    await expect(scrubIn.lockWarning.countdown).toBeVisible();
    await scrubIn.inputElsewhere();
    await expect(scrubIn.lockWarning.countdown).toBeHidden(); // main reads the OS idle time every second meanwhile
    await clock.advance({ seconds: 290 });
    await scrubIn.signedIn.expectShown();
  });
});

test.describe('whole-terminal activity', () => {
  test('a compromised renderer reporting activity without end cannot keep the terminal unlocked', async ({ scrubIn, signInAs, clock }) => {
    await scrubIn.signedOut.signIn.click();
    await signInAs('nurse');
    await scrubIn.signedIn.expectUser('nurse');
    for (let i = 0; i < 12; i++) {
      await scrubIn.page.evaluate(() => Promise.all(Array.from({ length: 20 }, () => window.scrubin.reportActivity())));
      await clock.advance({ seconds: 10 });
    }
    await scrubIn.locked.expectShown();
  });
});
