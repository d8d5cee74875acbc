/**
 * The renderer journey in English and in Korean (issue 20): every screen in the terminal's language
 * (`terminal.language`), the same language on Cognito's managed login (`lang`), errors in plain words with their
 * reference code, the terminal's own text size before anyone signs in, the technical detail one tap away, and axe
 * on every screen. Screenshots: test-results/screens/<project>/journey-<language>*.png.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { test, expect } from './fixtures';

for (const language of ['en', 'ko'] as const) {
  test.describe(`in ${language === 'en' ? 'English' : 'Korean'}`, () => {
    test.use({ terminalOptions: { terminal: { language } } });

    test(`journey (${language}): text size before sign-in, an error with its reference code, sign-in, technical details, lock`, async ({ scrubIn, signInAs, browser }) => {
      const w = scrubIn.words;
      const { page } = scrubIn;
      const rootFontSize = () => page.evaluate(() => getComputedStyle(document.documentElement).fontSize);

      // Signed out, in the terminal's language; the terminal's text size is chosen before anyone signs in.
      await scrubIn.signedOut.expectShown();
      await expect(page.locator('html')).toHaveAttribute('lang', language);
      await expect(page.getByText(w.signedOut.hintShared)).toBeVisible();
      expect(await rootFontSize()).toBe('22px');
      await scrubIn.signedOut.textSize.choice('large').check();
      await expect(scrubIn.signedOut.textSize.choice('large')).toBeChecked();
      await expect.poll(rootFontSize).toBe('27.5px');
      // Remembered by main for the terminal (not the person), and told to the renderer in the view.
      const session = await page.evaluate(() => window.scrubin.getSession());
      expect(session.ok && session.value.display).toEqual({ language, textSize: 'large' });
      // The screen changes first; the file is written right after (so poll: reading it at once can find no file yet).
      const remembered = (): unknown => {
        try {
          return JSON.parse(readFileSync(path.join(scrubIn.dataDir, 'terminal-display.json'), 'utf8'));
        } catch {
          return undefined;
        }
      };
      await expect.poll(remembered).toEqual({ textSize: 'large' });
      await scrubIn.screenshot(`journey-${language}-1-signed-out`);
      expect(await scrubIn.accessibilityProblems()).toEqual([]);

      // The managed login gets the same language; a denied sign-in shows plain words and the code for IT.
      await scrubIn.signedOut.signIn.click();
      const authorizeUrl = await scrubIn.nextAuthorizeUrl();
      expect(new URL(authorizeUrl).searchParams.get('lang')).toBe(language);
      const browserContext = await browser.newContext();
      const login = await browserContext.newPage();
      await login.goto(authorizeUrl);
      await expect(login.locator('html')).toHaveAttribute('lang', language);
      await expect(login.getByRole('heading', { level: 1 })).toHaveText(language === 'ko' ? '로그인' : 'Sign in');
      await browserContext.close();
      const state = new URL(authorizeUrl).searchParams.get('state') ?? '';
      await scrubIn.deliverLink(`app.scrubin:/callback?error=access_denied&state=${encodeURIComponent(state)}`);
      await scrubIn.error.expectMessage(w.errors.access_denied);
      await scrubIn.error.expectReference('SI-DENIED');
      await scrubIn.screenshot(`journey-${language}-2-error`);
      expect(await scrubIn.accessibilityProblems()).toEqual([]);

      // Signed in: "Hospital systems" in plain words; the AWS detail for IT behind one tap.
      await scrubIn.error.signIn.click();
      expect(new URL(await signInAs('nurse')).searchParams.get('lang')).toBe(language);
      await scrubIn.signedIn.expectUser('nurse');
      await expect(scrubIn.signedIn.heading).toBeVisible();
      await expect(scrubIn.signedIn.access).toHaveText(w.signedIn.accessReady);
      await expect(page.getByText('arn:aws:iam::000000000000:role/ScrubIn-Nurses')).toBeHidden();
      await scrubIn.signedIn.technicalDetails.getByText(w.signedIn.technical, { exact: true }).click();
      await expect(page.getByText('arn:aws:iam::000000000000:role/ScrubIn-Nurses')).toBeVisible();
      // The nurse has no text size of her own: the terminal's stays.
      expect(await rootFontSize()).toBe('27.5px');
      await scrubIn.screenshot(`journey-${language}`);
      expect(await scrubIn.accessibilityProblems()).toEqual([]);

      // Locked: the terminal's text size can be changed here too.
      await scrubIn.signedIn.lock.click();
      await scrubIn.locked.expectShown();
      await expect(scrubIn.locked.textSize.choice('large')).toBeChecked();
      await scrubIn.locked.textSize.choice('normal').check();
      await expect.poll(rootFontSize).toBe('22px');
      await scrubIn.screenshot(`journey-${language}-4-locked`);
      expect(await scrubIn.accessibilityProblems()).toEqual([]);
    });
  });
}
