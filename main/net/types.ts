/**
 * The one HTTP transport of main (DESIGN.md "Network"): every request of the sign-in core, the identity pool, settings
 * sync and the reachability check goes through a `Transport`. The Electron app builds one on Chromium's network
 * stack (main/shell/network.ts: OS proxy settings, PAC/WPAD, the OS certificate store); plain Node (tests, bench,
 * the core without Electron) builds one on undici (./node.ts). Nothing else in main calls fetch, http or https.
 */

/** The `fetch` shape main uses (the same as openid-client's customFetch and the WHATWG one). */
export type FetchLike = (url: string, init: RequestInit) => Promise<Response>;

export interface Transport {
  /** Which stack carries the requests (for logs and the diagnostics bundle). */
  readonly kind: 'electron' | 'node';
  fetch: FetchLike;
  /**
   * Opens a connection to `origin` ahead of the first request, when the stack can (the identity pool's connection
   * while the person is still in the browser). Never sends a request; failures are ignored.
   */
  preconnect(origin: string): void;
  /** Closes idle connections; requests after this fail. */
  close(): Promise<void>;
}

/** The proxy setting (config `network.proxy`) sorted into what each stack needs. */
export type ProxyChoice =
  | { kind: 'system' }
  | { kind: 'direct' }
  /** A forward proxy for http and https (https through CONNECT). */
  | { kind: 'fixed'; url: string }
  /** A proxy auto-config file (honoured by the Electron stack only). */
  | { kind: 'pac'; url: string };
