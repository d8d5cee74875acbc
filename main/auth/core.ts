/**
 * The sign-in core: one object that owns the pending flow, the in-memory tokens and the session, on
 * top of openid-client (discovery, PKCE, code exchange, ID-token validation, refresh, revocation).
 * Plain Node: no Electron here. Every failure is a ScrubInError; no token, code or verifier ever goes
 * into an error, an event or a log line.
 */
import * as oidc from 'openid-client';
import { z } from 'zod';
import { systemClock, type Clock } from '../clock';
import type { Config } from '../config/schema';
import { ScrubInError, toScrubInError, type ErrorCode } from '../errors';
import { checkCallback, parseCallbackUrl } from './callback';
import { allowsInsecure, DiscoveryCache } from './discovery';
import { checkIdTokenClaims, sessionFromClaims, type IdTokenClaims } from './id-token';
import { LastAccountPointer } from './last-account';
import { cognitoLogoutUrl } from './logout-url';
import { isTimestampFailure, mapTokenError, mapTransportError, oauthErrorOf, safeCause } from './map-error';
import { PendingFlows, type PendingFlow } from './pending-flow';
import { clockSleep, DEFAULT_RETRY, withRetry, type RetryPolicy, type Sleep } from './retry';
import { SingleFlight } from './single-flight';
import type { AuthCore, AuthCoreOptions, AuthEvent, AuthSession, BeginSignInOptions, SignOutResult, StagedSignIn, StageOptions, Tokens } from './types';
import { JwksStore } from './jwks-store';
import { TokenVault } from './vault';

export const DEFAULTS = {
  pendingFlowTimeoutMs: 10 * 60_000,
  refreshMarginMs: 5 * 60_000,
  discoveryTtlMs: 24 * 3_600_000,
  clockToleranceSeconds: 120,
} as const;

type TokenResponse = oidc.TokenEndpointResponse & oidc.TokenEndpointResponseHelpers;

/** Per-request time limit for token, JWKS and revocation requests (discovery uses the same). */
const REQUEST_TIMEOUT_SECONDS = 15;

/** What one operation saw of the token endpoint's answers (the answer copy holds secrets: never logged). */
interface Exchange {
  /** The Date header of the last answer (ms), to tell a skewed terminal clock from a bad token. */
  serverDate: number | undefined;
  /** HTTP status of the last answer in this operation (200 = a code was redeemed). */
  tokenStatus: number | undefined;
  /** An unread copy of the last 200 answer: its refresh token is revoked if the answer is then refused. */
  answer?: Response | undefined;
}

const BeginOptionsSchema = z.strictObject({
  loginHint: z.string().min(1).max(256).regex(/^[^\p{Cc}]*$/u, 'no control characters').optional(),
  identityProvider: z.string().min(1).max(128).regex(/^[^\p{Cc}]*$/u, 'no control characters').optional(),
  forceLogin: z.boolean().optional(),
});

/**
 * Age (s) at which held signing keys are handed to openid-client: under its 300 s freshness limit, and at or
 * over the 60 s after which an unknown `kid` makes it re-fetch the JWKS (key rotation) rather than fail.
 */
const HELD_JWKS_AGE_SECONDS = 60;

export class SignInCore implements AuthCore {
  private readonly config: Config;
  private readonly clock: Clock;
  private readonly random: () => number;
  private readonly sleep: Sleep;
  private readonly retry: RetryPolicy;
  private readonly refreshMarginMs: number;
  private readonly toleranceSeconds: number;
  private readonly requestTimeoutSeconds: number;
  private readonly insecure: boolean;
  private readonly baseFetch: oidc.CustomFetch;
  private readonly listener: ((event: AuthEvent) => void) | undefined;

  private readonly discovery: DiscoveryCache;
  private readonly flows: PendingFlows;
  private readonly vault: TokenVault;
  private readonly lastAccount: LastAccountPointer;
  private readonly refreshFlight = new SingleFlight<AuthSession>();

  private readonly jwks: JwksStore;
  /** When (openid-client epoch seconds) the held keys were handed to a Configuration: unchanged means nothing was fetched. */
  private readonly handedJwks = new WeakMap<oidc.Configuration, number>();
  private session: AuthSession | undefined;
  /** A completed sign-in held aside until the terminal commits or discards it (see `stage`). */
  private staged: { exchanged: Exchanged } | undefined;
  private tokens: Tokens | undefined;
  /** Bumped whenever the session is replaced or ended, so a late refresh cannot resurrect it. */
  private generation = 0;

