/**
 * openid-client, configured for one operation at a time (sign-in, code exchange, refresh, revocation): cached
 * server metadata, the injected clock as openid-client's "now", ID-token signature checks on, the signing keys
 * carried over between operations, and what the operation saw of the token endpoint. Also what the token
 * endpoint's answers mean: time-claim failures (the terminal's clock or a bad token), claims checks, token expiry.
 */
import * as oidc from 'openid-client';
import type { Clock } from '../clock';
import type { Config } from '../config/schema';
import { ScrubInError, toScrubInError } from '../errors';
import type { DiscoveryCache } from './discovery';
import { monotonicNow, serverOffsetMs } from './fresh-auth';
import { checkIdTokenClaims, type IdTokenClaims } from './id-token';
import type { JwksStore } from './jwks-store';
import { isTimestampFailure, isTransient, mapTokenError, mapTransportError, safeCause } from './map-error';
import type { RetryLoop, RetryPolicy, Sleep } from '../lib';
import type { AuthEvent, Tokens } from './types';

export type TokenResponse = oidc.TokenEndpointResponse & oidc.TokenEndpointResponseHelpers;

/** What one operation saw of the token endpoint's answers (the answer copy holds secrets: never logged). */
export interface Exchange {
  /** The Date header of the last answer (ms), to tell a skewed terminal clock from a bad token. */
  serverDate: number | undefined;
  /** server time - monotonicNow() at the last answer (fresh-auth.ts), null without a usable Date header. */
  serverOffset?: number | null;
  /** HTTP status of the last answer in this operation (200 = a code was redeemed). */
  tokenStatus: number | undefined;
  /** An unread copy of the last 200 answer: its refresh token is revoked if the answer is then refused. */
  answer?: Response | undefined;
}

/**
 * Age (s) at which held signing keys are handed to openid-client: under its 300 s freshness limit, and at or
 * over the 60 s after which an unknown `kid` makes it re-fetch the JWKS (key rotation) rather than fail.
 */
const HELD_JWKS_AGE_SECONDS = 60;

export interface OperationsOptions {
  config: Config;
  clock: Clock;
  /** Allowed clock skew for ID-token time claims (s). */
  toleranceSeconds: number;
  /** Time limit of one token, JWKS or revocation request (s). */
  requestTimeoutSeconds: number;
  insecure: boolean;
  fetch: oidc.CustomFetch;
  discovery: DiscoveryCache;
  jwks: JwksStore;
  retry: RetryPolicy;
  random: () => number;
  sleep: Sleep;
  emit: (event: AuthEvent) => void;
}

export class Operations {
  /** When (openid-client epoch seconds) the held keys were handed to a Configuration: unchanged means nothing was fetched. */
  private readonly handedJwks = new WeakMap<oidc.Configuration, number>();

  constructor(private readonly o: OperationsOptions) {}

  /**
   * A Configuration for one operation. The keys we hold are handed over as 60 s old (openid-client measures that
   * age with the real clock): still fresh for it, and old enough that an ID token with an unknown `kid` (key
   * rotation) makes it fetch the JWKS once more instead of failing the key selection.
   */
  async client(): Promise<{ config: oidc.Configuration; exchange: Exchange }> {
    const metadata = await this.o.discovery.metadata();
    const exchange: Exchange = { serverDate: undefined, tokenStatus: undefined };
    const skewSeconds = Math.round((this.o.clock.now() - Date.now()) / 1000);
    const config = new oidc.Configuration(
      metadata,
      this.o.config.userPool.clientId,
      { [oidc.clockSkew]: skewSeconds, [oidc.clockTolerance]: this.o.toleranceSeconds, id_token_signed_response_alg: 'RS256' },
      oidc.None(),
    );
    // eslint-disable-next-line @typescript-eslint/no-deprecated -- plain http only for a loopback issuer (local-cognito)
    if (this.o.insecure) oidc.allowInsecureRequests(config);
    // openid-client skips the signature check of token-endpoint ID tokens unless asked.
    oidc.enableNonRepudiationChecks(config);
    // Token, JWKS and revocation requests give up after 15 s (openid-client's default is 30 s): a service that
    // never answers becomes a typed, retryable network error instead of a frozen sign-in.
    config.timeout = this.o.requestTimeoutSeconds;
    const tokenEndpoint = new URL(metadata.token_endpoint ?? '').href;
    const jwksUri = metadata.jwks_uri ?? '';
    const held = jwksUri ? await this.o.jwks.current(jwksUri) : undefined;
    if (held) {
      const uat = Math.floor(Date.now() / 1000) - HELD_JWKS_AGE_SECONDS;
      oidc.setJwksCache(config, { jwks: held, uat });
      this.handedJwks.set(config, uat);
    }
    config[oidc.customFetch] = async (url, init) => {
      const response = await this.o.fetch(url, init);
      if (new URL(url).href === tokenEndpoint) {
        const date = Date.parse(response.headers.get('date') ?? '');
        exchange.serverDate = Number.isFinite(date) ? date : undefined;
        exchange.serverOffset = serverOffsetMs(response.headers.get('date'), monotonicNow());
        exchange.tokenStatus = response.status;
        // Kept unread: only a refused answer (see `SignInFlow.revokeRefused`) has its body read a second time.
        exchange.answer = response.ok ? response.clone() : undefined;
      }
      return response;
    };
    return { config, exchange };
  }

