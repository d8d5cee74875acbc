/**
 * Sign-in: the authorize URL (PKCE S256, state, nonce, one pending flow with a timeout), the callback checks
 * (main/auth/callback/), the code exchange with the signing keys in hand before the single-use code is spent, and
 * the hand-over: installed as the session at once, or staged for the terminal to commit or discard.
 */
import * as oidc from 'openid-client';
import { z } from 'zod';
import type { Clock } from '../clock';
import type { Config } from '../config/schema';
import { ScrubInError, toScrubInError } from '../errors';
import { checkCallback, parseCallbackUrl } from './callback';
import type { DiscoveryCache } from './discovery';
import type { Exchanged, HeldSession } from './held-session';
import { checkFreshAuthentication, monotonicNow } from './fresh-auth';
import { sessionFromClaims, type IdTokenClaims } from './id-token';
import type { JwksStore } from './jwks-store';
import type { Exchange, Operations, TokenResponse } from './operations';
import type { PendingFlow, PendingFlows } from './pending-flow';
import { withRetry } from '../lib';
import type { AuthEvent, AuthSession, BeginSignInOptions, StagedSignIn } from './types';

const BeginOptionsSchema = z.strictObject({
  loginHint: z.string().min(1).max(256).regex(/^[^\p{Cc}]*$/u, 'no control characters').optional(),
  identityProvider: z.string().min(1).max(128).regex(/^[^\p{Cc}]*$/u, 'no control characters').optional(),
  forceLogin: z.boolean().optional(),
});

export interface SignInFlowOptions {
  config: Config;
  clock: Clock;
  operations: Operations;
  discovery: DiscoveryCache;
  jwks: JwksStore;
  flows: PendingFlows;
  held: HeldSession;
  emit: (event: AuthEvent) => void;
}

export class SignInFlow {
  /** A completed sign-in held aside until the terminal commits or discards it (see `stage`). */
  private staged: { exchanged: Exchanged } | undefined;

  constructor(private readonly o: SignInFlowOptions) {}

  async begin(options: BeginSignInOptions = {}): Promise<{ authorizeUrl: string; expiresAt: number }> {
    const parsed = BeginOptionsSchema.safeParse(options);
    if (!parsed.success) throw new ScrubInError('invalid_request', { detail: 'beginSignIn options are not valid' });
    const { config } = await this.o.operations.client();
    const codeVerifier = oidc.randomPKCECodeVerifier();
    const state = oidc.randomState();
    const nonce = oidc.randomNonce();
    const parameters: Record<string, string> = {
      redirect_uri: this.o.config.redirectUri,
      scope: this.o.config.userPool.scopes.join(' '),
      code_challenge: await oidc.calculatePKCECodeChallenge(codeVerifier),
      code_challenge_method: 'S256',
      state,
      nonce,
    };
    const forceLogin = parsed.data.forceLogin === true;
    if (forceLogin) parameters.prompt = 'login';
    const identityProvider = parsed.data.identityProvider ?? this.o.config.userPool.identityProvider;
    if (identityProvider) parameters.identity_provider = identityProvider;
    if (parsed.data.loginHint) parameters.login_hint = parsed.data.loginHint;
    // Cognito's managed login in the terminal's language (main/config/language.ts resolves it at start).
    const lang = this.o.config.terminal.language;
    if (lang) parameters.lang = lang;
    const authorizeUrl = oidc.buildAuthorizationUrl(config, parameters).href;
    // While the person signs in in the browser, fetch the signing keys so the callback needs no extra round trip.
    const jwksUri = config.serverMetadata().jwks_uri;
    if (jwksUri) void this.o.jwks.prefetch(jwksUri);
    this.dropStaged();
    const flow = this.o.flows.begin({ state, nonce, codeVerifier, freshAuthSince: forceLogin ? monotonicNow() : null });
    this.o.emit({ type: 'sign-in-started', expiresAt: flow.expiresAt, forceLogin, ...(identityProvider ? { identityProvider } : {}) });
    return { authorizeUrl, expiresAt: flow.expiresAt };
  }

