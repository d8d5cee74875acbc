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
import { roleClaims, unverifiedSub, type IdToken, type IdTokenSource } from './id-token';
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
   * Starts the credentials request for a sign-in whose ID token is verified but not yet committed (the keychain
   * write, pointer and audit record still to come), so the identity-pool round trip overlaps that local work.
   * One attempt, no gate: nothing from it is handed out until `getCredentials()` is called for the same user
   * with the same ID token while the gate is open; a failed head start just leaves the normal path to run.
   * Its `sent` tells when the request has left, so the caller can start that local work right after (it then fills
   * the round trip instead of delaying the request); when its first request is the look-ahead's GetId, still on the
   * wire, `sent` is resolved at once. Not for guest-linking sign-ins.
   */
  headStart(token: IdToken): HeadStartHandle;
  /**
   * Look-ahead for a user's first sign-in on this terminal: sends GetId for the ID token of a token answer that
   * has just arrived, while the sign-in core is still verifying it. GetId needs no trust in the token (the pool
   * verifies it itself) and returns no credentials; its IdentityId is used (and cached) only by a `headStart`
   * with this very token, i.e. after the sign-in core has verified it. No request when the user's IdentityId is
   * cached, a guest session is active (that identity is linked on purpose) or another user's session is still
   * loaded (a switch drops it first). One attempt, no gate; resolves once the request has left (or was not needed).
   */
  lookAhead(idToken: string): Promise<void>;
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
  /** Set for a head start: one attempt, no gate (the sign-in is not committed yet), stops once abandoned. */
  early?: { abandoned: boolean };
  /** Called when a request of this context is handed to the HTTP layer (just before it goes on the wire). */
  onWire?: () => void;
}

/**
 * Tells when early work's first request has left: `done` resolves after `onWire` (called by the last middleware)
 * or once the work passed to `endWith` settles, whichever comes first. The HTTP handler writes the request a few
 * promise steps after that middleware, so `done` resolves on the next turn of the event loop (setImmediate),
 * after those steps: whoever waits for it runs once the request is out.
 */
function sentSignal(): { onWire: () => void; endWith: (work: Promise<unknown>) => void; done: Promise<void> } {
  let resolveDone: () => void = () => undefined;
  const done = new Promise<void>((resolve) => {
    resolveDone = resolve;
  });
  return {
    done,
    onWire: () => setImmediate(resolveDone),
    endWith: (work) => {
      work.then(resolveDone, resolveDone);
    },
  };
}

/** A head start in progress (see `CredentialsProvider.headStart`). */
export interface HeadStartHandle {
  /** Resolves once its first request has been handed to the HTTP layer (or it ended, or nothing was started). */
  sent: Promise<void>;
  /** Abandons it: the sign-in was discarded or failed. */
  abandon(): void;
}

interface CacheEntry {
  creds: AwsCredentials;
  refreshAt: number;
  sub: string | null;
}

/** A look-ahead GetId (see `lookAhead`): its IdentityId is adopted only by a head start with the same token. */
interface LookAhead {
  idToken: string;
  gen: number;
  identityId: Promise<string | null>;
  early: { abandoned: boolean };
  /** Its GetId has reached the HTTP handler and not been answered yet. */
  inFlight: boolean;
}