  constructor(options: AuthCoreOptions) {
    this.config = options.config;
    this.clock = options.clock ?? systemClock;
    this.random = options.random ?? Math.random;
    this.sleep = options.sleep ?? clockSleep(this.clock);
    this.retry = options.retry ?? DEFAULT_RETRY;
    this.refreshMarginMs = options.refreshMarginMs ?? DEFAULTS.refreshMarginMs;
    this.toleranceSeconds = options.clockToleranceSeconds ?? DEFAULTS.clockToleranceSeconds;
    this.requestTimeoutSeconds = options.requestTimeoutSeconds ?? REQUEST_TIMEOUT_SECONDS;
    this.listener = options.onEvent;
    const { issuer, clientId } = this.config.userPool;
    this.insecure = allowsInsecure(issuer);
    this.baseFetch = options.fetch ?? ((url, init) => fetch(url, init as RequestInit));
    this.discovery = new DiscoveryCache({
      issuer,
      clientId,
      cacheDir: options.cacheDir,
      clock: this.clock,
      ttlMs: options.discoveryTtlMs ?? DEFAULTS.discoveryTtlMs,
      fetch: this.baseFetch,
      retry: this.retry,
      random: this.random,
      sleep: this.sleep,
      timeoutSeconds: this.requestTimeoutSeconds,
      onEvent: (event) => this.emit(event),
    });
    this.flows = new PendingFlows(this.clock, options.pendingFlowTimeoutMs ?? DEFAULTS.pendingFlowTimeoutMs, (reason) =>
      this.emit({ type: 'sign-in-ended', reason }),
    );
    this.vault = new TokenVault(options.store);
    this.jwks = new JwksStore(
      options.cacheDir,
      this.clock,
      options.discoveryTtlMs ?? DEFAULTS.discoveryTtlMs,
      (url) =>
        this.baseFetch(url, { method: 'GET', headers: { accept: 'application/json' }, body: undefined, redirect: 'manual', signal: AbortSignal.timeout(this.requestTimeoutSeconds * 1000) }),
      () => this.emit({ type: 'discovery-refresh-failed', reason: 'signing keys (JWKS) cache file could not be written' }),
    );
    this.lastAccount = new LastAccountPointer(options.cacheDir, issuer, clientId);
  }

  // ---- events -------------------------------------------------------------------------------

  private emit(event: AuthEvent): void {
    try {
      this.listener?.(event);
    } catch {
      // A failing audit listener must not break sign-in; the listener owns its own error reporting.
    }
  }

  // ---- openid-client configuration per operation ---------------------------------------------

  /**
   * A Configuration for one operation: cached server metadata, the injected clock as openid-client's
   * notion of "now" (clockSkew), ID-token signature checks on (openid-client skips them for
   * token-endpoint responses unless asked), and the JWKS cache carried over between operations.
   * The keys we hold are handed over as 60 s old (openid-client measures that age with the real clock): still
   * fresh for it (under 5 minutes), and old enough that an ID token with an unknown `kid` (key rotation) makes
   * it fetch the JWKS once more instead of failing the key selection. No peek into the response body is needed.
   */
  private async client(): Promise<{ config: oidc.Configuration; exchange: Exchange }> {
    const metadata = await this.discovery.metadata();
    const exchange: Exchange = { serverDate: undefined, tokenStatus: undefined };
    const skewSeconds = Math.round((this.clock.now() - Date.now()) / 1000);
    const config = new oidc.Configuration(
      metadata,
      this.config.userPool.clientId,
      { [oidc.clockSkew]: skewSeconds, [oidc.clockTolerance]: this.toleranceSeconds, id_token_signed_response_alg: 'RS256' },
      oidc.None(),
    );
    // eslint-disable-next-line @typescript-eslint/no-deprecated -- plain http only for a loopback issuer (local-cognito)
    if (this.insecure) oidc.allowInsecureRequests(config);
    oidc.enableNonRepudiationChecks(config);
    // Token, JWKS and revocation requests give up after 15 s (openid-client's default is 30 s): a service that
    // never answers becomes a typed, retryable network error instead of a frozen sign-in.
    config.timeout = this.requestTimeoutSeconds;
    const tokenEndpoint = new URL(metadata.token_endpoint ?? '').href;
    const jwksUri = metadata.jwks_uri ?? '';
    const held = jwksUri ? await this.jwks.current(jwksUri) : undefined;
    if (held) {
      const uat = Math.floor(Date.now() / 1000) - HELD_JWKS_AGE_SECONDS;
      oidc.setJwksCache(config, { jwks: held, uat });
      this.handedJwks.set(config, uat);
    }
    config[oidc.customFetch] = async (url, init) => {
      const response = await this.baseFetch(url, init);
      if (new URL(url).href === tokenEndpoint) {
        const date = Date.parse(response.headers.get('date') ?? '');
        exchange.serverDate = Number.isFinite(date) ? date : undefined;
        exchange.tokenStatus = response.status;
        // Kept unread: only a refused answer (see `revokeRefused`) has its body read a second time.
        exchange.answer = response.ok ? response.clone() : undefined;
      }
      return response;
    };
    return { config, exchange };
  }

