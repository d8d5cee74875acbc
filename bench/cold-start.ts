/**
 * Cold start (`npm run bench -- --only=cold-start`): what an OR terminal waits for after a reboot, as far as it
 * can be measured without the Electron binary.
 *  1. Core ready: config file read and validated, audit log opened, keychain checked, shared-terminal start,
 *     discovery document and signing keys from their cache files. Each sample is a fresh Node process running
 *     the core bundled like dist/main (bench/cold-core.ts); no network (local-cognito's counters prove it).
 *  2. Sign-in screen interactive: the BUILT renderer in headless Chromium with the real bridge (renderer harness:
 *     real dispatcher and session), each sample in a new browser context (new renderer process, no cache), from
 *     navigation start to the "Sign in" button enabled and one frame drawn.
 *  3. Bundle sizes of dist/ (as built: the figures that count are those of NODE_ENV=production).
 */
import { build } from 'esbuild';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { gzipSync } from 'node:zlib';
import type { Browser } from 'playwright-core';
import type { LocalCognito } from '../local-cognito/index';
import { PRELOAD_BUDGET_BYTES, readBuildInfo } from '../scripts/check-packaging';
import type { ColdCoreMarks } from './cold-core';
import { formatTable, ms, percentile } from './lib';
import { newTerminal, stageCallback } from './live';

const run = promisify(execFile);
const CORE_TARGET_MS = 150;
const INTERACTIVE_TARGET_MS = 500;

type Out = (line?: string) => void;

export async function coldStart(lc: LocalCognito, out: Out, samples: number): Promise<void> {
  await coreReady(lc, out, samples);
  await signInInteractive(lc, out, samples);
  bundleSizes(out);
}

/** A data dir as a terminal leaves it after one sign-in and sign-out: config file, discovery and JWKS caches, audit log. */
async function usedTerminal(lc: LocalCognito): Promise<{ configFile: string; dataDir: string; jwksUri: string }> {
  const root = mkdtempSync(path.join(tmpdir(), 'scrubin-bench-cold-'));
  const warm = newTerminal(lc, { dataDir: path.join(root, 'data') });
  await warm.core.session.start();
  await warm.core.session.handleCallback(await stageCallback(warm, 'nurse'));
  await warm.core.session.signOut();
  warm.core.dispose();
  const configFile = path.join(root, 'config.json');
  writeFileSync(configFile, JSON.stringify(warm.core.config), { mode: 0o644 });
  const discovery = JSON.parse(readFileSync(path.join(warm.dataDir, 'cache/discovery.json'), 'utf8')) as { metadata: { jwks_uri: string } };
  return { configFile, dataDir: warm.dataDir, jwksUri: discovery.metadata.jwks_uri };
}

/** The real keychain when a private Secret Service can be started here (as in the test suite), else none. */
async function privateKeychain(): Promise<{ env: Record<string, string>; stop: () => Promise<void> } | undefined> {
  try {
    const { startPrivateKeyring } = await import('../tests/support/keyring');
    return await startPrivateKeyring();
  } catch {
    return undefined;
  }
}