/** A head-start request (see `headStart`): usable only by the same user + role + ID token, same generation. */
interface HeadStart {
  key: string;
  idToken: string;
  gen: number;
  result: Promise<AwsCredentials | null>;
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

/**
 * Per-request hooks run by the last middleware of a client, just before the request reaches the HTTP handler,
 * keyed by the command's input object. Our client resolves its middleware once per command class
 * (`cacheMiddleware`), so a middleware added to a single command would go on running for every later command of
 * that class: the per-request part is looked up here instead. One middleware per client, shared by its providers.
 */
const beforeHandler = new WeakMap<object, () => void>();
const hookedClients = new WeakSet<CognitoIdentityClient>();

function hookClient(client: CognitoIdentityClient): void {
  if (hookedClients.has(client)) return;
  hookedClients.add(client);
  client.middlewareStack.add(
    (next) => (args) => {
      beforeHandler.get(args.input)?.();
      return next(args);
    },
    { step: 'deserialize', priority: 'low', name: 'scrubInBeforeHandler' },
  );
}

class WarmUpStop extends Error {
  constructor() {
    super('warm-up request stopped before the HTTP handler');
    this.name = 'WarmUpStop';
  }
}

/**
 * Resolves the SDK client's configuration and both commands' middleware while the terminal starts, so that the
 * first sign-in of a brand-new terminal does not pay for it: each command runs once through the whole middleware
 * stack (which the client then keeps, `cacheMiddleware`) and is stopped by the last middleware before the HTTP
 * handler (the client must be hooked, `hookClient`). Nothing goes on the network (tested); the outcome (a WarmUpStop)
 * is ignored.
 */
function warmUp(client: CognitoIdentityClient, identityPoolId: string): void {
  const stop = (): never => {
    throw new WarmUpStop();
  };
  const ignore = (): void => undefined;
  const getId = new GetIdCommand({ IdentityPoolId: identityPoolId });
  beforeHandler.set(getId.input, stop);
  client.send(getId).catch(ignore);
  const getCreds = new GetCredentialsForIdentityCommand({ IdentityId: `${identityPoolId.split(':')[0] ?? ''}:warm-up` });
  beforeHandler.set(getCreds.input, stop);
  client.send(getCreds).catch(ignore);
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
        // Middleware resolved once per command class instead of per request (~0.15 ms less per request measured);
        // per-request hooks go through `beforeHandler`, nothing is added to the stack after the first request.
        cacheMiddleware: true,
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
  // A real SDK client handed in (tests) reports its requests on the wire the same way; a stand-in cannot.
  if (client instanceof CognitoIdentityClient) hookClient(client);
  const ids = createIdentityCache({
    dir: options.cacheDir,
    identityPoolId: pool.id,
    now: () => clock.now(),
    onProblem: (reason) => emit({ type: 'identity-cache-ignored', reason }),
  });
  // Read the identity-id cache while the terminal starts, not on the first sign-in's critical path.
  void ids.preload();
  if (ownClient) warmUp(ownClient, pool.id);

  let generation = 0;
  let guestActive = false;
  let activeSub: string | undefined;
  const cache = new Map<string, CacheEntry>();
  const flights = new Map<string, Promise<AwsCredentials>>();
  const identityFlights = new Map<string, Promise<Identity>>();
  const linkOutcomes = new Map<string, { linked: 'kept' | 'merged'; identityId: string }>();
  let tokenRefresh: Promise<IdToken> | undefined;
  let head: HeadStart | undefined;
  let ahead: LookAhead | undefined;

  /** Takes the look-ahead out of play; unless it is `adopted` (by a head start), its request stops. */
  function dropLookAhead(adopted?: LookAhead): void {
    if (ahead && ahead !== adopted) ahead.early.abandoned = true;
    ahead = undefined;
  }

  // ---------- gate and session ----------

  function dropInternal(reason: 'drop' | 'sign-out' | 'switch'): void {
    generation += 1;
    head = undefined;
    dropLookAhead();
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
    if (!ctx.early) ensureOpen();
    else if (ctx.early.abandoned) throw sessionChanged();
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
    const early = subject.kind === 'user' ? await takeHeadStart(key, ctx) : null;
    const creds = early ?? (subject.kind === 'user' ? await fetchUser(subject, ctx) : await fetchGuest(ctx));
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
        if (!RETRYABLE.has(failure.kind) || attempt >= (ctx.early ? 1 : retry.maxAttempts)) {
          throw new CallFailure(operation, failure, attempt, { cause: error });
        }
        const delayMs = fullJitterDelay(retry, attempt - 1, random);
        emit({ type: 'retry', operation, principal, attempt, delayMs, reason: failure.kind });
        await sleep(delayMs);
      }
    }
  }

  /** With `ctx.onWire`: the client's last middleware reports when the request of `command` reaches the HTTP handler. */
  function signalled<C extends GetIdCommand | GetCredentialsForIdentityCommand>(command: C, ctx: Context): C {
    if (ctx.onWire) beforeHandler.set(command.input, ctx.onWire);
    return command;
  }

  function getId(principal: Principal, ctx: Context, logins: Record<string, string> | undefined): Promise<GetIdCommandOutput> {
    return call('GetId', principal, ctx, () =>
      client.send(signalled(new GetIdCommand({ IdentityPoolId: pool?.id, ...(logins ? { Logins: logins } : {}) }), ctx)),
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
        signalled(
          new GetCredentialsForIdentityCommand({
            IdentityId: identityId,
            ...(logins ? { Logins: logins } : {}),
            ...(customRole ? { CustomRoleArn: customRole } : {}),
          }),
          ctx,
        ),
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

  // ---------- head start (verified, not yet committed sign-in) ----------

  function startHead(token: IdToken): HeadStartHandle {
    const none: HeadStartHandle = { sent: Promise.resolve(), abandon: () => undefined };
    if (guestActive || !pool) return none; // linking a guest identity is deliberate: it runs after the commit
    if (activeSub !== undefined && activeSub !== token.sub) return none; // someone else's session is still loaded
    const requested = pool.customRoleArn ?? null;
    if (requested !== null && !roleClaims(token.idToken).roles.includes(requested)) return none; // the normal path reports it
    const subject = { kind: 'user', sub: token.sub, customRole: requested } as const;
    const key = `u\u0000${token.sub}\u0000${requested ?? ''}`;
    const gen = generation;
    const logins = loginsOf(token.idToken);
    const early = { abandoned: false };
    const sent = sentSignal();
    const ctx: Context = { gen, tokenRefreshed: false, early, onWire: sent.onWire };
    const looked = ahead?.idToken === token.idToken && ahead.gen === gen ? ahead : undefined;
    dropLookAhead(looked); // one for another token is never adopted
    const result = (async (): Promise<AwsCredentials | null> => {
      let identityId = await ids.get(token.sub);
      let saving: Promise<void> = Promise.resolve();
      if (!identityId) {
        // The look-ahead's GetId was for this very token, now verified: its answer is as good as our own.
        identityId = (await looked?.identityId) ?? returnedId(await getId('user', ctx, logins), 'GetId');
        // The cache write overlaps the credentials request instead of delaying it.
        if (gen === generation) saving = ids.set(token.sub, identityId);
      }
      const out = await getCreds('user', ctx, identityId, logins, requested);
      await saving;
      const returned = returnedId(out, 'GetCredentialsForIdentity');
      if (returned !== identityId && gen === generation) {
        await ids.set(token.sub, returned);
        emit({ type: 'identity-replaced', principal: 'user', reason: 'merged', identityId: returned });
      }
      const creds = toCredentials(out, returned, reportedRole(subject, token));
      return creds.expiration > clock.now() ? creds : null;
    })().catch(() => null); // anything unusual: the normal path runs with its retries and error mapping
    const started: HeadStart = { key, idToken: token.idToken, gen, result };
    head = started;
    sent.endWith(result);
    return {
      // Its first request is the look-ahead's GetId, on the wire already: the caller's local work can fill that
      // round trip now rather than wait for the credentials request, which leaves only once GetId is answered.
      sent: looked?.inFlight ? Promise.resolve() : sent.done,
      abandon: () => {
        early.abandoned = true;
        if (head === started) head = undefined;
      },
    };
  }

  function startLookAhead(idToken: string): Promise<void> {
    dropLookAhead();
    if (guestActive) return Promise.resolve(); // the guest identity is linked on purpose after the commit: no GetId of the user's own
    const sub = unverifiedSub(idToken);
    if (sub === null) return Promise.resolve(); // not a readable token: the sign-in core will refuse it
    // A switch: the previous person's session is dropped before this sign-in is taken, and the look-ahead with it.
    if (activeSub !== undefined && activeSub !== sub) return Promise.resolve();
    const early = { abandoned: false };
    const sent = sentSignal();
    const look: LookAhead = { idToken, gen: generation, identityId: Promise.resolve(null), early, inFlight: false };
    const onWire = (): void => {
      look.inFlight = true;
      sent.onWire();
    };
    const ctx: Context = { gen: generation, tokenRefreshed: false, early, onWire };
    look.identityId = (async (): Promise<string | null> => {
      if (await ids.get(sub)) return null; // a returning user: the head start reads the cache itself
      return returnedId(await getId('user', ctx, loginsOf(idToken)), 'GetId');
    })()
      .catch(() => null) // anything unusual: the head start (or the normal path) sends its own GetId
      .finally(() => {
        look.inFlight = false;
      });
    ahead = look;
    sent.endWith(look.identityId);
    return sent.done;
  }

  /** The head start's credentials when it is for this user, role and current ID token; null otherwise. */
  async function takeHeadStart(key: string, ctx: Context): Promise<AwsCredentials | null> {
    const h = head;
    if (!h || h.key !== key || h.gen !== ctx.gen || options.idTokens.current()?.idToken !== h.idToken) return null;
    head = undefined;
    const creds = await h.result;
    checkpoint(ctx);
    return creds;
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
    headStart: startHead,
    lookAhead: startLookAhead,
    drop() {
      dropInternal('drop');
    },
    async forgetUser(sub) {
      if (head?.key.startsWith(`u\u0000${sub}\u0000`)) head = undefined;
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