  /** Records the keys openid-client ended up with, unless they are the ones we handed over (nothing was fetched). */
  private keepJwks(config: oidc.Configuration): void {
    const cache = oidc.getJwksCache(config);
    const handed = this.handedJwks.get(config);
    if (!cache || (handed !== undefined && cache.uat === handed)) return;
    const jwksUri = config.serverMetadata().jwks_uri;
    if (jwksUri) void this.jwks.remember(jwksUri, cache.jwks);
  }

  /** A time-claim failure is the terminal's clock when the server's Date disagrees with it, else a bad token. */
  private timeProblem(exchange: Exchange, detail: string, cause?: unknown): ScrubInError {
    const now = this.clock.now();
    if (exchange.serverDate !== undefined && Math.abs(exchange.serverDate - now) > this.toleranceSeconds * 1000) {
      const seconds = Math.round((now - exchange.serverDate) / 1000);
      return new ScrubInError('clock_skew', {
        detail: `terminal clock is ${Math.abs(seconds)} s ${seconds > 0 ? 'ahead of' : 'behind'} the sign-in service`,
        cause: cause === undefined ? undefined : safeCause(cause),
      });
    }
    return new ScrubInError('token_invalid', { detail, cause: cause === undefined ? undefined : safeCause(cause) });
  }

  private tokenError(error: unknown, exchange: Exchange, operation: 'code exchange' | 'refresh'): ScrubInError {
    if (isTimestampFailure(error)) return this.timeProblem(exchange, `${operation}: ID token time claims out of range`, error);
    return mapTokenError(error, operation);
  }

  private validatedClaims(tokens: TokenResponse, exchange: Exchange): IdTokenClaims {
    const claims = tokens.claims();
    if (!claims || typeof tokens.id_token !== 'string') throw new ScrubInError('token_invalid', { detail: 'token response has no ID token' });
    const checked = checkIdTokenClaims(claims, this.clock.now(), this.toleranceSeconds);
    if (checked.ok) return checked.claims;
    if (checked.problem === 'future-iat') throw this.timeProblem(exchange, checked.detail);
    throw new ScrubInError('token_invalid', { detail: checked.detail });
  }

  private tokensFrom(tokens: TokenResponse, claims: IdTokenClaims): Tokens {
    const now = this.clock.now();
    const expiresIn = tokens.expiresIn();
    const accessExpiry = expiresIn === undefined ? claims.exp * 1000 : now + expiresIn * 1000;
    return { idToken: tokens.id_token ?? '', accessToken: tokens.access_token, expiresAt: Math.min(accessExpiry, claims.exp * 1000) };
  }

  private retryOptions(operation: 'code-exchange' | 'refresh') {
    return {
      policy: this.retry,
      random: this.random,
      sleep: this.sleep,
      onRetry: (error: unknown, attempt: number, delayMs: number) =>
        this.emit({ type: 'retry', operation, reason: toScrubInError(error).code, attempt, delayMs }),
    };
  }

  // ---- sign-in --------------------------------------------------------------------------------

