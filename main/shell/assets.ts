/**
 * Serving the renderer from `app://scrubin/…` (not file://): resolves a request URL to a file inside the
 * built renderer folder, refusing anything outside it, and sets the response headers (strict CSP).
 * Shared by the Electron protocol handler and the renderer test harness, so both serve the same bytes
 * with the same headers.
 */
import path from 'node:path';

export const APP_ORIGIN = 'app://scrubin';

/**
 * The renderer's CSP. `connect-src` is the app itself plus the configured AWS endpoints (`orViews.allowedEndpoints`,
 * origins already validated by the config schema); nothing else. Main's request filter allows the same list
 * (renderer-endpoints.ts), so a request is blocked twice over.
 */
export function contentSecurityPolicy(connectOrigins: readonly string[] = []): string {
  for (const origin of connectOrigins) {
    // Validated as URL origins by the config schema; refuse anything that could add a directive.
    if (!/^https?:\/\/[^\s;,'*]+$/.test(origin)) throw new Error(`not an endpoint origin for the CSP: ${JSON.stringify(origin)}`);
  }
  return [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "font-src 'self'",
    ["connect-src 'self'", ...connectOrigins].join(' '),
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
    "object-src 'none'",
  ].join('; ');
}

/** The CSP with no endpoint allowed (no OR views configured). */
export const CONTENT_SECURITY_POLICY = contentSecurityPolicy();

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.woff2': 'font/woff2',
  '.json': 'application/json',
  '.map': 'application/json',
};

export function securityHeaders(contentType: string, csp: string = CONTENT_SECURITY_POLICY): Record<string, string> {
  return {
    'Content-Type': contentType,
    'Content-Security-Policy': csp,
    'X-Content-Type-Options': 'nosniff',
    'Cross-Origin-Opener-Policy': 'same-origin',
    'Cross-Origin-Resource-Policy': 'same-origin',
    'Referrer-Policy': 'no-referrer',
    'Cache-Control': 'no-store',
  };
}

/**
 * Maps a request path (already URL-parsed, e.g. `/assets/index-abc.js`) to a file under `root`, or
 * null when it would escape the folder or is not a file type the app serves.
 */
export function resolveAsset(root: string, requestPath: string): { file: string; contentType: string } | null {
  let decoded: string;
  try {
    decoded = decodeURIComponent(requestPath);
  } catch {
    return null;
  }
  if (decoded.includes('\0') || decoded.includes('\\')) return null;
  const relative = decoded === '/' || decoded === '' ? 'index.html' : decoded.replace(/^\/+/, '');
  const base = path.resolve(root);
  const file = path.resolve(base, relative);
  if (file !== base && !file.startsWith(base + path.sep)) return null;
  const contentType = TYPES[path.extname(file).toLowerCase()];
  if (!contentType) return null;
  return { file, contentType };
}
