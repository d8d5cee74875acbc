/**
 * Public types of the identity-pool credentials provider (see docs/aws-credentials.md). Nothing here holds a token.
 */
import type { CognitoIdentityClient } from '@aws-sdk/client-cognito-identity';
import type { Clock } from '../clock';
import type { Config } from '../config/schema';
import type { RetryOptions } from '../lib';
import type { FailureKind } from './classify';
import type { CacheProblem } from './identity-cache';
import type { IdTokenSource } from './id-token';
import type { Transport } from '../net';

export interface AwsCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken: string;
  /** Expiration in ms since the epoch. */
  expiration: number;
  identityId: string;
  /** The role the credentials are for: the requested CustomRoleArn, else `cognito:preferred_role`, else null (pool default). */
  roleArn: string | null;
}

export type GateState = 'open' | 'locked' | 'signed-out';

export interface CredentialsRequest {
  /** A role to request (CustomRoleArn); must be in the user's `cognito:roles`. Overrides config `customRoleArn`. */
  roleArn?: string;
}

export interface LinkResult {
  /**
   * `kept`: the guest identity became the user's identity. `merged`: the user already had another identity and the
   * service merged them; the surviving id replaced the cached one. `none`: there was no guest identity to link (or it
   * could no longer be linked), the user's own identity was used.
   */
  linked: 'kept' | 'merged' | 'none';
  identityId: string;
}

export type Principal = 'user' | 'guest';
export type Operation = 'GetId' | 'GetCredentialsForIdentity';

/** Events for logs and the audit trail. They carry identifiers only: never tokens or credentials. */
export type CredentialsEvent =
  | { type: 'identity-cache-ignored'; reason: CacheProblem }
  | { type: 'request'; operation: Operation; principal: Principal; attempt: number }
  | { type: 'retry'; operation: Operation; principal: Principal; attempt: number; delayMs: number; reason: FailureKind }
  | { type: 'id-token-refresh'; reason: 'expiring' | 'not-authorized' }
  | { type: 'credentials'; principal: Principal; identityId: string; roleArn: string | null; expiration: number }
  | { type: 'identity-replaced'; principal: Principal; reason: 'merged' | 'not-found'; identityId: string }
  | { type: 'linked'; linked: 'kept' | 'merged'; identityId: string }
  | { type: 'link-failed'; reason: FailureKind }
  | { type: 'refresh-failed'; code: string; servedCached: boolean }
  | { type: 'refused'; reason: 'locked' | 'signed-out' | 'session-changed' }
  | { type: 'dropped'; reason: 'drop' | 'sign-out' | 'switch' };

export interface CredentialsProviderOptions {
  /** The validated config; `identityPool` is required. */
  config: Config;
  idTokens: IdTokenSource;
  /** Folder of the identity-id cache file (non-secret). */
  cacheDir: string;
  /** The terminal session's state; credentials are handed out only while it is `open`. */
  gate: () => GateState;
  clock?: Clock;
  random?: () => number;
  /** Refresh credentials this long before `Expiration` (default 5 minutes). */
  marginMs?: number;
  /** Upper bound of the per-process random extra margin (default 2 minutes). */
  jitterMs?: number;
  /** An ID token closer than this to its expiry is refreshed before it is sent (default 60 s). */
  idTokenSkewMs?: number;
  /** Defaults to a client for `identityPool.region` / `endpoint` with SDK retries off (this module retries). */
  client?: Pick<CognitoIdentityClient, 'send'>;
  /** Per-request time limit of the default client (default 10 s): a call that never answers becomes a `network` error. */
  requestTimeoutMs?: number;
  /** The app's one HTTP transport (main/net) for the default client; defaults to a plain-Node one for `config.network`. */
  transport?: Transport;
  retry?: RetryOptions;
  /** Backoff wait; defaults to a timer on `clock`. Tests pass one that resolves at once. */
  sleep?: (ms: number) => Promise<void>;
  onEvent?: (event: CredentialsEvent) => void;
}

export interface CredentialsProvider {
  /** Credentials for the signed-in user (or the guest session when nobody is signed in). */
  getCredentials(request?: CredentialsRequest): Promise<AwsCredentials>;
  /** Starts a guest session (pool must allow guests; nobody may be signed in) and returns guest credentials. */
  startGuest(): Promise<AwsCredentials>;
  /** Ends the guest session and drops its credentials (the guest IdentityId stays cached for this terminal). */
  endGuest(): void;
  isGuest(): boolean;
  /**
   * After a sign-in during a guest session: links the guest identity to the user's login on purpose
   * (GetCredentialsForIdentity with the guest IdentityId and the Logins) and reports the outcome.
   */
  linkGuestOnSignIn(request?: CredentialsRequest): Promise<LinkResult & { credentials: AwsCredentials }>;
  /**
   * Opens the connection to the identity pool ahead of a sign-in (call it when the browser opens) unless one is
   * open already, so the sign-in's requests do not wait for a TCP/TLS handshake. No request is sent.
   */
  preconnect(): void;
  /** Drops every credential held in memory and abandons in-flight requests (sign-out, user switch). */
  drop(): void;
  /** Drops the user's credentials and forgets their cached IdentityId. */
  forgetUser(sub: string): Promise<void>;
  /** The per-process jitter in use (ms), for diagnostics. */
  readonly jitterMs: number;
  /** Releases the SDK client if this provider created it. */
  close(): void;
}