  async beginSignIn(options: BeginSignInOptions = {}): Promise<{ authorizeUrl: string; expiresAt: number }> {
    const parsed = BeginOptionsSchema.safeParse(options);
    if (!parsed.success) throw new ScrubInError('invalid_request', { detail: 'beginSignIn options are not valid' });
    const { config } = await this.client();
    const codeVerifier = oidc.randomPKCECodeVerifier();
    const state = oidc.randomState();
    const nonce = oidc.randomNonce();
    const parameters: Record<string, string> = {
      redirect_uri: this.config.redirectUri,
      scope: this.config.userPool.scopes.join(' '),
      code_challenge: await oidc.calculatePKCECodeChallenge(codeVerifier),
      code_challenge_method: 'S256',
      state,
      nonce,
    };
    const forceLogin = parsed.data.forceLogin === true;
    if (forceLogin) parameters.prompt = 'login';
    const identityProvider = parsed.data.identityProvider ?? this.config.userPool.identityProvider;
    if (identityProvider) parameters.identity_provider = identityProvider;
    if (parsed.data.loginHint) parameters.login_hint = parsed.data.loginHint;
    const authorizeUrl = oidc.buildAuthorizationUrl(config, parameters).href;
    // While the person signs in in the browser, fetch the signing keys so the callback needs no extra round trip.
    const jwksUri = config.serverMetadata().jwks_uri;
    if (jwksUri) void this.jwks.prefetch(jwksUri);
    this.dropStaged();
    const flow = this.flows.begin({ state, nonce, codeVerifier });
    this.emit({ type: 'sign-in-started', expiresAt: flow.expiresAt, forceLogin, ...(identityProvider ? { identityProvider } : {}) });
    return { authorizeUrl, expiresAt: flow.expiresAt };
  }

  completeSignIn(callbackUrl: string): Promise<AuthSession>;
  completeSignIn(callbackUrl: string, options: StageOptions): Promise<StagedSignIn>;
  async completeSignIn(callbackUrl: string, options?: StageOptions): Promise<AuthSession | StagedSignIn> {
    const raw = typeof callbackUrl === 'string' ? callbackUrl : '';
    const url = parseCallbackUrl(raw);
    // Synchronous up to `take()`: two deliveries of the same redirect cannot both pass.
    const verdict = checkCallback({
      raw,
      url,
      redirectUri: this.config.redirectUri,
      pending: this.flows.peek(),
      outcomeOf: (state) => this.flows.outcomeOf(state),
      now: this.clock.now(),
    });
    if (verdict) {
      const error = new ScrubInError(verdict.code, { detail: verdict.detail });
      if (verdict.effect === 'drop') {
        this.emit({ type: 'callback-dropped', reason: verdict.code, detail: verdict.detail, replay: verdict.replay === true });
      } else {
        if (verdict.code === 'flow_expired') this.flows.current();
        else this.flows.fail();
        this.emit({ type: 'sign-in-failed', reason: verdict.code, detail: verdict.detail });
      }
      throw error;
    }
    const flow = this.flows.take();
    if (!flow || !url) throw new ScrubInError('no_pending_flow', { detail: 'no sign-in in progress' });
    try {
      const exchanged = await this.exchangeCode(flow, url);
      this.flows.settle(flow, 'completed');
      if (options?.stage) return this.stage(exchanged);
      return await this.install(exchanged);
    } catch (error) {
      this.flows.settle(flow, 'failed');
      const failure = toScrubInError(error, 'internal', 'sign-in completion failed');
      this.emit({ type: 'sign-in-failed', reason: failure.code, detail: failure.detail ?? failure.code });
      throw failure;
    }
  }

  private async exchangeCode(flow: PendingFlow, url: URL): Promise<Exchanged> {
    // Make sure the signing keys are held BEFORE the single-use code is spent (normally prefetched already).
    const jwksUri = (await this.discovery.metadata()).jwks_uri;
    if (jwksUri) {
      await this.jwks.prefetch(jwksUri);
      if (!(await this.jwks.current(jwksUri))) {
        throw new ScrubInError('discovery_failed', { detail: 'the signing keys (JWKS) could not be fetched; the code was not spent' });
      }
    }
    const { config, exchange } = await this.client();
    let tokens: TokenResponse;
    try {
      tokens = await withRetry(async () => {
        try {
          return await oidc.authorizationCodeGrant(config, url, {
            pkceCodeVerifier: flow.codeVerifier,
            expectedState: flow.state,
            expectedNonce: flow.nonce,
            idTokenExpected: true,
          });
        } catch (error) {
          const failure = this.tokenError(error, exchange, 'code exchange');
          // The code is single use: once the token endpoint has answered 200 it is spent, so a later failure
          // (e.g. fetching the signing keys) must not replay it. The person signs in again instead.
          if (exchange.tokenStatus === 200 && (failure.code === 'network' || failure.code === 'server_error')) {
            throw new ScrubInError('discovery_failed', { detail: `code redeemed but the sign-in could not be verified (${failure.code})`, cause: failure });
          }
          throw failure;
        }
      }, this.retryOptions('code-exchange'));
    } catch (error) {
      void this.revokeRefused(exchange);
      throw error;
    } finally {
      this.keepJwks(config);
    }
    let claims: IdTokenClaims;
    try {
      claims = this.validatedClaims(tokens, exchange);
    } catch (error) {
      void this.revokeRefused(exchange);
      throw error;
    }
    const refreshToken = tokens.refresh_token;
    if (!refreshToken) {
      throw new ScrubInError('token_invalid', { detail: 'no refresh token issued (check the app client allows refresh tokens)' });
    }
    return { claims, tokens, refreshToken };
  }

