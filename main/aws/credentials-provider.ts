/**
 * AWS credentials from a Cognito identity pool (enhanced flow), for the signed-in user or a guest.
 *
 * - IdentityId cached per user (`sub`) on disk (not secret), so a returning user needs only
 *   GetCredentialsForIdentity; a merge (different IdentityId returned) or ResourceNotFoundException replaces it.
 * - Credentials cached in main-process memory only, per user + requested role; refreshed ahead of `Expiration`
 *   by `marginMs` plus a per-process random jitter; never handed out past `Expiration`.
 * - Concurrent requests coalesce into one call (single-flight per user + role, and per user for GetId).
 * - Guest sessions (when the pool allows them) and deliberate linking of the guest identity on sign-in.
 * - Role choice: config `customRoleArn` or a per-call role, checked against the ID token's `cognito:roles`
 *   before any AWS call; the resolved role is reported.
 * - Failures mapped to the shared taxonomy; throttling / 5xx / network retried with full-jitter backoff.
 * - A hard gate: nothing is handed out while the terminal is locked or signed out, including results of
 *   requests that were in flight when the gate closed.
 *
 * See docs/aws-credentials.md.
 */
import {
  CognitoIdentityClient,
  GetCredentialsForIdentityCommand,
  GetIdCommand,
  type GetCredentialsForIdentityCommandOutput,
  type GetIdCommandOutput,
} from '@aws-sdk/client-cognito-identity';
import type { Config } from '../config/schema';
import { systemClock, type Clock } from '../clock';
import { ScrubInError, toScrubInError } from '../errors';
import { fullJitterDelay, resolveRetry, type RetryOptions } from './backoff';
import { classify, describe, type Failure, type FailureKind } from './classify';
import { createIdentityCache, type CacheProblem } from './identity-cache';
import { roleClaims, type IdToken, type IdTokenSource } from './id-token';
import { userPoolFromIssuer } from './logins';
import { createPreconnectAgent } from './preconnect-agent';

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

type Subject =
  | { kind: 'user'; sub: string; customRole: string | null }
  | { kind: 'guest' };

interface Context {
  gen: number;
  tokenRefreshed: boolean;
}

interface CacheEntry {
  creds: AwsCredentials;
  refreshAt: number;
  sub: string | null;
}

interface Identity {
  identityId: string;
  prefetched?: { customRole: string | null; creds: AwsCredentials };
}

/** A failed SDK call after retries, still unmapped (the caller decides what it means). */
class CallFailure extends Error {
  constructor(
    readonly operation: Operation,
    readonly failure: Failure,
    readonly attempts: number,
    options: { cause: unknown },
  ) {
    super(describe(operation, failure), options);
    this.name = 'CallFailure';
  }
}

const RETRYABLE: ReadonlySet<FailureKind> = new Set(['throttled', 'server', 'network']);
const GUEST_KEY = 'g';
/** Link failures after which the guest identity is given up and the user's own identity is used. */
const LINK_FALLBACK: ReadonlySet<FailureKind> = new Set(['not-authorized', 'not-found', 'conflict']);
/** Failures during refresh-ahead after which still-valid cached credentials keep being served. */
const STALE_OK: ReadonlySet<string> = new Set(['throttled', 'server_error', 'network']);
/** Cached credentials are served after a failed refresh only while at least this much validity is left. */
const STALE_MIN_REMAINING_MS = 60_000;

/** The identity pool's public endpoint in `region` (the SDK's own for the standard and China partitions). */
function defaultEndpoint(region: string): string {
  return `https://cognito-identity.${region}.amazonaws.com${region.startsWith('cn-') ? '.cn' : ''}`;
}