  /** Checks the callback, exchanges its code, then installs the sign-in as the session, or stages it. */
  async complete(callbackUrl: string, stage: boolean): Promise<AuthSession | StagedSignIn> {
    const raw = typeof callbackUrl === 'string' ? callbackUrl : '';
    const url = parseCallbackUrl(raw);
    const { flows } = this.o;
    // Synchronous up to `take()`: two deliveries of the same redirect cannot both pass.
    const verdict = checkCallback({
      raw,
      url,
      redirectUri: this.o.config.redirectUri,
      pending: flows.peek(),
      outcomeOf: (state) => flows.outcomeOf(state),
      now: this.o.clock.now(),
    });
    if (verdict) {
      const error = new ScrubInError(verdict.code, { detail: verdict.detail });
      if (verdict.effect === 'drop') {
        this.o.emit({ type: 'callback-dropped', reason: verdict.code, detail: verdict.detail, replay: verdict.replay === true });
      } else {
        if (verdict.code === 'flow_expired') flows.current();
        else flows.fail();
        this.o.emit({ type: 'sign-in-failed', reason: verdict.code, detail: verdict.detail });
      }
      throw error;
    }
    const flow = flows.take();
    if (!flow || !url) throw new ScrubInError('no_pending_flow', { detail: 'no sign-in in progress' });
    try {
      const exchanged = await this.exchangeCode(flow, url);
      flows.settle(flow, 'completed');
      if (stage) return this.stage(exchanged);
      return await this.o.held.install(exchanged);
    } catch (error) {
      flows.settle(flow, 'failed');
      const failure = toScrubInError(error, 'internal', 'sign-in completion failed');
      this.o.emit({ type: 'sign-in-failed', reason: failure.code, detail: failure.detail ?? failure.code });
      throw failure;
    }
  }

  cancel(): boolean {
    this.dropStaged();
    return this.o.flows.cancel();
  }

  pendingFlow(): { expiresAt: number } | null {
    const flow = this.o.flows.current();
    return flow ? { expiresAt: flow.expiresAt } : null;
  }

  private async exchangeCode(flow: PendingFlow, url: URL): Promise<Exchanged> {
    const { operations } = this.o;
    // Make sure the signing keys are held BEFORE the single-use code is spent (normally prefetched already).
    const jwksUri = (await this.o.discovery.metadata()).jwks_uri;
    if (jwksUri) {
      await this.o.jwks.prefetch(jwksUri);
      if (!(await this.o.jwks.current(jwksUri))) {
        throw new ScrubInError('discovery_failed', { detail: 'the signing keys (JWKS) could not be fetched; the code was not spent' });
      }
    }
    const { config, exchange } = await operations.client();
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
          const failure = operations.tokenError(error, exchange, 'code exchange');
          // The code is single use: once the token endpoint has answered 200 it is spent, so a later failure
          // (e.g. fetching the signing keys) must not replay it. The person signs in again instead.
          if (exchange.tokenStatus === 200 && (failure.code === 'network' || failure.code === 'server_error')) {
            throw new ScrubInError('discovery_failed', { detail: `code redeemed but the sign-in could not be verified (${failure.code})`, cause: failure });
          }
          throw failure;
        }
      }, operations.retryOptions('code-exchange'));
    } catch (error) {
      void this.revokeRefused(exchange);
      throw error;
    } finally {
      operations.keepJwks(config);
    }
    let claims: IdTokenClaims;
    try {
      claims = operations.validatedClaims(tokens, exchange);
      if (flow.freshAuthSince !== null) requireFreshAuthentication(claims, flow.freshAuthSince, exchange);
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
    const { held, operations } = this.o;
    const session = sessionFromClaims(exchanged.claims, this.o.clock.now());
    return {
      session: { ...session },
      commit: async () => {
        if (this.staged !== slot) throw new ScrubInError('flow_cancelled', { detail: 'the staged sign-in was discarded' });
        this.staged = undefined;
        const sub = exchanged.claims.sub;
        const replaced = held.session?.sub === sub ? await held.vault.load(sub).catch(() => null) : null;
        const installed = await held.install(exchanged);
        // Same person again (unlock): the refresh token this sign-in replaces must not stay valid at the pool.
        if (replaced && replaced !== exchanged.refreshToken) await operations.revokeQuietly(replaced);
        return installed;
      },
      discard: async () => {
        if (this.staged !== slot) return;
        this.staged = undefined;
        await operations.revokeQuietly(exchanged.refreshToken);
      },
    };
  }

  private dropStaged(): void {
    const slot = this.staged;
    this.staged = undefined;
    if (slot) void this.o.operations.revokeQuietly(slot.exchanged.refreshToken);
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
    if (typeof token === 'string' && token) await this.o.operations.revokeQuietly(token);
  }
}

/**
 * A forced sign-in must show a password typed after it began (security defect 1): an earlier `auth_time` means the
 * browser or the IdP skipped `prompt=login` and signed the person in from a live session. The caller revokes the
 * refresh token of the refused answer.
 */
function requireFreshAuthentication(claims: IdTokenClaims, since: number, exchange: Exchange): void {
  const verdict = checkFreshAuthentication(claims.auth_time, since, exchange.serverOffset ?? 0);
  if (!verdict.ok) throw new ScrubInError('reauth_required', { detail: verdict.detail });
}