  /**
   * Holds a completed sign-in aside without touching the current session or the keychain, so the terminal
   * can sign the previous person out for real before the new person's session starts (switch user).
   */
  private stage(exchanged: Exchanged): StagedSignIn {
    this.dropStaged();
    const slot = { exchanged };
    this.staged = slot;
    const session = sessionFromClaims(exchanged.claims, this.clock.now());
    return {
      session: { ...session },
      commit: async () => {
        if (this.staged !== slot) throw new ScrubInError('flow_cancelled', { detail: 'the staged sign-in was discarded' });
        this.staged = undefined;
        const replaced = this.session?.sub === exchanged.claims.sub ? await this.vault.load(exchanged.claims.sub).catch(() => null) : null;
        const installed = await this.install(exchanged);
        // Same person again (unlock): the refresh token this sign-in replaces must not stay valid at the pool.
        if (replaced && replaced !== exchanged.refreshToken) await this.revokeQuietly(replaced);
        return installed;
      },
      discard: async () => {
        if (this.staged !== slot) return;
        this.staged = undefined;
        await this.revokeQuietly(exchanged.refreshToken);
      },
    };
  }

  private dropStaged(): void {
    const slot = this.staged;
    this.staged = undefined;
    if (slot) void this.revokeQuietly(slot.exchanged.refreshToken);
  }

  /**
   * A token answer that was refused after the code was redeemed (bad signature or claims, clock skew): its refresh
   * token is valid at the pool but nobody will hold it, so it is revoked rather than left to live out its lifetime.
   */
  private async revokeRefused(exchange: Exchange): Promise<void> {
    const answer = exchange.answer;
    exchange.answer = undefined;
    if (exchange.tokenStatus !== 200 || !answer) return;
    const body: unknown = await answer.json().catch(() => undefined);
    const token = body && typeof body === 'object' ? (body as { refresh_token?: unknown }).refresh_token : undefined;
    if (typeof token === 'string' && token) await this.revokeQuietly(token);
  }

  private async revokeQuietly(refreshToken: string): Promise<void> {
    try {
      const { config } = await this.client();
      await oidc.tokenRevocation(config, refreshToken);
    } catch {
      this.emit({ type: 'sign-in-failed', reason: 'network', detail: 'could not revoke a superseded refresh token' });
    }
  }

  /** Makes an exchanged sign-in the current session: keychain first, then memory, pointer, event. */
  private async install({ claims, tokens, refreshToken }: Exchanged): Promise<AuthSession> {
    const generation = ++this.generation;
    const session = sessionFromClaims(claims, this.clock.now());
    // The non-secret pointer is written alongside the keychain entry (a pointer without an entry is harmless:
    // restore and the leftover check both find no token and clear it).
    const pointer = this.lastAccount.write(session, this.clock.now()).catch((error: unknown) => {
      this.emit({ type: 'keychain-error', reason: toScrubInError(error).code, operation: 'write last-account pointer' });
    });
    try {
      // The refresh token goes to the keychain before the session exists: no keychain, no session.
      await this.vault.save(claims.sub, refreshToken);
    } catch (error) {
      const failure = toScrubInError(error, 'keychain_unavailable');
      this.emit({ type: 'keychain-error', reason: failure.code, operation: 'save refresh token' });
      await pointer;
      await this.revokeQuietly(refreshToken);
      throw failure;
    }
    await pointer;
    if (generation !== this.generation) throw new ScrubInError('signed_out', { detail: 'signed out while signing in' });
    this.tokens = this.tokensFrom(tokens, claims);
    this.session = session;
    this.emit({ type: 'signed-in', sub: this.session.sub, username: this.session.username });
    return { ...this.session };
  }

