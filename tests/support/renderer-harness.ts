/**
 * Renderer harness: the BUILT React UI (dist/renderer) served with the same asset resolver and security
 * headers as the app:// protocol, opened in headless Chromium, with `window.scrubin` created by the same
 * `createBridge` the preload uses and backed by the real main-process dispatcher (`createDispatcher`). Only the
 * Electron IPC transport is replaced (by a Playwright binding), so the contract is exercised end to end.
 */
import { build } from 'esbuild';
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import type { OrViewsView } from '../../common/contract';
import { contentSecurityPolicy, resolveAsset, securityHeaders } from '../../main/shell/assets';
import { reloadWhenPersonLeaves } from '../../main/shell/reload';
import { createDispatcher, toPushedSettingsChange, toPushedView, type BridgeSession } from '../../main/shell/ipc';

const RENDERER_DIR = path.resolve('dist/renderer');

let bridgeScript: Promise<string> | undefined;

/** The preload's bridge, bundled for the page, wired to the harness binding instead of ipcRenderer. */
function bundleBridge(): Promise<string> {
  bridgeScript ??= build({
    stdin: {
      contents: `
        import { createBridge } from './preload/bridge';
        const listeners = new Set();
        const settingsListeners = new Set();
        const invoke = window.__scrubinInvoke;
        window.__scrubinPush = (view) => { for (const l of listeners) l(view); };
        window.__scrubinPushSettings = (change) => { for (const l of settingsListeners) l(change); };
        window.scrubin = createBridge({
          invoke: (channel, payload) => invoke(channel, payload),
          onSessionChanged(handler) { listeners.add(handler); return () => listeners.delete(handler); },
          onSettingsChanged(handler) { settingsListeners.add(handler); return () => settingsListeners.delete(handler); },
        });
      `,
      resolveDir: path.resolve('.'),
      loader: 'ts',
    },
    bundle: true,
    format: 'iife',
    write: false,
    platform: 'browser',
  }).then((result) => result.outputFiles[0]?.text ?? '');
  return bridgeScript;
}

export interface RendererHarness {
  page: Page;
  origin: string;
  /** Channels rejected by the dispatcher (sender or payload checks). */
  rejected: string[];
  /** Everything that crossed the bridge towards the renderer: every response, pushed view and settings change, as JSON. */
  traffic: string[];
  close(): Promise<void>;
}

export interface HarnessOptions {
  /**
   * Real input on the page (pointer, keys: `isTrusted` events, which page script cannot make), what the OS sees of
   * the app's window; the web project's fake OS idle time. Not part of the bridge.
   */
  onTrustedInput?: () => void;
  /** `orViews.allowedEndpoints`: the CSP's connect-src, as main builds it. */
  endpoints?: readonly string[];
  /** What `getOrViews` answers (main/shell/renderer-endpoints.ts orViewsOf). */
  orViews?: OrViewsView;
}

/** A fresh browser context and page with the harness attached (benchmarks, one-off scripts). */
export async function openRendererHarness(browser: Browser, session: BridgeSession, options: HarnessOptions = {}): Promise<RendererHarness> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const harness = await attachRendererHarness(await context.newPage(), session, options);
  return {
    ...harness,
    async close() {
      await harness.close();
      await context.close();
    },
  };
}

/**
 * Serves the built UI on 127.0.0.1 and opens it in `page` (e.g. Playwright Test's own page, which records
 * traces and video) with the bridge wired to `session`. close() stops the server; the page's owner closes it.
 */
export async function attachRendererHarness(page: Page, session: BridgeSession, options: HarnessOptions = {}): Promise<RendererHarness> {
  const csp = contentSecurityPolicy(options.endpoints ?? []);
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const asset = req.method === 'GET' ? resolveAsset(RENDERER_DIR, url.pathname) : null;
    if (!asset) {
      res.writeHead(404).end();
      return;
    }
    readFile(asset.file).then(
      (body) => res.writeHead(200, securityHeaders(asset.contentType, csp)).end(body),
      () => res.writeHead(404).end(),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const rejected: string[] = [];
  const dispatch = createDispatcher(session, {
    trustedOrigin: origin,
    onRejected: (reason, channel) => rejected.push(`${reason}:${channel}`),
    ...(options.orViews ? { orViews: options.orViews } : {}),
  });

  const traffic: string[] = [];
  await page.exposeBinding('__scrubinInvoke', async ({ frame }, channel: string, payload: unknown) => {
    const result = await dispatch(channel, payload, { url: frame.url(), isMainFrame: frame === page.mainFrame() });
    traffic.push(JSON.stringify(result));
    return result;
  });
  await page.addInitScript({ content: await bundleBridge() });
  const onTrustedInput = options.onTrustedInput;
  if (onTrustedInput) {
    await page.exposeBinding('__scrubinOsInput', () => onTrustedInput());
    await page.addInitScript(() => {
      const os = (window as unknown as { __scrubinOsInput: () => Promise<void> }).__scrubinOsInput;
      const seen = (event: Event): void => {
        if (event.isTrusted) void os();
      };
      for (const type of ['pointerdown', 'keydown', 'wheel']) window.addEventListener(type, seen, { capture: true, passive: true });
    });
  }
  const unsubscribe = session.subscribe((view) => {
    traffic.push(JSON.stringify(view));
    page.evaluate((v) => (window as unknown as { __scrubinPush?: (v: unknown) => void }).__scrubinPush?.(v), toPushedView(view)).catch(() => undefined);
  });
  // As main does with webContents.reload(): sign-out and switch leave nothing of the previous person in the page.
  const unsubscribeReload = session.subscribe(reloadWhenPersonLeaves(() => void page.reload().catch(() => undefined)));
  const unsubscribeSettings = session.subscribeSettings((change) => {
    const safe = toPushedSettingsChange(change);
    traffic.push(JSON.stringify(safe));
    page.evaluate((c) => (window as unknown as { __scrubinPushSettings?: (c: unknown) => void }).__scrubinPushSettings?.(c), safe).catch(() => undefined);
  });
  await page.goto(`${origin}/index.html`);

  return {
    page,
    origin,
    rejected,
    traffic,
    async close() {
      unsubscribe();
      unsubscribeReload();
      unsubscribeSettings();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
