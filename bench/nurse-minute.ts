/**
 * The nurse's minute (issue 20), measured: from the LOCKED screen to "Signed in" with the PIN vs with the full
 * forced sign-in, on the built renderer in Chromium over the real main-process session (the renderer harness of the
 * web e2e project), local-cognito on 127.0.0.1. The browser part of the full sign-in is driven by Playwright.
 * Counts the person's taps and keystrokes, and the machine time after the LAST one (to the "Signed in" heading).
 *
 *   npx tsx bench/nurse-minute.ts [--runs=10]      (needs `npm run build` and /usr/bin/chromium)
 *
 * Reports only; no test asserts these times.
 */
import { mkdtempSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { chromium, type Page } from 'playwright-core';
import { DEMO_PASSWORD, startLocalCognito } from '../local-cognito';
import { createApp } from '../main/app';
import { MemorySecretStore } from '../main/auth';
import { ConfigSchema } from '../main/config/schema';
import { createTestHooks } from '../main/shell/test-hooks';
import { hashPin, pinMatches } from '../main/terminal/pin';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from '../tests/support/browser';
import { openRendererHarness } from '../tests/support/renderer-harness';
import { formatTable, ms, percentile } from './lib';

const RUNS = Number(process.argv.find((a) => a.startsWith('--runs='))?.slice('--runs='.length) ?? 10);
const PIN = '480915';
const IDLE_MS = 120_000;

const signedIn = (page: Page) => page.getByRole('heading', { level: 1, name: /^Signed in: / }).waitFor();
const locked = (page: Page) => page.getByRole('heading', { level: 1, name: 'Terminal locked' }).waitFor();

async function main(): Promise<void> {
  const lc = await startLocalCognito();
  const dataDir = mkdtempSync(path.join(tmpdir(), 'scrubin-bench-minute-'));
  const config = ConfigSchema.parse({
    ...lc.config,
    auditLogPath: path.join(dataDir, 'audit.jsonl'),
    terminal: { mode: 'shared', terminalId: 'OR-BENCH', idleLockSeconds: IDLE_MS / 1000, quickUnlock: { enabled: true } },
  });
  const hooks = createTestHooks();
  const core = createApp({ config, dataDir, store: new MemorySecretStore(), openBrowser: (u) => hooks.open(u), clock: hooks.clock, systemIdle: hooks.idle });
  await core.session.start();
  const browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS });
  const app = await openRendererHarness(browser, core.session, { onTrustedInput: () => hooks.idle.input() });
  const page = app.page;
  const systemBrowser = await browser.newContext();
  let external = 0;

  /** The full forced sign-in in the "system browser": returns taps/keystrokes and the ms after the last one. */
  async function fullSignIn(start: () => Promise<void>, username: string | null): Promise<{ inputs: number; afterLastMs: number }> {
    let inputs = 1;
    await start(); // the tap on "Sign in" / "Unlock as ..."
    let url = await hooks.global.waitExternal(external++);
    while (!url.includes('/oauth2/authorize')) url = await hooks.global.waitExternal(external++);
    const login = await systemBrowser.newPage();
    const redirect = login.waitForRequest((r) => r.url().startsWith(config.redirectUri));
    void login.goto(url).catch(() => undefined);
    if (username !== null) {
      await login.locator('input[name="username"]').click();
      await login.keyboard.type(username);
      inputs += 1 + username.length;
    }
    await login.locator('input[name="password"]').click();
    await login.keyboard.type(DEMO_PASSWORD);
    inputs += 1 + DEMO_PASSWORD.length;
    const t0 = performance.now();
    await login.getByRole('button', { name: 'Sign in' }).click();
    inputs += 1;
    const callback = (await redirect).url();
    void core.session.handleCallback(callback); // what the OS does with the redirect (not timed apart)
    await signedIn(page);
    const afterLastMs = performance.now() - t0;
    await login.close();
    return { inputs, afterLastMs };
  }

  // A shift begins: sign in, set the PIN (twice on the keypad).
  await fullSignIn(() => page.getByRole('button', { name: 'Sign in', exact: true }).click(), 'nurse');
  await page.getByRole('button', { name: 'Set a PIN for quick unlock' }).click();
  for (const d of PIN + PIN) await page.getByRole('group', { name: 'PIN keypad' }).getByRole('button', { name: d, exact: true }).click();
  await page.getByText('Your PIN is set').waitFor();

  const pin: { inputs: number; afterLastMs: number; inPageMs: number }[] = [];
  const full: { inputs: number; afterLastMs: number }[] = [];
  for (let i = 0; i < RUNS; i++) {
    hooks.clock.advance(IDLE_MS);
    await locked(page);
    const keypad = page.getByRole('group', { name: 'PIN keypad' });
    await keypad.waitFor();
    // In the page: from the last key's pointerdown to the "Signed in" heading in the DOM.
    // (a string: tsx would wrap named page functions in a helper the page does not have)
    await page.evaluate(`(() => {
      window.addEventListener('pointerdown', () => { window.__lastTap = performance.now(); }, { capture: true });
      window.__signedIn = new Promise((resolve) => {
        new MutationObserver((_, observer) => {
          if (/^Signed in: /.test(document.querySelector('h1')?.textContent ?? '')) {
            observer.disconnect();
            resolve(performance.now());
          }
        }).observe(document.body, { subtree: true, childList: true, characterData: true });
      });
    })()`);
    for (const d of PIN.slice(0, -1)) await keypad.getByRole('button', { name: d, exact: true }).click();
    const t0 = performance.now();
    await keypad.getByRole('button', { name: PIN.slice(-1), exact: true }).click();
    await signedIn(page);
    const afterLastMs = performance.now() - t0;
    const inPageMs = Number(await page.evaluate('window.__signedIn.then((at) => at - window.__lastTap)'));
    pin.push({ inputs: PIN.length, afterLastMs, inPageMs });
  }
  for (let i = 0; i < RUNS; i++) {
    hooks.clock.advance(IDLE_MS);
    await locked(page);
    full.push(await fullSignIn(() => page.getByRole('button', { name: /^Unlock as / }).click(), null));
  }

  // The deliberate part of the PIN path: one scrypt of the attempt (N=2^14, r=8).
  const stored = await hashPin(PIN);
  const scrypts: number[] = [];
  for (let i = 0; i < 20; i++) {
    const t = performance.now();
    await pinMatches(stored, PIN);
    scrypts.push(performance.now() - t);
  }
  const med = (xs: number[]) => percentile(xs, 50);
  const rows = [
    ['PIN quick unlock (keypad, sent after the last digit)', String(pin[0]?.inputs), ms(med(pin.map((r) => r.afterLastMs))), ms(percentile(pin.map((r) => r.afterLastMs), 95)), ms(med(pin.map((r) => r.inPageMs))), '<= 8 taps, <= 300 ms'],
    ['full forced sign-in (Unlock as..., password in managed login, user name prefilled)', String(full[0]?.inputs), ms(med(full.map((r) => r.afterLastMs))), ms(percentile(full.map((r) => r.afterLastMs), 95)), '-', '-'],
  ];
  process.stdout.write(`## Locked screen -> "Signed in" (${RUNS} runs each; machine time after the last tap/keystroke)\n`);
  rows.push(['  of which: scrypt of the attempt, standalone (20 runs)', '-', ms(med(scrypts)), ms(percentile(scrypts, 95)), '-', 'deliberate: slows guessing from a memory dump']);
  process.stdout.write(`(load average at the end: ${loadavg().map((l) => l.toFixed(2)).join(' ')})\n`);
  process.stdout.write(`${formatTable(['way back in', 'taps + keystrokes', 'p50 after last input (bench side)', 'p95', 'p50 in page (pointerdown -> heading)', 'target'], rows)}\n`);
  await systemBrowser.close();
  await app.close();
  await browser.close();
  core.dispose();
  await lc.stop();
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
