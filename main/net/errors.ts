/**
 * Transport failures in ONE shape, whichever stack failed: fetch's `TypeError('fetch failed')` with the socket
 * error code as `cause.code` (what undici throws, and what main/lib/sdk-error.ts and main/auth/map-error.ts read
 * as "network"). Chromium's `net::ERR_*` names (Electron's net.fetch) are mapped to the Node codes of the same
 * failure; certificate failures get a non-network code, so they are reported, not retried.
 */

const CHROMIUM_TO_NODE: Readonly<Record<string, string>> = {
  ERR_CONNECTION_REFUSED: 'ECONNREFUSED',
  ERR_CONNECTION_RESET: 'ECONNRESET',
  ERR_CONNECTION_CLOSED: 'ECONNRESET',
  ERR_CONNECTION_ABORTED: 'ECONNABORTED',
  ERR_CONNECTION_FAILED: 'ECONNREFUSED',
  ERR_EMPTY_RESPONSE: 'ECONNRESET',
  ERR_CONNECTION_TIMED_OUT: 'ETIMEDOUT',
  ERR_TIMED_OUT: 'ETIMEDOUT',
  ERR_NAME_NOT_RESOLVED: 'ENOTFOUND',
  ERR_NAME_RESOLUTION_FAILED: 'EAI_AGAIN',
  ERR_INTERNET_DISCONNECTED: 'ENETUNREACH',
  ERR_NETWORK_CHANGED: 'ECONNRESET',
  ERR_ADDRESS_UNREACHABLE: 'EHOSTUNREACH',
  ERR_NETWORK_ACCESS_DENIED: 'ENETUNREACH',
  ERR_PROXY_CONNECTION_FAILED: 'ECONNREFUSED',
  ERR_TUNNEL_CONNECTION_FAILED: 'ECONNREFUSED',
  ERR_PAC_SCRIPT_FAILED: 'ECONNREFUSED',
  ERR_MANDATORY_PROXY_CONFIGURATION_FAILED: 'ECONNREFUSED',
};

/** The error a transport rethrows for `error` (aborts and time-outs stay as they are). */
export function transportFailure(error: unknown): unknown {
  if (!(error instanceof Error)) return new TypeError('fetch failed', { cause: { code: 'ECONNRESET' } });
  if (error.name === 'AbortError' || error.name === 'TimeoutError') return error;
  const chromium = /net::(ERR_[A-Z_]+)/.exec(error.message)?.[1];
  if (!chromium) return error;
  const code = CHROMIUM_TO_NODE[chromium] ?? (chromium.startsWith('ERR_CERT_') || chromium.startsWith('ERR_SSL_') ? 'CERT_REJECTED' : 'ECONNRESET');
  return new TypeError('fetch failed', { cause: Object.assign(new Error(`net::${chromium}`), { code }) });
}
