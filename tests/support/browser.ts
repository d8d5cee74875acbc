/**
 * Headless Debian Chromium (via playwright-core) acting as the "system browser" of the OAuth flow.
 * Playwright's own browser downloads are not used: nothing may be downloaded here.
 */
import { existsSync } from 'node:fs';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';

export const CHROMIUM_PATH = process.env.SCRUBIN_CHROMIUM ?? '/usr/bin/chromium';

export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

export function chromiumAvailable(): boolean {
  return existsSync(CHROMIUM_PATH);
}

export async function launchChromium(): Promise<Browser> {
  if (!chromiumAvailable()) throw new Error(`Chromium not found at ${CHROMIUM_PATH}: apt-get install chromium (or set SCRUBIN_CHROMIUM)`);
  return chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS, headless: true });
}

export interface DemoCredentials {
  username: string;
  password: string;
}

/**
 * Opens `authorizeUrl` in `context`, fills the managed-login form when it is shown (it is skipped when
 * the browser still holds a session cookie and no `prompt=login` was sent), and returns the custom-scheme
 * redirect the OS would hand to the app. Resolves with the callback URL, or rejects with the page text.
 */
export async function completeManagedLogin(
  context: BrowserContext,
  authorizeUrl: string,
  redirectPrefix: string,
  credentials?: DemoCredentials,
  options: { timeoutMs?: number } = {},
): Promise<{ callbackUrl: string; formShown: boolean; page: Page }> {
  const timeout = options.timeoutMs ?? 15_000;
  const page = await context.newPage();
  const redirect = page.waitForRequest((request) => request.url().startsWith(redirectPrefix), { timeout });
  // A custom-scheme navigation fails inside the browser (no handler): that failure is expected.
  void page.goto(authorizeUrl).catch(() => undefined);
  const form = page.locator('input[name="username"]').waitFor({ state: 'visible', timeout }).then(() => true);
  const first = await Promise.race([redirect.then(() => 'redirect' as const), form.then(() => 'form' as const)]).catch((error: unknown) => {
    throw new Error(`managed login did not show a form nor redirect: ${(error as Error).message}`);
  });
  let formShown = false;
  if (first === 'form') {
    formShown = true;
    if (!credentials) throw new Error('the managed-login form was shown but no credentials were given');
    await page.fill('input[name="username"]', credentials.username);
    await page.fill('input[name="password"]', credentials.password);
    // The submit button, whatever the page's language (`lang=ko` shows "로그인").
    await page.locator('form button[type="submit"]').click();
  }
  form.catch(() => undefined);
  const request = await redirect;
  return { callbackUrl: request.url(), formShown, page };
}