export function createCredentialsProvider(options: CredentialsProviderOptions): CredentialsProvider {
  const pool = options.config.identityPool;
  if (!pool) throw new ScrubInError('config_invalid', { detail: 'identityPool is not configured' });
  const { loginsKey } = userPoolFromIssuer(options.config.userPool.issuer);
  const clock = options.clock ?? systemClock;
  const random = options.random ?? Math.random;
  const marginMs = Math.max(0, options.marginMs ?? 5 * 60_000);
  const jitterMs = Math.floor(random() * Math.max(0, options.jitterMs ?? 2 * 60_000));
  const idTokenSkewMs = Math.max(0, options.idTokenSkewMs ?? 60_000);
  const retry = resolveRetry(options.retry);
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => clock.setTimer(ms, resolve)));
  const emit = (event: CredentialsEvent): void => {
    try {
      options.onEvent?.(event);
    } catch {
      // A broken listener must not break credential delivery.
    }
  };
  // Our own client talks to one endpoint through an agent that can open its connection ahead of a sign-in.
  const connections = options.client ? undefined : createPreconnectAgent(new URL(pool.endpoint ?? defaultEndpoint(pool.region)));
  const ownClient = connections
    ? new CognitoIdentityClient({
        region: pool.region,
        ...(pool.endpoint ? { endpoint: pool.endpoint } : {}),
        maxAttempts: 1,
        requestHandler: {
          ...(connections.secure ? { httpsAgent: connections.agent } : { httpAgent: connections.agent }),
          // Without limits a GetId that never answers would hold a sign-in until the socket dies.
          connectionTimeout: 5_000,
          requestTimeout: options.requestTimeoutMs ?? 10_000,
          throwOnRequestTimeout: true,
        },
      })
    : undefined;
  const client: Pick<CognitoIdentityClient, 'send'> = options.client ?? (ownClient as CognitoIdentityClient);
  const ids = createIdentityCache({
    dir: options.cacheDir,
    identityPoolId: pool.id,
    now: () => clock.now(),
    onProblem: (reason) => emit({ type: 'identity-cache-ignored', reason }),
  });
  // Read the identity-id cache while the terminal starts, not on the first sign-in's critical path.
  void ids.preload();

  let generation = 0;
  let guestActive = false;
  let activeSub: string | undefined;
  const cache = new Map<string, CacheEntry>();
  const flights = new Map<string, Promise<AwsCredentials>>();
  const identityFlights = new Map<string, Promise<Identity>>();
  const linkOutcomes = new Map<string, { linked: 'kept' | 'merged'; identityId: string }>();
  let tokenRefresh: Promise<IdToken> | undefined;

  // ---------- gate and session ----------

  function dropInternal(reason: 'drop' | 'sign-out' | 'switch'): void {
    generation += 1;
    cache.clear();
    flights.clear();
    identityFlights.clear();
    linkOutcomes.clear();
    guestActive = false;
    activeSub = undefined;
    emit({ type: 'dropped', reason });
  }

  function ensureOpen(): void {
    const state = options.gate();
    if (state === 'open') return;
    if (state === 'signed-out') {
      if (cache.size > 0 || flights.size > 0 || guestActive) dropInternal('sign-out');
      emit({ type: 'refused', reason: 'signed-out' });
      throw new ScrubInError('signed_out', { detail: 'AWS credentials refused: nobody is signed in' });
    }
    emit({ type: 'refused', reason: 'locked' });
    throw new ScrubInError('locked', { detail: 'AWS credentials refused: the terminal is locked' });
  }

  function checkpoint(ctx: Context): void {
    ensureOpen();
    if (ctx.gen !== generation) throw sessionChanged();
  }

  function sessionChanged(): ScrubInError {
    emit({ type: 'refused', reason: 'session-changed' });
    return new ScrubInError('signed_out', { detail: 'the session changed while AWS credentials were being fetched' });
  }

  function resolveSubject(request: CredentialsRequest): { subject: Subject; key: string } {
    const token = options.idTokens.current();
    if (token) {
      if (activeSub !== undefined && activeSub !== token.sub) dropInternal('switch');
      activeSub = token.sub;
      const requested = request.roleArn ?? pool?.customRoleArn ?? null;
      if (requested !== null) {
        const { roles } = roleClaims(token.idToken);
        if (!roles.includes(requested)) {
          if (request.roleArn !== undefined) {
            throw new ScrubInError('not_authorized', {
              detail: `requested role ${requested} is not in the user's cognito:roles`,
              userMessage: 'Your account is not allowed to use the AWS role that was requested. Ask hospital IT if you need it.',
            });
          }
          throw new ScrubInError('identity_config', {
            detail: `identityPool.customRoleArn ${requested} is not in the user's cognito:roles (the user's groups do not grant it)`,
          });
        }
      }
      return { subject: { kind: 'user', sub: token.sub, customRole: requested }, key: `u\u0000${token.sub}\u0000${requested ?? ''}` };
    }
    if (request.roleArn !== undefined) {
      throw new ScrubInError('invalid_request', { detail: 'a role cannot be requested for guest credentials' });
    }
    if (guestActive) return { subject: { kind: 'guest' }, key: GUEST_KEY };
    throw new ScrubInError('signed_out', { detail: 'AWS credentials refused: nobody is signed in and no guest session is active' });
  }

  function stillCurrent(subject: Subject): boolean {
    const token = options.idTokens.current();
    return subject.kind === 'user' ? token?.sub === subject.sub : guestActive && token === null;
  }

  /** Final check at hand-out time: gate open, same session, same principal, not expired. */
  function deliver(creds: AwsCredentials, subject: Subject, gen: number): AwsCredentials {
    ensureOpen();
    if (gen !== generation || !stillCurrent(subject)) throw sessionChanged();
    if (clock.now() >= creds.expiration) {
      throw new ScrubInError('server_error', { detail: 'the AWS credentials expired before they could be handed out' });
    }
    return { ...creds };
  }

  // ---------- public: getCredentials ----------

  async function getCredentials(request: CredentialsRequest = {}): Promise<AwsCredentials> {
    ensureOpen();
    const { subject, key } = resolveSubject(request);
    const gen = generation;
    const entry = cache.get(key);
    const now = clock.now();
    if (entry && now < entry.refreshAt && now < entry.creds.expiration) return deliver(entry.creds, subject, gen);
    let flight = flights.get(key);
    if (!flight) {
      const started = fetchFor(subject, key, { gen, tokenRefreshed: false });
      flight = started;
      flights.set(key, started);
      const clear = (): void => {
        if (flights.get(key) === started) flights.delete(key);
      };
      started.then(clear, clear);
    }
    let fresh: AwsCredentials;
    try {
      fresh = await flight;
    } catch (error) {
      // A refresh-ahead that fails for a passing reason (throttling, 5xx, network) while the cached
      // credentials still have a minute or more left: keep serving those; the next call tries again.
      const stale = cache.get(key);
      if (
        stale &&
        error instanceof ScrubInError &&
        STALE_OK.has(error.code) &&
        clock.now() < stale.creds.expiration - STALE_MIN_REMAINING_MS
      ) {
        emit({ type: 'refresh-failed', code: error.code, servedCached: true });
        return deliver(stale.creds, subject, gen);
      }
      throw error;
    }
    return deliver(fresh, subject, gen);
  }

  async function fetchFor(subject: Subject, key: string, ctx: Context): Promise<AwsCredentials> {
    const creds = subject.kind === 'user' ? await fetchUser(subject, ctx) : await fetchGuest(ctx);
    const now = clock.now();
    if (creds.expiration <= now) {
      throw new ScrubInError('clock_skew', { detail: 'the identity pool returned credentials that are already expired by this terminal\'s clock' });
    }
    if (ctx.gen === generation) {
      let refreshAt = creds.expiration - marginMs - jitterMs;
      // Short-lived credentials (or a skewed clock): refresh at half life rather than on every call.
      if (refreshAt <= now) refreshAt = now + Math.floor((creds.expiration - now) / 2);
      cache.set(key, { creds, refreshAt, sub: subject.kind === 'user' ? subject.sub : null });
    }
    emit({
      type: 'credentials',
      principal: subject.kind,
      identityId: creds.identityId,
      roleArn: creds.roleArn,
      expiration: creds.expiration,
    });
    return creds;
  }

  // ---------- SDK calls with bounded retries ----------

  async function call<T>(operation: Operation, principal: Principal, ctx: Context, send: () => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt += 1) {
      checkpoint(ctx);
      emit({ type: 'request', operation, principal, attempt });
      try {
        const out = await send();
        checkpoint(ctx);
        return out;
      } catch (error) {
        if (error instanceof ScrubInError) throw error;
        const failure = classify(error);
        if (!RETRYABLE.has(failure.kind) || attempt >= retry.maxAttempts) {
          throw new CallFailure(operation, failure, attempt, { cause: error });
        }
        const delayMs = fullJitterDelay(retry, attempt - 1, random);
        emit({ type: 'retry', operation, principal, attempt, delayMs, reason: failure.kind });
        await sleep(delayMs);
      }
    }
  }

  function getId(principal: Principal, ctx: Context, logins: Record<string, string> | undefined): Promise<GetIdCommandOutput> {
    return call('GetId', principal, ctx, () =>
      client.send(new GetIdCommand({ IdentityPoolId: pool?.id, ...(logins ? { Logins: logins } : {}) })),
    );
  }

  function getCreds(
    principal: Principal,
    ctx: Context,
    identityId: string,
    logins: Record<string, string> | undefined,
    customRole: string | null,
  ): Promise<GetCredentialsForIdentityCommandOutput> {
    return call('GetCredentialsForIdentity', principal, ctx, () =>
      client.send(
        new GetCredentialsForIdentityCommand({
          IdentityId: identityId,
          ...(logins ? { Logins: logins } : {}),
          ...(customRole ? { CustomRoleArn: customRole } : {}),
        }),
      ),
    );
  }

  function toCredentials(out: GetCredentialsForIdentityCommandOutput, identityId: string, roleArn: string | null): AwsCredentials {
    const c = out.Credentials;
    const expiration = c?.Expiration instanceof Date ? c.Expiration.getTime() : Number.NaN;
    if (!c?.AccessKeyId || !c.SecretKey || !c.SessionToken || !Number.isFinite(expiration)) {
      throw new ScrubInError('server_error', { detail: 'GetCredentialsForIdentity returned incomplete credentials' });
    }
    return {
      accessKeyId: c.AccessKeyId,
      secretAccessKey: c.SecretKey,
      sessionToken: c.SessionToken,
      expiration,
      identityId,
      roleArn,
    };
  }

  function returnedId(out: { IdentityId?: string | undefined }, operation: Operation): string {
    if (typeof out.IdentityId !== 'string' || out.IdentityId === '') {
      throw new ScrubInError('server_error', { detail: `${operation} returned no IdentityId` });
    }
    return out.IdentityId;
  }

  // ---------- ID token ----------

  async function freshToken(sub: string, force: boolean): Promise<IdToken> {
    const current = options.idTokens.current();
    if (!current || current.sub !== sub) throw sessionChanged();
    if (!force && current.expiresAt - clock.now() > idTokenSkewMs) return current;
    emit({ type: 'id-token-refresh', reason: force ? 'not-authorized' : 'expiring' });
    if (!tokenRefresh) {
      const started = options.idTokens.refresh();
      tokenRefresh = started;
      const clear = (): void => {
        if (tokenRefresh === started) tokenRefresh = undefined;
      };
      started.then(clear, clear);
    }
    let next: IdToken;
    try {
      next = await tokenRefresh;
    } catch (error) {
      throw toScrubInError(error, 'refresh_rejected', 'the ID token could not be refreshed for AWS credentials');
    }
    if (next.sub !== sub) throw sessionChanged();
    return next;
  }

  /** Runs `run` with a fresh ID token; on NotAuthorizedException refreshes the token once (per request) and retries. */
  async function withLogins<T>(sub: string, ctx: Context, run: (token: IdToken) => Promise<T>): Promise<T> {
    const token = await freshToken(sub, false);
    try {
      return await run(token);
    } catch (error) {
      if (!(error instanceof CallFailure) || error.failure.kind !== 'not-authorized' || ctx.tokenRefreshed) throw error;
      ctx.tokenRefreshed = true;
      return run(await freshToken(sub, true));
    }
  }

  const loginsOf = (idToken: string): Record<string, string> => ({ [loginsKey]: idToken });

  // ---------- users ----------

  function reportedRole(subject: { customRole: string | null }, token: IdToken): string | null {
    return subject.customRole ?? roleClaims(token.idToken).preferredRole;
  }

  function userIdentity(subject: Extract<Subject, { kind: 'user' }>, ctx: Context): Promise<Identity> {
    const key = subject.sub;
    const existing = identityFlights.get(key);
    if (existing) return existing;
    const started = resolveUserIdentity(subject, ctx);
    identityFlights.set(key, started);
    const clear = (): void => {
      if (identityFlights.get(key) === started) identityFlights.delete(key);
    };
    started.then(clear, clear);
    return started;
  }

  async function resolveUserIdentity(subject: Extract<Subject, { kind: 'user' }>, ctx: Context): Promise<Identity> {
    if (guestActive) {
      const linked = await linkGuest(subject, ctx);
      if (linked) return linked;
    }
    const cached = await ids.get(subject.sub);
    if (cached) return { identityId: cached };
    const out = await withLogins(subject.sub, ctx, (token) => getId('user', ctx, loginsOf(token.idToken))).catch((error: unknown) => {
      throw typed(error, subject);
    });
    const identityId = returnedId(out, 'GetId');
    if (ctx.gen === generation) await ids.set(subject.sub, identityId);
    return { identityId };
  }

  /** GetCredentialsForIdentity with the guest IdentityId and the user's Logins: links (or merges) on purpose. */
  async function linkGuest(subject: Extract<Subject, { kind: 'user' }>, ctx: Context): Promise<Identity | undefined> {
    const guestId = await ids.getGuest();
    if (!guestId) {
      guestActive = false;
      return undefined;
    }
    const before = await ids.get(subject.sub);
    let token: IdToken | undefined;
    let out: GetCredentialsForIdentityCommandOutput;
    try {
      out = await withLogins(subject.sub, ctx, (t) => {
        token = t;
        return getCreds('user', ctx, guestId, loginsOf(t.idToken), subject.customRole);
      });
    } catch (error) {
      if (!(error instanceof CallFailure) || !LINK_FALLBACK.has(error.failure.kind)) throw typed(error, subject);
      // The guest identity is gone or cannot take this login: forget it and use the user's own identity.
      emit({ type: 'link-failed', reason: error.failure.kind });
      await ids.setGuest(undefined);
      endGuestInternal();
      ctx.tokenRefreshed = false;
      return undefined;
    }
    const identityId = returnedId(out, 'GetCredentialsForIdentity');
    const linked: 'kept' | 'merged' = identityId === guestId && (before === undefined || before === guestId) ? 'kept' : 'merged';
    if (ctx.gen === generation) {
      await ids.set(subject.sub, identityId);
      await ids.setGuest(undefined);
      endGuestInternal();
      linkOutcomes.set(subject.sub, { linked, identityId });
    }
    emit({ type: 'linked', linked, identityId });
    if (linked === 'merged') emit({ type: 'identity-replaced', principal: 'user', reason: 'merged', identityId });
    const creds = toCredentials(out, identityId, reportedRole(subject, token as IdToken));
    return { identityId, prefetched: { customRole: subject.customRole, creds } };
  }

  async function fetchUser(subject: Extract<Subject, { kind: 'user' }>, ctx: Context): Promise<AwsCredentials> {
    let identity = await userIdentity(subject, ctx);
    if (identity.prefetched && identity.prefetched.customRole === subject.customRole) return identity.prefetched.creds;
    for (let notFoundRetry = true; ; notFoundRetry = false) {
      let token: IdToken | undefined;
      const requestedId = identity.identityId;
      try {
        const out = await withLogins(subject.sub, ctx, (t) => {
          token = t;
          return getCreds('user', ctx, requestedId, loginsOf(t.idToken), subject.customRole);
        });
        const identityId = returnedId(out, 'GetCredentialsForIdentity');
        if (identityId !== requestedId) {
          if (ctx.gen === generation) await ids.set(subject.sub, identityId);
          emit({ type: 'identity-replaced', principal: 'user', reason: 'merged', identityId });
        }
        return toCredentials(out, identityId, reportedRole(subject, token as IdToken));
      } catch (error) {
        if (notFoundRetry && error instanceof CallFailure && error.failure.kind === 'not-found') {
          // The cached IdentityId no longer exists (deleted or merged away): forget it and GetId again, once.
          if ((await ids.get(subject.sub)) === requestedId) await ids.delete(subject.sub);
          identity = await userIdentity(subject, ctx);
          emit({ type: 'identity-replaced', principal: 'user', reason: 'not-found', identityId: identity.identityId });
          if (identity.prefetched && identity.prefetched.customRole === subject.customRole) return identity.prefetched.creds;
          continue;
        }
        throw typed(error, subject);
      }
    }
  }

  // ---------- guests ----------

  async function guestGetId(ctx: Context): Promise<string> {
    const out = await getId('guest', ctx, undefined).catch((error: unknown) => {
      throw typed(error, { kind: 'guest' });
    });
    const identityId = returnedId(out, 'GetId');
    if (ctx.gen === generation) await ids.setGuest(identityId);
    return identityId;
  }

  async function fetchGuest(ctx: Context): Promise<AwsCredentials> {
    const cached = await ids.getGuest();
    let identityId = cached ?? (await guestGetId(ctx));
    for (let retryFresh = cached !== undefined; ; retryFresh = false) {
      try {
        const out = await getCreds('guest', ctx, identityId, undefined, null);
        const returned = returnedId(out, 'GetCredentialsForIdentity');
        if (returned !== identityId && ctx.gen === generation) {
          await ids.setGuest(returned);
          emit({ type: 'identity-replaced', principal: 'guest', reason: 'merged', identityId: returned });
        }
        return toCredentials(out, returned, null);
      } catch (error) {
        const kind = error instanceof CallFailure ? error.failure.kind : undefined;
        if (retryFresh && (kind === 'not-found' || kind === 'not-authorized')) {
          // A cached guest id that vanished, or that was linked to a login since: start a new guest identity, once.
          await ids.setGuest(undefined);
          identityId = await guestGetId(ctx);
          emit({ type: 'identity-replaced', principal: 'guest', reason: 'not-found', identityId });
          continue;
        }
        throw typed(error, { kind: 'guest' });
      }
    }
  }

  function endGuestInternal(): void {
    guestActive = false;
    cache.delete(GUEST_KEY);
  }

  // ---------- errors ----------

  function missingRole(subject: Subject): string {
    if (subject.kind === 'guest') return "the pool's unauthenticated (guest) role";
    if (subject.customRole) return `the requested role ${subject.customRole}`;
    const token = options.idTokens.current();
    const preferred = token && token.sub === subject.sub ? roleClaims(token.idToken).preferredRole : null;
    return preferred
      ? `the role of the user's group (${preferred}) or the pool's authenticated role`
      : "the pool's default authenticated role (the user's groups give no single preferred role)";
  }

  function typed(error: unknown, subject: Subject): ScrubInError {
    if (error instanceof ScrubInError) return error;
    if (!(error instanceof CallFailure)) return toScrubInError(error, 'internal', 'unexpected failure while getting AWS credentials');
    const { failure, operation, attempts } = error;
    const detail = describe(operation, failure);
    const cause = error.cause;
    switch (failure.kind) {
      case 'throttled':
        return new ScrubInError('throttled', { detail: `${detail} (after ${attempts} attempts)`, cause });
      case 'server':
        return new ScrubInError('server_error', {
          detail: `${detail} (after ${attempts} attempts)`,
          cause,
          userMessage: 'The AWS sign-in service had a problem. Your session is kept; try again in a moment.',
        });
      case 'network':
        return new ScrubInError('network', { detail: `${detail} (after ${attempts} attempts)`, cause });
      case 'not-authorized':
        return subject.kind === 'guest'
          ? new ScrubInError('not_authorized', {
              detail,
              cause,
              userMessage: 'Guest access to AWS is not available for this hospital. Sign in to continue.',
            })
          : new ScrubInError('not_authorized', { detail: `${detail} (after refreshing the ID token)`, cause });
      case 'pool-config':
        return new ScrubInError('identity_config', { detail: `${detail}; missing role: ${missingRole(subject)}`, cause });
      case 'not-found':
        return new ScrubInError('identity_config', { detail: `${detail}; identity pool ${pool?.id ?? ''} or identity not found`, cause });
      case 'invalid-parameter':
        return new ScrubInError('identity_config', { detail, cause });
      default:
        return new ScrubInError('internal', { detail, cause });
    }
  }

  // ---------- public API ----------

  return {
    getCredentials,
    async startGuest() {
      if (!pool.allowGuest) {
        throw new ScrubInError('not_authorized', {
          detail: 'identityPool.allowGuest is false',
          userMessage: 'Guest access is not enabled on this terminal. Sign in to continue.',
        });
      }
      if (options.idTokens.current()) {
        throw new ScrubInError('illegal_transition', { detail: 'a guest session cannot start while a user is signed in' });
      }
      ensureOpen();
      guestActive = true;
      return getCredentials();
    },
    endGuest() {
      endGuestInternal();
    },
    isGuest: () => guestActive,
    async linkGuestOnSignIn(request = {}) {
      const credentials = await getCredentials(request);
      const token = options.idTokens.current();
      const outcome = token ? linkOutcomes.get(token.sub) : undefined;
      if (token) linkOutcomes.delete(token.sub);
      if (outcome && outcome.identityId === credentials.identityId) return { ...outcome, credentials };
      return { linked: 'none', identityId: credentials.identityId, credentials };
    },
    drop() {
      dropInternal('drop');
    },
    async forgetUser(sub) {
      for (const [key, entry] of cache) if (entry.sub === sub) cache.delete(key);
      for (const key of [...flights.keys()]) if (key.startsWith(`u\u0000${sub}\u0000`)) flights.delete(key);
      identityFlights.delete(sub);
      await ids.delete(sub);
    },
    jitterMs,
    preconnect() {
      connections?.preconnect();
    },
    close() {
      ownClient?.destroy();
      connections?.destroy();
    },
  };
}