async function coreReady(lc: LocalCognito, out: Out, samples: number): Promise<void> {
  const terminal = await usedTerminal(lc);
  const bundle = path.resolve('test-results/bench/cold-core.mjs');
  // Bundled like dist/main (scripts/build.ts): minified ESM, dependencies loaded from node_modules.
  await build({ entryPoints: ['bench/cold-core.ts'], outfile: bundle, bundle: true, platform: 'node', target: 'node20', format: 'esm', packages: 'external', minify: true, logLevel: 'warning' });
  const keyring = await privateKeychain();
  const env = { ...process.env, ...(keyring ? { ...keyring.env, SCRUBIN_BENCH_KEYCHAIN: 'keytar' } : {}) };
  const marks: ColdCoreMarks[] = [];
  lc.admin.resetCounts();
  try {
    // One uncounted run first: the OS file cache holds node_modules afterwards, as after any earlier start.
    for (let i = 0; i <= samples; i += 1) {
      const { stdout } = await run(process.execPath, [bundle, terminal.configFile, terminal.dataDir, terminal.jwksUri], { env });
      if (i > 0) marks.push(JSON.parse(stdout.trim().split('\n').at(-1) ?? '') as ColdCoreMarks);
    }
  } finally {
    await keyring?.stop();
  }
  const fetched = Object.values(lc.admin.counts()).reduce((n, c) => n + c, 0);
  const p50 = (f: (m: ColdCoreMarks) => number) => ms(percentile(marks.map(f), 50), 1);
  const p95 = (f: (m: ColdCoreMarks) => number) => ms(percentile(marks.map(f), 95), 1);
  const row = (label: string, f: (m: ColdCoreMarks) => number, target = '') => [label, p50(f), p95(f), target];
  const core = (m: ColdCoreMarks) => m.jwks - m.loaded;
  const met = percentile(marks.map(core), 50) <= CORE_TARGET_MS ? 'met' : 'NOT met';
  out(`## Cold start: core ready (load average ${loadavg()[0]?.toFixed(1) ?? '?'}; ${String(marks.length)} fresh Node ${process.version} processes, core bundled like dist/main; keychain: ${marks[0]?.keychain === 'keytar' ? 'real (keytar, private Secret Service)' : 'MemorySecretStore'}; requests to local-cognito: ${String(fetched)})`);
  out(
    formatTable(
      ['step', 'p50', 'p95', 'target'],
      [
        row('core ready: config -> audit log -> keychain + start -> discovery + JWKS from disk', core, `<= ${String(CORE_TARGET_MS)} ms p50 (${met})`),
        row('  config file read + validated', (m) => m.config - m.loaded),
        row('  audit log opened, core composed (createApp)', (m) => m.app - m.config),
        row('  keychain checked, shared-terminal start (session.start)', (m) => m.started - m.app),
        row('  first authorize URL from the cached discovery document (session.signIn)', (m) => m.discovery - m.started),
        row('  signing keys from their cache file', (m) => m.jwks - m.discovery),
        row('process start -> modules loaded (Node boot + the bundle and its dependencies)', (m) => m.loaded, 'Electron: to be measured'),
        row('process start -> core ready', (m) => m.jwks, ''),
      ],
    ),
  );
  out();
}

/**
 * Records, in the page, when the app's first screen is in the DOM (its script has run) and when a "Sign in"
 * button is first enabled and a frame has been drawn after it.
 */
const INTERACTIVE_PROBE = `
  window.__scrubinCold = {};
  new MutationObserver((_, observer) => {
    const marks = window.__scrubinCold;
    if (marks.firstScreen === undefined && document.querySelector('h1')) marks.firstScreen = performance.now();
    const button = [...document.querySelectorAll('button')].find((b) => b.textContent.trim() === 'Sign in' && !b.disabled);
    if (!button) return;
    observer.disconnect();
    requestAnimationFrame(() => setTimeout(() => { marks.interactive = performance.now(); }));
  }).observe(document, { subtree: true, childList: true, attributes: true });
`;

