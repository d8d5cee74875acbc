/** Public types of the sign-in core. Nothing here holds a token. */
import type { CustomFetch } from 'openid-client';
import type { Clock } from '../clock';
import type { Config } from '../config/schema';
import type { ErrorCode, ScrubInError } from '../errors';
import type { RetryOptions } from '../lib';
import type { SecretStore } from './vault';
import type { Transport } from '../net';

/** Who is signed in, from the validated ID token. No tokens. */
export interface AuthSession {
  sub: string;
  username: string;
  displayName: string;
  email?: string;
  groups: string[];
  roles: string[];
  preferredRole?: string;
  /** Original authentication time (ms), kept across refreshes. */
  authTime: number;
  /** When this terminal's session started (ms). */
  signedInAt: number;
  idTokenExpiresAt: number;
}

export interface Tokens {
  idToken: string;
  accessToken: string;
  /** The earlier of the access and ID token expiries (ms). */
  expiresAt: number;
}

export interface BeginSignInOptions {
  loginHint?: string;
  identityProvider?: string;
  /** Sends `prompt=login` (re-authentication even with a live managed-login cookie). */
  forceLogin?: boolean;
}

/** Audit-worthy things the core reports. Secret-free by construction (codes, subs, times only). */
export type AuthEvent =
  | { type: 'sign-in-started'; expiresAt: number; forceLogin: boolean; identityProvider?: string }
  | { type: 'sign-in-ended'; reason: 'expired' | 'superseded' | 'cancelled' }
  | { type: 'callback-dropped'; reason: ErrorCode; detail: string; replay: boolean }
  | { type: 'sign-in-failed'; reason: ErrorCode; detail: string }
  | { type: 'signed-in'; sub: string; username: string }
  | { type: 'tokens-refreshed'; sub: string; rotated: boolean }
  | { type: 'retry'; operation: 'discovery' | 'code-exchange' | 'refresh' | 'revocation'; reason: ErrorCode; attempt: number; delayMs: number }
  | { type: 'refresh-failed'; sub: string; reason: ErrorCode }
  | { type: 'session-ended'; sub: string; reason: 'refresh_rejected' | 'signed-out' }
  | { type: 'signed-out'; sub: string | null; revoked: boolean; errors: ErrorCode[] }
  | { type: 'keychain-error'; reason: ErrorCode; operation: string }
  | { type: 'discovery'; source: 'memory' | 'disk' | 'network'; stale: boolean }
  | { type: 'discovery-refresh-failed'; reason: string }
  | { type: 'discovery-untrusted'; source: 'disk' | 'network'; endpoint: string };

export interface UserPoolAuthOptions {
  config: Config;
  store: SecretStore;
  /** Folder for non-secret files: discovery cache, last signed-in account pointer. */
  cacheDir: string;
  clock?: Clock;
  random?: () => number;
  onEvent?: (event: AuthEvent) => void;
  /** Pending sign-in lifetime (default 10 min). */
  pendingFlowTimeoutMs?: number;
  /** Refresh this long before the tokens expire (default 5 min). */
  refreshMarginMs?: number;
  /** Discovery cache TTL (default 24 h). */
  discoveryTtlMs?: number;
  /** Transient-failure retries: total attempts (default 4 = one try + 3 retries), backoff base and cap. */
  retry?: RetryOptions;
  /** Waits between retries (default: a timer on `clock`). Tests pass one that returns at once. */
  sleep?: (ms: number) => Promise<void>;
  /** Allowed clock skew for ID-token time claims, in seconds (default 120). */
  clockToleranceSeconds?: number;
  /** Time limit of one token, JWKS or revocation request, in seconds (default 15). */
  requestTimeoutSeconds?: number;
  /**
   * FOR TESTS ONLY: the HTTP client openid-client uses for every request (discovery, JWKS, token,
   * revocation). Lets tests observe or tamper with responses. Defaults to `transport`'s fetch.
   */
  fetch?: CustomFetch;
  /** The app's one HTTP transport (main/net); defaults to a plain-Node one for `config.network`. */
  transport?: Transport;
}

export interface SignOutResult {
  /** Cognito's `/logout` URL to open in the system browser (clears the managed-login cookie). */
  logoutUrl: string;
  revoked: boolean;
  errors: ScrubInError[];
}

/** What a shared terminal's start found and ended (see `UserPoolAuth.endLeftovers`). */
export interface LeftoverResult {
  /** Cognito's `/logout` URL: opened when something was found, so the managed-login cookie goes too. */
  logoutUrl: string;
  /** One entry per refresh token found in the keychain (user name from the pointer, else the sub). */
  ended: { sub: string; username: string; revoked: boolean; errors: ScrubInError[] }[];
}

export interface UserPoolAuth {
  beginSignIn(options?: BeginSignInOptions): Promise<{ authorizeUrl: string; expiresAt: number }>;
  completeSignIn(callbackUrl: string): Promise<AuthSession>;
  /**
   * Validates the callback and exchanges the code, but leaves the current session and the keychain alone:
   * `commit()` makes it the session (revoking a refresh token it replaces for the same person), `discard()`
   * revokes it. Lets the terminal sign the previous person out for real before a switch completes.
   */
  completeSignIn(callbackUrl: string, options: StageOptions): Promise<StagedSignIn>;
  cancelSignIn(): boolean;
  pendingFlow(): { expiresAt: number } | null;
  currentSession(): AuthSession | null;
  /** Main-process only: current ID and access tokens, refreshed ahead of expiry. */
  getTokens(): Promise<Tokens>;
  refresh(options?: { force?: boolean }): Promise<AuthSession>;
  restore(): Promise<AuthSession | null>;
  /**
   * The account whose refresh token is still stored although no session is loaded (e.g. the app was killed
   * or the terminal lost power while someone was signed in). Shared terminals sign it out at start.
   */
  leftoverAccount(): Promise<{ sub: string; username: string } | null>;
  /**
   * Shared terminals at start: revokes and deletes EVERY refresh token of the app's keychain service (not only
   * the one the last-account pointer names), and returns what it ended.
   */
  endLeftovers(): Promise<LeftoverResult>;
  signOut(): Promise<SignOutResult>;
}

export interface StageOptions {
  stage: true;
}

/** A completed, verified sign-in that is not the current session yet (see `completeSignIn(url, { stage: true })`). */
export interface StagedSignIn {
  readonly session: AuthSession;
  commit(): Promise<AuthSession>;
  discard(): Promise<void>;
}
