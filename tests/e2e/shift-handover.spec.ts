/**
 * The worked example of docs/testing.md: the charge nurse signs in, the terminal locks after the idle time (the
 * clock moves; nothing waits), and the surgeon switches in, which signs the charge nurse out for real.
 */
import { test, expect } from './fixtures';

test.use({ terminalOptions: { terminal: { idleLockSeconds: 120 } } });

test('charge nurse signs in, terminal locks after idle, surgeon switches in', async ({ scrubIn, signInAs, clock, audit }) => {
  await scrubIn.signedOut.signIn.click();
  await signInAs('charge');
  await scrubIn.signedIn.expectUser('charge');
  await expect(scrubIn.signedIn.role).toHaveText('Charge Nurses');

  await clock.advance({ minutes: 2 });
  await scrubIn.locked.expectShown();

  await scrubIn.locked.switchUser.click();
  await signInAs('surgeon');
  await scrubIn.signedIn.expectUser('surgeon');
  await scrubIn.nextLogoutUrl(); // the charge nurse's managed-login session ends too

  // The audit log verifies and tells the story: who signed in, that idle time locked the terminal, who took over.
  const story = audit.records().map((r) => [r.event, 'reason' in r ? r.reason : undefined]);
  expect(story).toEqual(expect.arrayContaining([['sign-in', undefined], ['lock', 'idle'], ['switch', undefined]]));
});