async function signInInteractive(lc: LocalCognito, out: Out, samples: number): Promise<void> {
  const title = `## Cold start: sign-in screen interactive (web variant: built renderer in headless Chromium, real bridge; ${String(samples)} samples, each a new browser context; load average ${loadavg()[0]?.toFixed(1) ?? '?'})`;
  if (!existsSync(path.resolve('dist/renderer/index.html'))) {
    out(`${title}\nskipped: dist/renderer is not built (run \`npm run build\` first)\n`);
    return;
  }
  const { launchChromium, chromiumAvailable } = await import('../tests/support/browser');
  const { openRendererHarness } = await import('../tests/support/renderer-harness');
  if (!chromiumAvailable()) {
    out(`${title}\nskipped: Chromium not installed\n`);
    return;
  }
  const terminal = newTerminal(lc);
  await terminal.core.session.start();
  const browser = await launchChromium();
  // The harness creates its context and navigates in one call: the probe is added to each new context first.
  const probed = Object.create(browser, {
    newContext: {
      value: async (...args: Parameters<Browser['newContext']>) => {
        const context = await browser.newContext(...args);
        await context.addInitScript({ content: INTERACTIVE_PROBE });
        return context;
      },
    },
  }) as Browser;
  const timings: { document: number; script: number; firstScreen: number; interactive: number }[] = [];
  try {
    for (let i = 0; i <= samples; i += 1) {
      const h = await openRendererHarness(probed, terminal.core.session);
      type Marks = { __scrubinCold?: { firstScreen?: number; interactive?: number } };
      await h.page.waitForFunction(() => typeof (window as Marks).__scrubinCold?.interactive === 'number');
      const sample = await h.page.evaluate(() => ({
        document: (performance.getEntriesByType('navigation')[0] as PerformanceNavigationTiming | undefined)?.responseEnd ?? Number.NaN,
        script: (performance.getEntriesByType('resource') as PerformanceResourceTiming[]).find((e) => /\/assets\/index-[\w-]+\.js$/.test(e.name))?.responseEnd ?? Number.NaN,
        firstScreen: (window as Marks).__scrubinCold?.firstScreen ?? Number.NaN,
        interactive: (window as Marks).__scrubinCold?.interactive ?? Number.NaN,
      }));
      await h.close();
      // The first sample (browser process just started) is not counted.
      if (i > 0) timings.push(sample);
    }
  } finally {
    await browser.close();
    terminal.core.dispose();
  }
  const row = (label: string, key: keyof (typeof timings)[number], target = '') => {
    const v = timings.map((t) => t[key]);
    return [label, ms(percentile(v, 50), 1), ms(percentile(v, 95), 1), target];
  };
  const met = percentile(timings.map((t) => t.interactive), 50) <= INTERACTIVE_TARGET_MS ? 'met' : 'NOT met';
  out(title);
  out(
    formatTable(
      ['from navigation start to', 'p50', 'p95', 'target'],
      [
        row('index.html received', 'document'),
        row('app script received (after the harness init scripts: bridge, Playwright binding)', 'script'),
        row('app script run: its first screen ("Starting Scrub In…") in the DOM', 'firstScreen'),
        row('"Sign in" enabled, next frame drawn', 'interactive', `<= ${String(INTERACTIVE_TARGET_MS)} ms p50 (${met})`),
      ],
    ),
  );
  out();
}

function bundleSizes(out: Out): void {
  const info = readBuildInfo(path.resolve('.'));
  out(`## Bundle sizes (dist/ as built: ${info === undefined ? 'not built' : info.production ? 'production build' : 'DEVELOPMENT build; NODE_ENV=production npm run build for release figures'})`);
  if (!info) {
    out('skipped: run `npm run build` first\n');
    return;
  }
  const assets = path.resolve('dist/renderer/assets');
  const renderer = readdirSync(assets).filter((f) => /\.(js|css)$/.test(f)).map((f) => `dist/renderer/assets/${f}`);
  const rows = ['dist/preload/index.cjs', 'dist/main/index.js', ...renderer].map((file) => {
    const code = readFileSync(path.resolve(file));
    const target = file.startsWith('dist/preload/') ? `<= ${String(PRELOAD_BUDGET_BYTES / 1024)} KB (${code.length <= PRELOAD_BUDGET_BYTES ? 'met' : 'NOT met'})` : '';
    return [file.replace(/-[\w-]{8}\.(js|css)$/, '-*.$1'), `${(code.length / 1024).toFixed(1)} KB`, `${(gzipSync(code).length / 1024).toFixed(1)} KB`, target];
  });
  out(formatTable(['bundle', 'size', 'gzip', 'target'], rows));
  out();
}
