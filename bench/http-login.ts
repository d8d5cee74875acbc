/**
 * The browser part of a managed login driven with plain HTTP (fetch + a small cookie jar) instead of Chromium:
 * GET the authorize URL, follow redirects to local-cognito's /login form, POST the demo credentials, follow
 * redirects until the app's custom-scheme redirect appears, and return it. Used by the benchmarks (each measured
 * iteration needs its own single-use code) and the resilience suite (1,000 sign-in cycles). It talks only to
 * the loopback local-cognito; the real browser journey stays covered by tests/integration and tests/renderer.
 */
import { DEMO_PASSWORD } from '../local-cognito/index';

export interface HttpLoginOptions {
  username: string;
  password?: string;
  /** Prefix of the custom-scheme redirect to capture (default `app.scrubin:/callback`). */
  redirectPrefix?: string;
}

class CookieJar {
  private readonly cookies = new Map<string, string>();

  store(res: Response): void {
    for (const line of res.headers.getSetCookie()) {
      const pair = line.split(';', 1)[0] ?? '';
      const eq = pair.indexOf('=');
      if (eq <= 0) continue;
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      if (/expires=Thu, 01 Jan 1970/i.test(line) || value === '') this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
  }

  header(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }
}

/** Returns the callback URL (`app.scrubin:/callback?code=…&state=…`) for `authorizeUrl`. Never logs it. */
export async function httpLogin(authorizeUrl: string, options: HttpLoginOptions): Promise<string> {
  const redirectPrefix = options.redirectPrefix ?? 'app.scrubin:/callback';
  const jar = new CookieJar();
  let url = authorizeUrl;
  let method: 'GET' | 'POST' = 'GET';
  let body: URLSearchParams | undefined;
  let posted = false;
  for (let hop = 0; hop < 20; hop += 1) {
    if (url.startsWith(redirectPrefix)) return url;
    const res = await fetch(url, {
      method,
      redirect: 'manual',
      headers: {
        cookie: jar.header(),
        ...(body ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
      },
      ...(body ? { body } : {}),
    });
    jar.store(res);
    method = 'GET';
    body = undefined;
    const location = res.headers.get('location');
    if (res.status >= 300 && res.status < 400 && location) {
      await res.arrayBuffer();
      url = new URL(location, url).href;
      continue;
    }
    const html = await res.text();
    const uid = /name="uid" value="([^"]+)"/.exec(html)?.[1];
    const action = /<form method="post" action="([^"]+)"/.exec(html)?.[1];
    if (res.status === 200 && uid && action && !posted) {
      posted = true;
      method = 'POST';
      body = new URLSearchParams({ uid: unescapeHtml(uid), username: options.username, password: options.password ?? DEMO_PASSWORD });
      url = new URL(unescapeHtml(action), url).href;
      continue;
    }
    const error = /id="login-error"[^>]*>([^<]*)</.exec(html)?.[1];
    throw new Error(`managed login over HTTP failed at ${new URL(url).pathname} (HTTP ${String(res.status)}${error ? `: ${error}` : ''})`);
  }
  throw new Error('managed login over HTTP: too many redirects');
}

function unescapeHtml(s: string): string {
  return s.replace(/&amp;/g, '&').replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>');
}
