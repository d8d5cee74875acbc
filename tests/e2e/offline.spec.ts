/**
 * Network down at shift change (issue 21): the hospital sign-in service cannot be reached. No browser opens onto an
 * error page; the terminal shows "No connection to the hospital sign-in service" with the reference SI-OFFLINE and
 * Retry, checks again by itself, and clears the screen when the service is back. The same when the service goes
 * away between the managed login and the code exchange, and at the lock screen (which it returns to: nobody is
 * signed in by the network coming back). `signInService.down()` stops local-cognito listening (connection refused;
 * its state is kept) and `up()` brings it back on the same port. Time moves with `clock.advance` (re-checks back
 * off up to 30 s). Screenshots: test-results/screens/<project>/offline-*.png.
 */
import { DEMO_PASSWORD, REDIRECT_URI } from '../../local-cognito';
import { completeManagedLogin } from '../support/browser';
import { test, expect } from './fixtures';

/** Longer than the longest wait between two automatic re-checks (main/terminal/offline.ts OFFLINE_RECHECK). */
const PAST_NEXT_CHECK = { seconds: 31 };

test.afterEach(({ audit }) => {
  expect(audit.verify().ok).toBe(true);
});

for (const language of ['en', 'ko'] as const) {
  test.describe(`in ${language === 'en' ? 'English' : 'Korean'}`, () => {
    test.use({ terminalOptions: { terminal: { language } } });

    test(`Sign in with the service unreachable (${language}): no browser, SI-OFFLINE with Retry, and the screen clears by itself when the service is back`, async ({ scrubIn, signInAs, signInService, clock }) => {
      await scrubIn.signedOut.expectShown();
      await signInService.down();
      await scrubIn.signedOut.signIn.click();

      await scrubIn.offline.expectShown();
      await expect(scrubIn.page.locator('html')).toHaveAttribute('lang', language);
      await expect(scrubIn.offline.status).toHaveText(scrubIn.words.offline.checking);
      const seconds = await scrubIn.offline.secondsToNextCheck();
      expect(seconds).toBeGreaterThanOrEqual(1);
      expect(seconds).toBeLessThanOrEqual(30);
      await scrubIn.screenshot(`offline-${language}-sign-in`);
      expect(await scrubIn.accessibilityProblems()).toEqual([]);
      expect(await scrubIn.externalUrls()).toEqual([]);

      // Retry while the service is still down: the same screen, still no browser.
      await scrubIn.offline.retry.click();
      await expect(scrubIn.offline.retry).toBeEnabled();
      await scrubIn.offline.expectShown();
      // The automatic re-checks while it is down keep the screen too.
      await clock.advance(PAST_NEXT_CHECK);
      await scrubIn.offline.expectShown();
      expect(await scrubIn.externalUrls()).toEqual([]);

      // Back: the next re-check clears the screen by itself (the nurse did not have to press anything).
      await signInService.up();
      await clock.advance(PAST_NEXT_CHECK);
      await scrubIn.signedOut.expectShown();
      await expect(scrubIn.offline.heading).toBeHidden();
      expect(await scrubIn.externalUrls()).toEqual([]);

      // And a sign-in now opens the browser, once, and completes.
      await scrubIn.signedOut.signIn.click();
      const authorizeUrl = await signInAs('nurse');
      expect(await scrubIn.externalUrls()).toEqual([authorizeUrl]);
      await scrubIn.signedIn.expectUser('nurse');
    });
  });
}

test('the service goes away between the managed login and the code exchange: the offline screen, not an error; sign-in works once it is back', async ({ scrubIn, signInAs, signInService, clock, browser }) => {
  await scrubIn.signedOut.signIn.click();
  const authorizeUrl = await scrubIn.nextAuthorizeUrl();
  const systemBrowser = await browser.newContext();
  const { callbackUrl } = await completeManagedLogin(systemBrowser, authorizeUrl, REDIRECT_URI, { username: 'nurse', password: DEMO_PASSWORD });
  await systemBrowser.close();

  await signInService.down();
  await scrubIn.deliverLink(callbackUrl);
  // The token request is retried with backoff on the app's clock: move it along until the sign-in gives up.
  await expect
    .poll(async () => {
      await clock.advance({ seconds: 5 });
      return scrubIn.offline.heading.isVisible();
    })
    .toBe(true);
  await scrubIn.offline.expectShown();
  await scrubIn.screenshot('offline-en-code-exchange');
  const session = await scrubIn.page.evaluate(() => window.scrubin.getSession());
  expect(session.ok && session.value.state).toBe('signed-out');
  expect(session.ok && session.value.lastError?.code).toBe('network');

  await signInService.up();
  await clock.advance(PAST_NEXT_CHECK);
  await scrubIn.signedOut.expectShown();
  // Nobody was signed in by the network coming back: the old code is spent, a new sign-in is needed.
  await scrubIn.signedOut.signIn.click();
  await signInAs('nurse');
  await scrubIn.signedIn.expectUser('nurse');
  expect((await scrubIn.externalUrls()).length).toBe(2);
});

test('Unlock with the service unreachable: the offline screen, then back to the LOCK screen (not signed in) when the service returns', async ({ scrubIn, signInAs, signInService, clock }) => {
  await scrubIn.signedOut.signIn.click();
  await signInAs('nurse');
  await scrubIn.signedIn.expectUser('nurse');
  await scrubIn.signedIn.lock.click();
  await scrubIn.locked.expectShown();

  await signInService.down();
  await scrubIn.locked.unlock.click();
  await scrubIn.offline.expectShown();
  await scrubIn.screenshot('offline-en-unlock');
  expect(await scrubIn.accessibilityProblems()).toEqual([]);
  // Nothing of the signed-in screen shows behind it, and the bridge refuses credentials while locked.
  await expect(scrubIn.signedIn.lock).toBeHidden();
  const credentials = await scrubIn.page.evaluate(() => window.scrubin.getCredentials());
  expect(credentials.ok).toBe(false);
  expect((await scrubIn.externalUrls()).length).toBe(1);

  await signInService.up();
  await clock.advance(PAST_NEXT_CHECK);
  await scrubIn.locked.expectShown();
  await expect(scrubIn.offline.heading).toBeHidden();
  await expect(scrubIn.signedIn.lock).toBeHidden();
  expect((await scrubIn.externalUrls()).length).toBe(1);
});
