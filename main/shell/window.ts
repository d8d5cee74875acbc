/**
 * Window hardening (Electron security checklist): sandboxed, isolated renderer without Node.js, app content
 * only from `app://scrubin`, strict CSP (header from the protocol handler + meta tag), navigation, new windows,
 * permissions and <webview> denied, devtools off in packaged builds.
 */
import { BrowserWindow, net, protocol, session as electronSession, type WebContents } from 'electron';
import { pathToFileURL } from 'node:url';
import { APP_ORIGIN, resolveAsset, securityHeaders } from './assets';
import { rendererRequestAllowed } from './renderer-endpoints';
import { FIRST_SHOW, showWhenReady } from './first-show';
import { KIOSK_WINDOW_OPTIONS } from './kiosk';

/** Must run before `app.ready`: `app:` behaves like https (standard, secure) for the renderer. */
export function registerAppScheme(): void {
  protocol.registerSchemesAsPrivileged([{ scheme: 'app', privileges: { standard: true, secure: true, supportFetchAPI: false, corsEnabled: false } }]);
}

/** Serves the built renderer under app://scrubin/ with security headers (`csp`: assets.ts contentSecurityPolicy); anything else is 404. */
export function serveRenderer(rendererDir: string, csp: string): void {
  protocol.handle('app', async (request) => {
    const url = new URL(request.url);
    const asset = url.host === 'scrubin' && request.method === 'GET' ? resolveAsset(rendererDir, url.pathname) : null;
    if (!asset) return new Response('Not found', { status: 404 });
    const file = await net.fetch(pathToFileURL(asset.file).toString());
    if (!file.ok) return new Response('Not found', { status: 404 });
    return new Response(file.body, { status: 200, headers: securityHeaders(asset.contentType, csp) });
  });
}

/** `endpoints`: the configured endpoint allowlist (renderer-endpoints.ts), the only remote origins let through. */
export function hardenSession(endpoints: readonly string[]): void {
  const ses = electronSession.defaultSession;
  ses.setPermissionRequestHandler((_webContents, _permission, callback) => callback(false));
  ses.setPermissionCheckHandler(() => false);
  ses.setDevicePermissionHandler(() => false);
  // No remote content: the renderer talks to main through the bridge, and to AWS only at the listed endpoints.
  ses.webRequest.onBeforeRequest((details, callback) => {
    callback({ cancel: !rendererRequestAllowed(details.url, endpoints) });
  });
}

function denyEverythingOutside(contents: WebContents): void {
  contents.setWindowOpenHandler(() => ({ action: 'deny' }));
  contents.on('will-navigate', (event) => event.preventDefault());
  contents.on('will-redirect', (event) => event.preventDefault());
  contents.on('will-attach-webview', (event) => event.preventDefault());
}

export function createMainWindow(options: { preload: string; packaged: boolean; kiosk: boolean }): BrowserWindow {
  const window = new BrowserWindow({
    width: 1280,
    height: 800,
    minWidth: 800,
    minHeight: 600,
    title: 'Scrub In',
    // Hidden until the first frame is drawn, on the page's background colour (first-show.ts).
    ...FIRST_SHOW,
    autoHideMenuBar: true,
    ...(options.kiosk ? KIOSK_WINDOW_OPTIONS : {}),
    webPreferences: {
      preload: options.preload,
      sandbox: true,
      contextIsolation: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      experimentalFeatures: false,
      navigateOnDragDrop: false,
      spellcheck: false,
      devTools: !options.packaged,
      disableBlinkFeatures: 'Auxclick',
    },
  });
  denyEverythingOutside(window.webContents);
  showWhenReady(window);
  void window.loadURL(`${APP_ORIGIN}/index.html`);
  return window;
}
