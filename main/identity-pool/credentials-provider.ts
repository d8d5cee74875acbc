/**
 * AWS credentials from a Cognito identity pool (enhanced flow), for the signed-in user or a guest.
 *
 * - IdentityId cached per user (`sub`) on disk (not secret), so a returning user needs only
 *   GetCredentialsForIdentity (main/identity-pool/user-identity.ts).
 * - Credentials cached in main-process memory only, per user + requested role; refreshed ahead of `Expiration`
 *   by `marginMs` plus a per-process random jitter; never handed out past `Expiration` (credentials-cache.ts).
 * - Concurrent requests coalesce into one call (single flight per user + role, per user for GetId, and one
 *   ID-token refresh at a time).
 * - Guest sessions (when the pool allows them) and deliberate linking of the guest identity on sign-in (guest.ts).
 * - Role choice: config `customRoleArn` or a per-call role, checked against the ID token's `cognito:roles`
 *   before any AWS call; the resolved role is reported (session.ts).
 * - Failures mapped to the shared taxonomy (failures.ts); throttling / 5xx / network retried with full-jitter
 *   backoff (pool-calls.ts).
 * - A hard gate: nothing is handed out while the terminal is locked or signed out, including results of
 *   requests that were in flight when the gate closed (session.ts).
 *
 * See docs/aws-credentials.md.
 */
import { systemClock } from '../clock';
import { ScrubInError } from '../errors';
import { callSafely, clockSleep, resolveRetry } from '../lib';
import { CredentialsCache } from './credentials-cache';
import { createGuests } from './guest';
import { createIdentityCache } from './identity-cache';
import { userPoolFromIssuer } from './logins';
import { createOwnClient, createPoolCalls, IDENTITY_POOL_RETRY, type IdentityPoolClient, type OwnClient } from './pool-calls';
import { keyOf, ProviderSession, type Context, type Subject } from './session';
import type { AwsCredentials, CredentialsEvent, CredentialsProvider, CredentialsProviderOptions, CredentialsRequest } from './types';
import { createUsers } from './user-identity';
import { createUserLogins } from './user-logins';

export function createCredentialsProvider(options: CredentialsProviderOptions): CredentialsProvider {
  const pool = options.config.identityPool;
  if (!pool) throw new ScrubInError('config_invalid', { detail: 'identityPool is not configured' });
  const { loginsKey } = userPoolFromIssuer(options.config.userPool.issuer);
  const { idTokens } = options;
  const clock = options.clock ?? systemClock;
  const random = options.random ?? Math.random;
  const marginMs = Math.max(0, options.marginMs ?? 5 * 60_000);
  const jitterMs = Math.floor(random() * Math.max(0, options.jitterMs ?? 2 * 60_000));
  // A broken listener must not break credential delivery.
  const emit = (event: CredentialsEvent): void => callSafely(options.onEvent, event);
  // Our own SDK client unless one is handed in (tests): ours is the one to preconnect and to close.
  let own: OwnClient | undefined;
  let client: IdentityPoolClient;
  if (options.client) client = options.client;
  else {
    own = createOwnClient(pool, options.requestTimeoutMs ?? 10_000);
    client = own.client;
  }
  const ids = createIdentityCache({
    dir: options.cacheDir,
    identityPoolId: pool.id,
    now: () => clock.now(),
    expiresDays: pool.identityIdCacheDays,
    onProblem: (reason) => emit({ type: 'identity-cache-ignored', reason }),
  });
  // Read the identity-id cache once, while the terminal starts.
  void ids.preload();

  const cache = new CredentialsCache(clock, marginMs, jitterMs);
  const session = new ProviderSession({
    gate: options.gate,
    idTokens,
    customRoleArn: pool.customRoleArn ?? null,
    clock,
    emit,
    holdsCredentials: () => cache.holds(),
  });
  const calls = createPoolCalls({
    client,
    identityPoolId: pool.id,
    retry: resolveRetry(options.retry, IDENTITY_POOL_RETRY),
    random,
    sleep: options.sleep ?? clockSleep(clock),
    emit,
    checkpoint: (ctx) => {
      session.checkpoint(ctx);
    },
  });
  const logins = createUserLogins({
    idTokens,
    loginsKey,
    clock,
    skewMs: Math.max(0, options.idTokenSkewMs ?? 60_000),
    emit,
    sessionChanged: () => session.sessionChanged(),
  });
  const parts = { session, ids, calls, logins, idTokens, identityPoolId: pool.id, emit };
  const guests = createGuests({ ...parts, cache });
  const users = createUsers({ ...parts, guests });
  session.onDrop(() => {
    cache.clear();
    users.clear();
    guests.clear();
  });

  async function getCredentials(request: CredentialsRequest = {}): Promise<AwsCredentials> {
    session.ensureOpen();
    const subject = session.resolveSubject(request);
    const key = keyOf(subject);
    const ctx = session.newContext();
    const cached = cache.fresh(key);
    if (cached) return session.deliver(cached, subject, ctx.gen);
    let fresh: AwsCredentials;
    try {
      fresh = await cache.flight(key, () => fetchFor(subject, key, ctx));
    } catch (error) {
      const stale = cache.fallback(key, error);
      if (!stale) throw error;
      emit({ type: 'refresh-failed', code: stale.code, servedCached: true });
      return session.deliver(stale.creds, subject, ctx.gen);
    }
    return session.deliver(fresh, subject, ctx.gen);
  }

  async function fetchFor(subject: Subject, key: string, ctx: Context): Promise<AwsCredentials> {
    const creds = subject.kind === 'user' ? await users.fetch(subject, ctx) : await guests.fetch(ctx);
    if (creds.expiration <= clock.now()) {
      throw new ScrubInError('clock_skew', { detail: "the identity pool returned credentials that are already expired by this terminal's clock" });
    }
    if (session.isCurrent(ctx.gen)) cache.store(key, creds, subject.kind === 'user' ? subject.sub : null);
    emit({ type: 'credentials', principal: subject.kind, identityId: creds.identityId, roleArn: creds.roleArn, expiration: creds.expiration });
    return creds;
  }

  return {
    getCredentials,
    async startGuest() {
      if (!pool.allowGuest) {
        throw new ScrubInError('not_authorized', {
          detail: 'identityPool.allowGuest is false',
          userMessage: 'Guest access is not enabled on this terminal. Sign in to continue.',
          variant: 'guest_disabled',
        });
      }
      if (idTokens.current()) {
        throw new ScrubInError('illegal_transition', { detail: 'a guest session cannot start while a user is signed in' });
      }
      session.ensureOpen();
      session.guestActive = true;
      return getCredentials();
    },
    endGuest() {
      guests.end();
    },
    isGuest: () => session.guestActive,
    async linkGuestOnSignIn(request = {}) {
      const credentials = await getCredentials(request);
      const token = idTokens.current();
      const outcome = token ? guests.takeOutcome(token.sub) : undefined;
      if (outcome && outcome.identityId === credentials.identityId) return { ...outcome, credentials };
      return { linked: 'none', identityId: credentials.identityId, credentials };
    },
    drop() {
      session.drop('drop');
    },
    async forgetUser(sub) {
      cache.forgetUser(sub);
      users.forget(sub);
      await ids.delete(sub);
    },
    jitterMs,
    preconnect() {
      own?.connections.preconnect();
    },
    close() {
      own?.client.destroy();
      own?.connections.destroy();
    },
  };
}