  cancelSignIn(): boolean {
    this.dropStaged();
    return this.flows.cancel();
  }

  pendingFlow(): { expiresAt: number } | null {
    const flow = this.flows.current();
    return flow ? { expiresAt: flow.expiresAt } : null;
  }

  currentSession(): AuthSession | null {
    return this.session ? { ...this.session, groups: [...this.session.groups], roles: [...this.session.roles] } : null;
  }

  // ---- tokens and refresh ---------------------------------------------------------------------

  private tokensFresh(): boolean {
    return this.tokens !== undefined && this.clock.now() < this.tokens.expiresAt - this.refreshMarginMs;
  }

  async getTokens(): Promise<Tokens> {
    if (!this.session) throw new ScrubInError('signed_out', { detail: 'getTokens without a session' });
    if (!this.tokensFresh()) await this.refreshFlight.run(() => this.refreshSession());
    if (!this.tokens) throw new ScrubInError('signed_out', { detail: 'session ended during refresh' });
    return { ...this.tokens };
  }

  async refresh(options: { force?: boolean } = {}): Promise<AuthSession> {
    if (!this.session) throw new ScrubInError('signed_out', { detail: 'refresh without a session' });
    if (options.force !== true && this.tokensFresh()) return { ...this.session };
    return this.refreshFlight.run(() => this.refreshSession());
  }

  private async refreshSession(): Promise<AuthSession> {
    const session = this.session;
    if (!session) throw new ScrubInError('signed_out', { detail: 'refresh without a session' });
    const generation = this.generation;
    const refreshToken = await this.vault.load(session.sub).catch((error: unknown) => {
      const failure = toScrubInError(error, 'keychain_unavailable');
      this.emit({ type: 'keychain-error', reason: failure.code, operation: 'load refresh token' });
      throw failure;
    });
    if (refreshToken === null) {
      await this.endSession(session.sub, generation);
      throw new ScrubInError('refresh_rejected', { detail: 'no refresh token in the keychain' });
    }
    return this.refreshWith(session.sub, refreshToken, generation, session);
  }

  /** One refresh with bounded retries; invalid_grant ends the session (no retry loop). */
  private async refreshWith(sub: string, refreshToken: string, generation: number, previous: AuthSession | undefined): Promise<AuthSession> {
    const { config, exchange } = await this.client();
    let tokens: TokenResponse;
    try {
      tokens = await withRetry(async () => {
        try {
          return await oidc.refreshTokenGrant(config, refreshToken);
        } catch (error) {
          if (oauthErrorOf(error) === 'invalid_grant') {
            throw new ScrubInError('refresh_rejected', { detail: 'token endpoint answered invalid_grant', cause: safeCause(error) });
          }
          throw this.tokenError(error, exchange, 'refresh');
        }
      }, this.retryOptions('refresh'));
    } catch (error) {
      const failure = toScrubInError(error);
      if (failure.code === 'refresh_rejected') await this.endSession(sub, generation);
      else this.emit({ type: 'refresh-failed', sub, reason: failure.code });
      throw failure;
    } finally {
      this.keepJwks(config);
    }
    const claims = this.validatedClaims(tokens, exchange);
    if (claims.sub !== sub) throw new ScrubInError('token_invalid', { detail: 'refreshed ID token is for another user' });
    if (generation !== this.generation) throw new ScrubInError('signed_out', { detail: 'session ended during refresh' });
    const rotated = tokens.refresh_token !== undefined && tokens.refresh_token !== refreshToken;
    if (rotated && tokens.refresh_token) {
      // Rotation: the new refresh token is in the keychain before the new tokens are used.
      await this.vault.save(sub, tokens.refresh_token).catch((error: unknown) => {
        const failure = toScrubInError(error, 'keychain_unavailable');
        this.emit({ type: 'keychain-error', reason: failure.code, operation: 'save rotated refresh token' });
        throw failure;
      });
      if (generation !== this.generation) {
        await this.vault.remove(sub).catch(() => undefined);
        throw new ScrubInError('signed_out', { detail: 'session ended during refresh' });
      }
    }
    this.tokens = this.tokensFrom(tokens, claims);
    this.session = sessionFromClaims(claims, previous?.signedInAt ?? this.clock.now());
    if (!previous) {
      await this.lastAccount.write(this.session, this.clock.now()).catch((error: unknown) => {
        this.emit({ type: 'keychain-error', reason: toScrubInError(error).code, operation: 'write last-account pointer' });
      });
    }
    this.emit({ type: 'tokens-refreshed', sub, rotated });
    return { ...this.session };
  }

