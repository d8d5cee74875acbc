/**
 * The `Logins` of a user's identity-pool request: the current ID token, refreshed first when it is within
 * `skewMs` of its expiry (the pool allows 5 minutes of skew, an expired token costs a round trip), and refreshed
 * once more when the pool answers NotAuthorizedException. One ID-token refresh at a time.
 */
import { SingleFlight } from '../lib';
import type { Clock } from '../clock';
import { toScrubInError, type ScrubInError } from '../errors';
import type { IdToken, IdTokenSource } from './id-token';
import { failureKind } from './pool-calls';
import type { Context } from './session';
import type { CredentialsEvent } from './types';

export interface UserLogins {
  /** The Logins map for `idToken`. */
  of(idToken: string): Record<string, string>;
  /** Runs `run` with a fresh ID token; on NotAuthorizedException refreshes the token once (per request) and retries. */
  run<T>(sub: string, ctx: Context, run: (token: IdToken) => Promise<T>): Promise<T>;
}

export interface UserLoginsOptions {
  idTokens: IdTokenSource;
  /** The pool's key for the user pool (`cognito-idp.<region>.amazonaws.com/<poolId>`). */
  loginsKey: string;
  clock: Clock;
  skewMs: number;
  emit: (event: CredentialsEvent) => void;
  /** The error for a token that belongs to someone else by now (see `ProviderSession.sessionChanged`). */
  sessionChanged: () => ScrubInError;
}

export function createUserLogins(options: UserLoginsOptions): UserLogins {
  const { idTokens, clock, emit } = options;
  const refreshing = new SingleFlight<IdToken>();
  const refreshOnce = (): Promise<IdToken> => refreshing.run(() => idTokens.refresh());

  async function freshToken(sub: string, force: boolean): Promise<IdToken> {
    const current = idTokens.current();
    if (!current || current.sub !== sub) throw options.sessionChanged();
    if (!force && current.expiresAt - clock.now() > options.skewMs) return current;
    emit({ type: 'id-token-refresh', reason: force ? 'not-authorized' : 'expiring' });
    let next: IdToken;
    try {
      next = await refreshOnce();
    } catch (error) {
      throw toScrubInError(error, 'refresh_rejected', 'the ID token could not be refreshed for AWS credentials');
    }
    if (next.sub !== sub) throw options.sessionChanged();
    return next;
  }

  return {
    of: (idToken) => ({ [options.loginsKey]: idToken }),
    async run(sub, ctx, run) {
      const token = await freshToken(sub, false);
      try {
        return await run(token);
      } catch (error) {
        if (failureKind(error) !== 'not-authorized' || ctx.tokenRefreshed) throw error;
        ctx.tokenRefreshed = true;
        return run(await freshToken(sub, true));
      }
    },
  };
}
