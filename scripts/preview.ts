/**
 * `npm run preview`: the web variant for a person to click through (and for `npx playwright codegen`) on a
 * machine without the Electron binary. The BUILT renderer, `window.scrubin` made by the preload's createBridge
 * over HTTP (invoke: POST, pushes: server-sent events) to the real main-process session and IPC dispatcher, and an
 * embedded local-cognito. The "system browser" is a new tab of the same browser: sign-in pages go through a small
 * loopback proxy in front of local-cognito, which hands the final `app.scrubin:/callback` redirect to the same
 * deep-link intake the app uses. Development only (scripts/ is never packaged), 127.0.0.1 only, keychain in memory.
 */
import { build } from 'esbuild';
import { EventEmitter } from 'node:events';
import { mkdtempSync, readFileSync } from 'node:fs';
import { createServer, request, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { build as viteBuild } from 'vite';
import { z } from 'zod';
import { startLocalCognito } from '../local-cognito';
import { createApp } from '../main/app';
import { MemorySecretStore } from '../main/auth';
import { ConfigSchema } from '../main/config';
import { contentSecurityPolicy, resolveAsset, securityHeaders } from '../main/shell/assets';
import { orViewsOf, rendererEndpoints } from '../main/shell/renderer-endpoints';
import { DeepLinkIntake } from '../main/shell/deep-links';
import { CHANNELS } from '../common/contract';
import { createDispatcher, createPushers } from '../main/shell/ipc';

const HOST = '127.0.0.1';
const port = Number(process.env.PORT ?? 5174);
const RENDERER_DIR = path.resolve('dist/renderer');
const InvokeSchema = z.strictObject({ channel: z.string().max(100), payload: z.unknown().optional() });

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return null;
  }
}

await viteBuild({ configFile: 'renderer/vite.config.ts', logLevel: 'warn' });
const bridgeScript = (
  await build({
    stdin: {
      contents: `
        import { createBridge } from './preload/bridge';
        const events = new EventSource('/__preview/events');
        const on = (name) => (handler) => {
          const listener = (e) => handler(JSON.parse(e.data));
          events.addEventListener(name, listener);
          return () => events.removeEventListener(name, listener);
        };
        // The app asks the OS to open the sign-in page: here, a new tab (right after the click, so it is allowed).
        events.addEventListener('open', (e) => window.open(JSON.parse(e.data), '_blank'));
        window.scrubin = createBridge({
          invoke: (channel, payload) =>
            fetch('/__preview/invoke', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ channel, payload }) }).then((r) => r.json()),
          onSessionChanged: on('session'),
          onSettingsChanged: on('settings'),
        });
      `,
      resolveDir: path.resolve('.'),
      loader: 'js',
    },
    bundle: true,
    format: 'iife',
    write: false,
    platform: 'browser',
  })
).outputFiles[0]?.text;
if (!bridgeScript) throw new Error('the preview bridge did not build');

const cognito = await startLocalCognito({});
const dataDir = mkdtempSync(path.join(tmpdir(), 'scrubin-preview-'));
const streams = new Set<ServerResponse>();
const send = (event: string, data: unknown): void => {
  for (const res of streams) res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
};

// The sign-in proxy: same paths as local-cognito, on its own loopback port; the callback never leaves it.
const idp = createServer((req: IncomingMessage, res: ServerResponse) => {
  const upstream = new URL(req.url ?? '/', cognito.origin);
  const forward = request(upstream, { method: req.method, headers: { ...req.headers, host: upstream.host } }, (answer) => {
    const location = answer.headers.location;
    if (location?.startsWith(cognito.config.redirectUri)) {
      os.emit('second-instance', {}, ['scrub-in', location]);
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end('<!doctype html><title>Scrub In</title><p>Done: go back to the Scrub In tab. You can close this one.</p>');
      answer.resume();
      return;
    }
    const headers = { ...answer.headers };
    if (location?.startsWith(cognito.origin)) headers.location = idpOrigin + location.slice(cognito.origin.length);
    res.writeHead(answer.statusCode ?? 502, headers);
    answer.pipe(res);
  });
  forward.on('error', () => res.writeHead(502).end());
  req.pipe(forward);
});
await new Promise<void>((resolve) => idp.listen(0, HOST, resolve));
const idpOrigin = `http://${HOST}:${(idp.address() as AddressInfo).port}`;

