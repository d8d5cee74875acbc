/**
 * End-to-end suite (Playwright Test): THE SAME specs in tests/e2e on two projects.
 *   electron  the real app through `_electron` (built first); SKIPPED with the reason where the binary is missing.
 *             SCRUBIN_APP=<unpacked test build> runs it against a packaged test flavour instead.
 *   web       the built renderer in Debian's Chromium, `window.scrubin` on the real main-process session and IPC
 *             dispatcher (tests/support/renderer-harness.ts).
 * Chromium is never downloaded: /usr/bin/chromium (or SCRUBIN_CHROMIUM). Guide: docs/testing.md.
 */
import { existsSync, mkdirSync, readFileSync, symlinkSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { defineConfig } from '@playwright/test';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from './tests/support/browser';

process.env.PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD = '1';

/**
 * Video recording needs an ffmpeg in Playwright's browser folder, which would be a download: point a private
 * folder at Debian's ffmpeg (`npm run setup` installs it) instead. Without ffmpeg, videos are off.
 */
function localFfmpeg(): boolean {
  if (process.env.PLAYWRIGHT_BROWSERS_PATH) return true;
  const system = '/usr/bin/ffmpeg';
  if (process.platform !== 'linux' || !existsSync(system)) return false;
  const browsersJson = path.join(path.dirname(createRequire(import.meta.url).resolve('playwright-core/package.json')), 'browsers.json');
  const { browsers } = JSON.parse(readFileSync(browsersJson, 'utf8')) as { browsers: Array<{ name: string; revision: string }> };
  const revision = browsers.find((b) => b.name === 'ffmpeg')?.revision;
  if (!revision) return false;
  const root = path.resolve('node_modules/.cache/scrubin-playwright');
  const link = path.join(root, `ffmpeg-${revision}`, 'ffmpeg-linux');
  if (!existsSync(link)) {
    mkdirSync(path.dirname(link), { recursive: true });
    symlinkSync(system, link);
  }
  process.env.PLAYWRIGHT_BROWSERS_PATH = root;
  return true;
}

const ci = Boolean(process.env.CI);
const video = localFfmpeg() ? 'retain-on-failure' : 'off';

export default defineConfig<{ appKind: 'electron' | 'web' }>({
  testDir: 'tests/e2e',
  testMatch: '**/*.spec.ts',
  outputDir: 'test-results/e2e',
  globalSetup: './tests/support/e2e/global-setup.ts',
  timeout: 60_000,
  expect: { timeout: 15_000 },
  retries: ci ? 1 : 0,
  // Two shared cores: each test starts local-cognito, a terminal and a browser.
  workers: 2,
  fullyParallel: true,
  reporter: [
    ['list'],
    ['html', { outputFolder: 'test-results/e2e-report', open: 'never' }],
    ['./tests/support/e2e/summary-reporter.ts'],
  ],
  use: {
    trace: 'on-first-retry',
    screenshot: 'only-on-failure',
    video,
    viewport: { width: 1280, height: 800 },
    launchOptions: { executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS },
  },
  projects: [
    // The Chromium page of Playwright Test is unused on Electron: its recordings stay off (the fixtures record the app).
    { name: 'electron', use: { appKind: 'electron', trace: 'off', screenshot: 'off', video: 'off' } },
    { name: 'web', use: { appKind: 'web' } },
  ],
});
