/**
 * Tokens kept fresh: refreshed `marginMs` before they expire, one refresh at a time (single flight), with bounded
 * retries for passing failures. The service refusing the refresh token (invalid_grant) ends the session; a rotated
 * refresh token is in the keychain before the new tokens are used. Also the silent restore of personal mode.
 */
import * as oidc from 'openid-client';
import type { Clock } from '../clock';
import { ScrubInError, toScrubInError } from '../errors';
import type { HeldSession } from './held-session';
import { sessionFromClaims } from './id-token';
import { oauthErrorOf, safeCause } from './map-error';
import type { Operations, TokenResponse } from './operations';
import { withRetry } from '../lib';
import { SingleFlight } from '../lib';
import type { AuthEvent, AuthSession, Tokens } from './types';

export interface RefresherOptions {
  held: HeldSession;
  operations: Operations;
  clock: Clock;
  /** Refresh this long before the tokens expire. */
  marginMs: number;
  emit: (event: AuthEvent) => void;
}

/** `restore` found no stored session to bring back. */
class RestoreNothing extends Error {}

export class Refresher {
  private readonly flight = new SingleFlight<AuthSession>();

  constructor(private readonly o: RefresherOptions) {}

  async getTokens(): Promise<Tokens> {
    const { held } = this.o;
    if (!held.session) throw new ScrubInError('signed_out', { detail: 'getTokens without a session' });
    if (!this.tokensFresh()) await this.flight.run(() => this.refreshSession());
    if (!held.tokens) throw new ScrubInError('signed_out', { detail: 'session ended during refresh' });
    return { ...held.tokens };
  }

  async refresh(options: { force?: boolean } = {}): Promise<AuthSession> {
    const { session } = this.o.held;
    if (!session) throw new ScrubInError('signed_out', { detail: 'refresh without a session' });
    if (options.force !== true && this.tokensFresh()) return { ...session };
    return this.flight.run(() => this.refreshSession());
  }

  /** Personal mode: the last account's session brought back from its keychain entry (null when there is none). */
  async restore(): Promise<AuthSession | null> {
    const { held } = this.o;
    if (held.session) return { ...held.session };
    return this.flight
      .run(async () => {
        const pointer = await held.lastAccount.read();
        if (!pointer) throw new RestoreNothing();
        const generation = held.generation;
        const refreshToken = await held.vault.load(pointer.sub);
        if (refreshToken === null) {
          await held.lastAccount.clear();
          throw new RestoreNothing();
        }
        return this.refreshWith(pointer.sub, refreshToken, generation, undefined);
      })
      .catch((error: unknown) => {
        if (error instanceof RestoreNothing) return null;
        throw error;
      });
  }

  private tokensFresh(): boolean {
    const { tokens } = this.o.held;
    return tokens !== undefined && this.o.clock.now() < tokens.expiresAt - this.o.marginMs;
  }

  private async refreshSession(): Promise<AuthSession> {
    const { held } = this.o;
    const session = held.session;
    if (!session) throw new ScrubInError('signed_out', { detail: 'refresh without a session' });
    const generation = held.generation;
    const refreshToken = await held.keychainStep('load refresh token', held.vault.load(session.sub));
    if (refreshToken === null) {
      await held.endRejected(session.sub, generation);
      throw new ScrubInError('refresh_rejected', { detail: 'no refresh token in the keychain' });
    }
    return this.refreshWith(session.sub, refreshToken, generation, session);
  }

  /** One refresh with bounded retries; invalid_grant ends the session (no retry loop). */
  private async refreshWith(sub: string, refreshToken: string, generation: number, previous: AuthSession | undefined): Promise<AuthSession> {
    const { held, operations, emit } = this.o;
    const { config, exchange } = await operations.client();
    let tokens: TokenResponse;
    try {
      tokens = await withRetry(async () => {
        try {
          return await oidc.refreshTokenGrant(config, refreshToken);
        } catch (error) {
          if (oauthErrorOf(error) === 'invalid_grant') {
            throw new ScrubInError('refresh_rejected', { detail: 'token endpoint answered invalid_grant', cause: safeCause(error) });
          }
          throw operations.tokenError(error, exchange, 'refresh');
        }
      }, operations.retryOptions('refresh'));
    } catch (error) {
      const failure = toScrubInError(error);
      if (failure.code === 'refresh_rejected') await held.endRejected(sub, generation);
      else emit({ type: 'refresh-failed', sub, reason: failure.code });
      throw failure;
    } finally {
      operations.keepJwks(config);
    }
    const claims = operations.validatedClaims(tokens, exchange);
    if (claims.sub !== sub) throw new ScrubInError('token_invalid', { detail: 'refreshed ID token is for another user' });
    if (generation !== held.generation) throw new ScrubInError('signed_out', { detail: 'session ended during refresh' });
    const rotated = tokens.refresh_token !== undefined && tokens.refresh_token !== refreshToken;
    if (rotated && tokens.refresh_token) {
      // Rotation: the new refresh token is in the keychain before the new tokens are used.
      await held.keychainStep('save rotated refresh token', held.vault.save(sub, tokens.refresh_token));
      if (generation !== held.generation) {
        await held.vault.remove(sub).catch(() => undefined);
        throw new ScrubInError('signed_out', { detail: 'session ended during refresh' });
      }
    }
    held.tokens = operations.tokensFrom(tokens, claims);
    const session = sessionFromClaims(claims, previous?.signedInAt ?? this.o.clock.now());
    held.session = session;
    if (!previous) await held.reportFailure('write last-account pointer', held.lastAccount.write(session, this.o.clock.now()));
    emit({ type: 'tokens-refreshed', sub, rotated });
    return { ...session };
  }
}