const config = ConfigSchema.parse({ ...cognito.config, auditLogPath: path.join(dataDir, 'audit.jsonl'), terminal: { mode: 'shared', terminalId: 'OR-07' } });
const csp = contentSecurityPolicy(rendererEndpoints(config));
const core = createApp({
  config,
  dataDir,
  store: new MemorySecretStore(),
  openBrowser: (url) => {
    const proxied = url.startsWith(cognito.origin) ? idpOrigin + url.slice(cognito.origin.length) : url;
    console.log(`sign-in page opened in a new tab (${idpOrigin})`);
    send('open', proxied);
  },
});
await core.session.start();
const os = new EventEmitter();
new DeepLinkIntake(os, ['scrub-in']).attach((url) => void core.session.handleCallback(url));
// The same validated pushes as the Electron main process, delivered as server-sent events instead of IPC.
const push = createPushers(
  () => [{ webContents: { send: (channel: string, payload: unknown) => send(channel === CHANNELS.sessionChanged ? 'session' : 'settings', payload) } }],
  (channel, problems) => console.error(`push on ${channel} dropped, it does not match the contract (${problems.join('; ')})`),
);
core.session.subscribe(push.sessionChanged);
core.session.subscribeSettings(push.settingsChanged);

const origin = `http://${HOST}:${port}`;
const dispatch = createDispatcher(core.session, {
  trustedOrigin: origin,
  orViews: orViewsOf(config),
  onRejected: (reason, channel) => console.warn(`IPC ${channel} rejected: ${reason}`),
});
const app = createServer((req, res) => {
  const url = new URL(req.url ?? '/', origin);
  if (url.pathname === '/__preview/bridge.js') {
    res.writeHead(200, securityHeaders('text/javascript; charset=utf-8', csp)).end(bridgeScript);
    return;
  }
  if (url.pathname === '/__preview/events') {
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store' });
    streams.add(res);
    req.on('close', () => streams.delete(res));
    return;
  }
  if (url.pathname === '/__preview/invoke' && req.method === 'POST') {
    // Only this page may drive the session (another site in the same browser may not).
    if (req.headers.origin !== origin) {
      res.writeHead(403).end();
      return;
    }
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      const parsed = InvokeSchema.safeParse(parseJson(body));
      if (!parsed.success) {
        res.writeHead(400).end();
        return;
      }
      void dispatch(parsed.data.channel, parsed.data.payload, { url: `${origin}/index.html`, isMainFrame: true }).then((result) =>
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(result)),
      );
    });
    return;
  }
  const asset = req.method === 'GET' ? resolveAsset(RENDERER_DIR, url.pathname) : null;
  if (!asset) {
    res.writeHead(404).end();
    return;
  }
  let body: Buffer | string = readFileSync(asset.file);
  if (asset.file.endsWith('index.html')) body = body.toString('utf8').replace('</head>', '<script src="/__preview/bridge.js"></script></head>');
  res.writeHead(200, securityHeaders(asset.contentType, csp)).end(body);
});
app.listen(port, HOST, () => {
  console.log(`Scrub In preview (DEVELOPMENT ONLY: not the Electron app, not in any packaged build; loopback only)`);
  console.log(`  open ${origin} in a browser; local-cognito at ${cognito.origin}, demo users and their password in docs/local-cognito.md`);
  console.log(`  keychain in memory, data in ${dataDir}; Ctrl-C stops it`);
});
const stop = (): void => {
  core.dispose();
  app.close();
  idp.close();
  void cognito.stop().then(() => process.exit(0));
};
process.on('SIGINT', stop).on('SIGTERM', stop);