  /** Ends the session after the service refused its refresh token: keychain entry, pointer and memory. */
  private async endSession(sub: string, generation: number): Promise<void> {
    if (generation === this.generation) {
      this.generation++;
      this.tokens = undefined;
      this.session = undefined;
    }
    await this.vault.remove(sub).catch((error: unknown) => {
      this.emit({ type: 'keychain-error', reason: toScrubInError(error).code, operation: 'remove refresh token' });
    });
    await this.lastAccount.clear().catch((error: unknown) => {
      this.emit({ type: 'keychain-error', reason: toScrubInError(error).code, operation: 'remove last-account pointer' });
    });
    this.emit({ type: 'session-ended', sub, reason: 'refresh_rejected' });
  }

  async restore(): Promise<AuthSession | null> {
    if (this.session) return { ...this.session };
    return this.refreshFlight
      .run(async () => {
        const pointer = await this.lastAccount.read();
        if (!pointer) throw new RestoreNothing();
        const generation = this.generation;
        const refreshToken = await this.vault.load(pointer.sub);
        if (refreshToken === null) {
          await this.lastAccount.clear();
          throw new RestoreNothing();
        }
        return this.refreshWith(pointer.sub, refreshToken, generation, undefined);
      })
      .catch((error: unknown) => {
        if (error instanceof RestoreNothing) return null;
        throw error;
      });
  }

  async leftoverAccount(): Promise<{ sub: string; username: string } | null> {
    if (this.session) return null;
    const pointer = await this.lastAccount.read().catch(() => undefined);
    return pointer ? { sub: pointer.sub, username: pointer.username } : null;
  }

  // ---- sign-out -------------------------------------------------------------------------------

  async signOut(): Promise<SignOutResult> {
    const errors: ScrubInError[] = [];
    const session = this.session;
    // Local state goes first and unconditionally: an offline sign-out still wipes it.
    this.generation++;
    this.tokens = undefined;
    this.session = undefined;
    this.flows.cancel();
    let sub = session?.sub;
    if (!sub) sub = (await this.lastAccount.read().catch(() => undefined))?.sub;
    let revoked = false;
    // Keep the pointer while the keychain still may hold the token (locked, unavailable), so the next shared
    // start finds the leftover and revokes + deletes it then.
    let keychainClean = true;
    if (sub) {
      let refreshToken: string | null = null;
      try {
        refreshToken = await this.vault.load(sub);
      } catch (error) {
        keychainClean = false;
        errors.push(toScrubInError(error, 'keychain_unavailable'));
      }
      if (refreshToken) {
        try {
          const { config } = await this.client();
          try {
            await oidc.tokenRevocation(config, refreshToken);
          } catch (error) {
            throw mapTransportError(error, 'revocation') ?? new ScrubInError('idp_error', { detail: 'revocation refused', cause: safeCause(error) });
          }
          revoked = true;
        } catch (error) {
          errors.push(toScrubInError(error, 'network'));
        }
      }
      try {
        await this.vault.remove(sub);
      } catch (error) {
        keychainClean = false;
        errors.push(toScrubInError(error, 'keychain_unavailable'));
      }
    }
    if (keychainClean) {
      try {
        await this.lastAccount.clear();
      } catch (error) {
        errors.push(toScrubInError(error, 'internal', 'last-account pointer could not be removed'));
      }
    }
    if (session) this.emit({ type: 'session-ended', sub: session.sub, reason: 'signed-out' });
    this.emit({ type: 'signed-out', sub: sub ?? null, revoked, errors: errors.map((e): ErrorCode => e.code) });
    return { logoutUrl: cognitoLogoutUrl(this.config), revoked, errors };
  }

  /** Test and shutdown hook: resolves when no background discovery revalidation is running. */
  whenIdle(): Promise<void> {
    return this.discovery.whenIdle();
  }
}

class RestoreNothing extends Error {}

/** A code exchange that passed every check: the claims, the token response and its refresh token. */
interface Exchanged {
  claims: IdTokenClaims;
  tokens: TokenResponse;
  refreshToken: string;
}
