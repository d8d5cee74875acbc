/**
 * Guest sessions and the deliberate linking of a guest identity at sign-in.
 *
 * - Guest credentials: GetId without Logins (the guest IdentityId is cached per terminal), then
 *   GetCredentialsForIdentity of the unauthenticated role; a cached guest id that vanished, or was linked to a
 *   login since, is replaced by a new guest identity, once.
 * - Linking: GetCredentialsForIdentity with the guest IdentityId and the user's Logins. `kept` when the guest
 *   identity became the user's, `merged` when the service merged it into the user's earlier identity; a guest
 *   identity that is gone or cannot take this login is given up, and the user's own identity is used instead.
 */
import type { GetCredentialsForIdentityCommandOutput } from '@aws-sdk/client-cognito-identity';
import type { ScrubInError } from '../errors';
import type { CredentialsCache } from './credentials-cache';
import type { FailureKind } from './classify';
import { credentialsError } from './failures';
import { reportedRole, type IdToken, type IdTokenSource } from './id-token';
import type { IdentityCache } from './identity-cache';
import { failureKind, returnedId, toCredentials, type PoolCalls } from './pool-calls';
import { GUEST_KEY, type Context, type ProviderSession, type Subject, type UserSubject } from './session';
import type { AwsCredentials, CredentialsEvent } from './types';
import type { UserLogins } from './user-logins';

/** Link failures after which the guest identity is given up and the user's own identity is used. */
const LINK_FALLBACK: ReadonlySet<FailureKind> = new Set(['not-authorized', 'not-found', 'conflict']);

export type LinkOutcome = { linked: 'kept' | 'merged'; identityId: string };

export interface Guests {
  /** Credentials for the active guest session. */
  fetch(ctx: Context): Promise<AwsCredentials>;
  /** Links the guest identity to the user; undefined when there is none to link (the user's own is used then). */
  link(subject: UserSubject, ctx: Context): Promise<{ identityId: string; creds: AwsCredentials } | undefined>;
  /** Ends the guest session and drops its credentials (the guest IdentityId stays cached). */
  end(): void;
  /** The outcome of the last link for `sub`, handed out once. */
  takeOutcome(sub: string): LinkOutcome | undefined;
  /** Forgets every link outcome (a drop). */
  clear(): void;
}

export interface GuestsOptions {
  session: ProviderSession;
  cache: CredentialsCache;
  ids: IdentityCache;
  calls: PoolCalls;
  logins: UserLogins;
  idTokens: IdTokenSource;
  identityPoolId: string;
  emit: (event: CredentialsEvent) => void;
}

export function createGuests(options: GuestsOptions): Guests {
  const { session, ids, calls, emit } = options;
  const outcomes = new Map<string, LinkOutcome>();
  const GUEST: Subject = { kind: 'guest' };
  const fail = (error: unknown, subject: Subject): ScrubInError => credentialsError(error, subject, options);

  function end(): void {
    session.guestActive = false;
    options.cache.delete(GUEST_KEY);
  }

  async function newGuestId(ctx: Context): Promise<string> {
    const out = await calls.getId('guest', ctx, undefined).catch((error: unknown) => {
      throw fail(error, GUEST);
    });
    const identityId = returnedId(out, 'GetId');
    if (session.isCurrent(ctx.gen)) await ids.setGuest(identityId);
    return identityId;
  }

  async function fetch(ctx: Context): Promise<AwsCredentials> {
    const cached = await ids.getGuest();
    let identityId = cached ?? (await newGuestId(ctx));
    for (let retryFresh = cached !== undefined; ; retryFresh = false) {
      try {
        const out = await calls.getCreds('guest', ctx, identityId, undefined, null);
        const returned = returnedId(out, 'GetCredentialsForIdentity');
        if (returned !== identityId && session.isCurrent(ctx.gen)) {
          await ids.setGuest(returned);
          emit({ type: 'identity-replaced', principal: 'guest', reason: 'merged', identityId: returned });
        }
        return toCredentials(out, returned, null);
      } catch (error) {
        const kind = failureKind(error);
        if (retryFresh && (kind === 'not-found' || kind === 'not-authorized')) {
          // A cached guest id that vanished, or that was linked to a login since: start a new guest identity, once.
          await ids.setGuest(undefined);
          identityId = await newGuestId(ctx);
          emit({ type: 'identity-replaced', principal: 'guest', reason: 'not-found', identityId });
          continue;
        }
        throw fail(error, GUEST);
      }
    }
  }

  async function link(subject: UserSubject, ctx: Context): Promise<{ identityId: string; creds: AwsCredentials } | undefined> {
    const guestId = await ids.getGuest();
    if (!guestId) {
      session.guestActive = false;
      return undefined;
    }
    const before = await ids.get(subject.sub);
    let answer: { out: GetCredentialsForIdentityCommandOutput; token: IdToken };
    try {
      answer = await options.logins.run(subject.sub, ctx, async (token) => ({
        out: await calls.getCreds('user', ctx, guestId, options.logins.of(token.idToken), subject.customRole),
        token,
      }));
    } catch (error) {
      const kind = failureKind(error);
      if (kind === undefined || !LINK_FALLBACK.has(kind)) throw fail(error, subject);
      // The guest identity is gone or cannot take this login: forget it and use the user's own identity.
      emit({ type: 'link-failed', reason: kind });
      await ids.setGuest(undefined);
      end();
      ctx.tokenRefreshed = false;
      return undefined;
    }
    const identityId = returnedId(answer.out, 'GetCredentialsForIdentity');
    const linked = identityId === guestId && (before === undefined || before === guestId) ? 'kept' : 'merged';
    if (session.isCurrent(ctx.gen)) {
      await ids.set(subject.sub, identityId);
      await ids.setGuest(undefined);
      end();
      outcomes.set(subject.sub, { linked, identityId });
    }
    emit({ type: 'linked', linked, identityId });
    if (linked === 'merged') emit({ type: 'identity-replaced', principal: 'user', reason: 'merged', identityId });
    return { identityId, creds: toCredentials(answer.out, identityId, reportedRole(subject.customRole, answer.token.idToken)) };
  }

  return {
    fetch,
    link,
    end,
    takeOutcome(sub) {
      const outcome = outcomes.get(sub);
      outcomes.delete(sub);
      return outcome;
    },
    clear: () => {
      outcomes.clear();
    },
  };
}