  /** Records the keys openid-client ended up with, unless they are the ones we handed over (nothing was fetched). */
  keepJwks(config: oidc.Configuration): void {
    const cache = oidc.getJwksCache(config);
    const handed = this.handedJwks.get(config);
    if (!cache || (handed !== undefined && cache.uat === handed)) return;
    const jwksUri = config.serverMetadata().jwks_uri;
    if (jwksUri) void this.o.jwks.remember(jwksUri, cache.jwks);
  }

  /** Revokes a refresh token at the pool; a failure is a typed error. */
  async revoke(refreshToken: string): Promise<void> {
    const { config } = await this.client();
    try {
      await oidc.tokenRevocation(config, refreshToken);
    } catch (error) {
      throw mapTransportError(error, 'revocation') ?? new ScrubInError('idp_error', { detail: 'revocation refused', cause: safeCause(error) });
    }
  }

  /** Revokes a refresh token nobody will hold (superseded, discarded, refused); a failure is only reported. */
  async revokeQuietly(refreshToken: string): Promise<void> {
    try {
      await this.revoke(refreshToken);
    } catch {
      this.o.emit({ type: 'sign-in-failed', reason: 'network', detail: 'could not revoke a superseded refresh token' });
    }
  }

  tokenError(error: unknown, exchange: Exchange, operation: 'code exchange' | 'refresh'): ScrubInError {
    if (isTimestampFailure(error)) return this.timeProblem(exchange, `${operation}: ID token time claims out of range`, error);
    return mapTokenError(error, operation);
  }

  validatedClaims(tokens: TokenResponse, exchange: Exchange): IdTokenClaims {
    const claims = tokens.claims();
    if (!claims || typeof tokens.id_token !== 'string') throw new ScrubInError('token_invalid', { detail: 'token response has no ID token' });
    const checked = checkIdTokenClaims(claims, this.o.clock.now(), this.o.toleranceSeconds);
    if (checked.ok) return checked.claims;
    if (checked.problem === 'future-iat') throw this.timeProblem(exchange, checked.detail);
    throw new ScrubInError('token_invalid', { detail: checked.detail });
  }

  /** The tokens of an answer; they count as expiring with the earlier of the access and ID token. */
  tokensFrom(tokens: TokenResponse, claims: IdTokenClaims): Tokens {
    const now = this.o.clock.now();
    const expiresIn = tokens.expiresIn();
    const accessExpiry = expiresIn === undefined ? claims.exp * 1000 : now + expiresIn * 1000;
    return { idToken: tokens.id_token ?? '', accessToken: tokens.access_token, expiresAt: Math.min(accessExpiry, claims.exp * 1000) };
  }

  retryOptions(operation: 'code-exchange' | 'refresh'): RetryLoop {
    return {
      policy: this.o.retry,
      random: this.o.random,
      sleep: this.o.sleep,
      retryable: isTransient,
      onRetry: (error: unknown, attempt: number, delayMs: number) => {
        this.o.emit({ type: 'retry', operation, reason: toScrubInError(error).code, attempt, delayMs });
      },
    };
  }

  /** A time-claim failure is the terminal's clock when the server's Date disagrees with it, else a bad token. */
  private timeProblem(exchange: Exchange, detail: string, cause?: unknown): ScrubInError {
    const now = this.o.clock.now();
    const safe = cause === undefined ? undefined : safeCause(cause);
    if (exchange.serverDate !== undefined && Math.abs(exchange.serverDate - now) > this.o.toleranceSeconds * 1000) {
      const seconds = Math.round((now - exchange.serverDate) / 1000);
      return new ScrubInError('clock_skew', {
        detail: `terminal clock is ${Math.abs(seconds)} s ${seconds > 0 ? 'ahead of' : 'behind'} the sign-in service`,
        cause: safe,
      });
    }
    return new ScrubInError('token_invalid', { detail, cause: safe });
  }
}
