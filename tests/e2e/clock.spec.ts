/**
 * Time on a shared terminal, moved by the `clock` fixture (nothing waits in real time): the shift cap ends the
 * session, activity postpones the idle lock, and AWS credentials renew by themselves before they expire.
 */
import { test, expect } from './fixtures';

test.describe('with a one-hour shift cap and a one-minute idle lock', () => {
  test.use({ terminalOptions: { terminal: { idleLockSeconds: 60, sessionCapHours: 1 } } });

  test('the shift cap signs the person out, even while the terminal is locked', async ({ scrubIn, signInAs, clock, audit }) => {
    await scrubIn.signedOut.signIn.click();
    await signInAs('anesthesiologist');
    await scrubIn.signedIn.expectUser('anesthesiologist');
    await clock.advance({ minutes: 1 });
    await scrubIn.locked.expectShown();
    await clock.advance({ minutes: 59 });
    await scrubIn.signedOut.expectShown();
    await expect.poll(() => audit.events()).toContain('session-cap');
  });

  test('activity postpones the idle lock', async ({ scrubIn, signInAs, clock }) => {
    await scrubIn.signedOut.signIn.click();
    await signInAs('nurse');
    await scrubIn.signedIn.expectUser('nurse');
    await clock.advance({ seconds: 50 });
    await scrubIn.signedIn.heading.click(); // real input (the OS idle time decides; the renderer's report is a hint)
    await clock.advance({ seconds: 50 });
    await scrubIn.signedIn.expectShown();
    await clock.advance({ seconds: 11 });
    await scrubIn.locked.expectShown();
  });
});

test.describe('with an idle lock longer than the credentials last', () => {
  test.use({ terminalOptions: { terminal: { idleLockSeconds: 7200 } } });

  test('AWS credentials renew by themselves before they expire', async ({ scrubIn, signInAs, clock, cognito }) => {
    await scrubIn.signedOut.signIn.click();
    await signInAs('surgeon');
    await scrubIn.signedIn.expectUser('surgeon');
    const first = await scrubIn.page.evaluate(() => window.scrubin.getCredentials());
    if (!first.ok) throw new Error(`no credentials: ${first.error.code}`);
    const before = cognito.counts();
    await clock.advance(first.value.expiration - Date.now() - 60_000); // one minute before they expire
    const renewed = await scrubIn.page.evaluate(() => window.scrubin.getCredentials());
    if (!renewed.ok) throw new Error(`no credentials after renewal: ${renewed.error.code}`);
    expect(renewed.value.accessKeyId).not.toBe(first.value.accessKeyId);
    expect(renewed.value.expiration).toBeGreaterThan(first.value.expiration);
    expect(cognito.counts().GetCredentialsForIdentity).toBeGreaterThan(before.GetCredentialsForIdentity ?? 0);
  });
});
