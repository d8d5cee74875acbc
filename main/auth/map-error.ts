/**
 * Maps what openid-client, fetch and the keychain throw into the one taxonomy (main/errors.ts).
 * Details name the endpoint, the HTTP status, the OAuth error code or the failed claim, never a
 * token, code, verifier or response body; the original error is kept as a sanitized cause (name,
 * code and message only: openid-client attaches the parsed claims and responses to its errors).
 */
import * as oidc from 'openid-client';
import { ScrubInError, isScrubInError, type ErrorCode } from '../errors';
import { isNetworkCode, type RetryPolicy } from '../lib';

export type Endpoint = 'discovery' | 'token' | 'revocation' | 'jwks';

/** A copy of an error that carries no payloads: its name, code and message only. */
export function safeCause(error: unknown): Error {
  if (error instanceof ScrubInError) return error;
  if (error instanceof Error) {
    const copy = new Error(error.message);
    copy.name = error.name;
    const code = (error as { code?: unknown }).code;
    if (typeof code === 'string') (copy as Error & { code?: string }).code = code;
    const inner = (error as { cause?: unknown }).cause;
    const innerCode = inner && typeof inner === 'object' ? (inner as { code?: unknown }).code : undefined;
    if (typeof innerCode === 'string') copy.cause = Object.assign(new Error(innerCode), { code: innerCode });
    return copy;
  }
  return new Error(typeof error === 'string' ? 'non-Error thrown' : `non-Error thrown (${typeof error})`);
}

function make(code: ErrorCode, detail: string, cause: unknown): ScrubInError {
  return new ScrubInError(code, { detail, cause: safeCause(cause) });
}

/** Retries of the user pool's endpoints (discovery, token): one try and three more, 250 ms base, 4 s cap. */
export const DEFAULT_RETRY: RetryPolicy = { maxAttempts: 4, baseDelayMs: 250, maxDelayMs: 4_000 };

/** Whether a mapped failure is worth another attempt: the transport codes only (network, 5xx, 429). */
export function isTransient(error: unknown): boolean {
  return isScrubInError(error, 'network') || isScrubInError(error, 'server_error') || isScrubInError(error, 'throttled');
}

/** A failure of the transport itself (no HTTP answer): fetch's TypeError, a socket error, a timeout. */
export function isNetworkFailure(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  if (error.name === 'TimeoutError' || error.name === 'AbortError') return true;
  const code = (error as { code?: unknown }).code;
  if (isNetworkCode(code)) return true;
  if (error instanceof TypeError && (code === undefined || code === null) && /fetch failed|network|socket|terminated/i.test(error.message)) return true;
  const cause = (error as { cause?: unknown }).cause;
  return cause instanceof Error && cause !== error ? isNetworkFailure(cause) : false;
}

function httpStatusOf(error: unknown): number | undefined {
  if (error instanceof oidc.ResponseBodyError) return error.status;
  const cause = (error as { cause?: unknown }).cause;
  if (cause instanceof Response) return cause.status;
  return undefined;
}

function messagesOf(error: unknown): string[] {
  const out: string[] = [];
  for (let e: unknown = error, depth = 0; e instanceof Error && depth < 4; e = e.cause, depth++) out.push(e.message);
  return out;
}

/** Safe name of the claim a JWT check failed on (e.g. "aud"), when openid-client says so. */
function failedClaim(error: unknown): string | undefined {
  for (let e: unknown = error, depth = 0; e && depth < 3; e = (e as { cause?: unknown }).cause, depth++) {
    const claim = (e as { claim?: unknown }).claim;
    if (typeof claim === 'string' && /^[\w:]{1,40}$/.test(claim)) return claim;
  }
  return undefined;
}

/**
 * Transport and server-side failures common to every endpoint; undefined when the error is not one
 * (a protocol or validation failure the caller maps in context).
 */
export function mapTransportError(error: unknown, endpoint: Endpoint): ScrubInError | undefined {
  if (error instanceof ScrubInError) return error;
  if (isNetworkFailure(error)) return make('network', `${endpoint} endpoint unreachable`, error);
  const status = httpStatusOf(error);
  if (status !== undefined && status >= 500) return make('server_error', `${endpoint} endpoint answered HTTP ${status}`, error);
  // Too many requests: the service is up but busy. Retried with backoff, then shown as such (not as an outage).
  if (status === 429) return make('throttled', `${endpoint} endpoint answered HTTP 429`, error);
  const code = (error as { code?: unknown }).code;
  if (code === 'OAUTH_RESPONSE_IS_NOT_JSON') return make('server_error', `${endpoint} endpoint answered something other than JSON`, error);
  return undefined;
}

/** The OAuth `error` of a token-endpoint answer (e.g. "invalid_grant"), when that is what failed. */
export function oauthErrorOf(error: unknown): string | undefined {
  return error instanceof oidc.ResponseBodyError && /^[\w.-]{1,64}$/.test(error.error) ? error.error : undefined;
}

/** Whether openid-client refused a JWT because of its time claims (exp, nbf, iat). */
export function isTimestampFailure(error: unknown): boolean {
  return (error as { code?: unknown }).code === 'OAUTH_JWT_TIMESTAMP_CHECK_FAILED';
}

/**
 * Maps a failed code exchange or refresh (token endpoint + ID-token validation). Time-claim failures
 * come back as `token_invalid` here; the caller decides whether they are really `clock_skew`.
 */
export function mapTokenError(error: unknown, operation: 'code exchange' | 'refresh'): ScrubInError {
  const transport = mapTransportError(error, 'token');
  if (transport) return transport;
  const oauthError = oauthErrorOf(error);
  if (oauthError) {
    const status = httpStatusOf(error);
    return make('idp_error', `${operation}: token endpoint answered ${oauthError}${status ? ` (HTTP ${status})` : ''}`, error);
  }
  const status = httpStatusOf(error);
  if (status !== undefined) return make('idp_error', `${operation}: token endpoint answered HTTP ${status}`, error);
  const code = (error as { code?: unknown }).code;
  if (messagesOf(error).some((m) => /signature verification failed/i.test(m))) {
    return make('token_invalid', `${operation}: ID token signature verification failed`, error);
  }
  if (code === 'OAUTH_KEY_SELECTION_FAILED' || messagesOf(error).some((m) => /no applicable keys found/i.test(m))) {
    return make('token_invalid', `${operation}: ID token signed with a key the pool does not publish`, error);
  }
  const claim = failedClaim(error);
  const what = typeof code === 'string' ? code.replace(/^OAUTH_/, '').toLowerCase() : error instanceof Error ? error.name : 'unknown';
  return make('token_invalid', `${operation}: ID token or token response rejected (${what}${claim ? `, claim ${claim}` : ''})`, error);
}

/** Maps a discovery failure: transport problems and bad documents are both `discovery_failed`. */
export function mapDiscoveryError(error: unknown): ScrubInError {
  if (error instanceof ScrubInError) {
    if (error.code !== 'network' && error.code !== 'server_error' && error.code !== 'throttled') return error;
    return new ScrubInError('discovery_failed', { detail: error.detail ?? error.code, cause: error });
  }
  const transport = mapTransportError(error, 'discovery');
  const code = (error as { code?: unknown }).code;
  const what = typeof code === 'string' ? code : error instanceof Error ? error.name : 'unknown';
  const reason = transport ? (transport.detail ?? transport.code) : `discovery document rejected (${what})`;
  return new ScrubInError('discovery_failed', { detail: reason, cause: safeCause(error), retryable: true });
}
