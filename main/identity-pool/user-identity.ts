/**
 * A signed-in user's IdentityId and credentials.
 *
 * - The IdentityId comes from the on-disk cache (per `sub`), so a returning user needs only
 *   GetCredentialsForIdentity; otherwise from GetId (one per user at a time), then cached. During a guest session
 *   the guest identity is linked instead (main/identity-pool/guest.ts).
 * - A different IdentityId in the answer (the service merged identities) replaces the cached one; a cached id the
 *   pool no longer knows (ResourceNotFoundException) is forgotten and GetId runs again, once.
 */
import { Flights } from '../lib';
import { credentialsError } from './failures';
import type { Guests } from './guest';
import { reportedRole, type IdTokenSource } from './id-token';
import type { IdentityCache } from './identity-cache';
import { failureKind, returnedId, toCredentials, type PoolCalls } from './pool-calls';
import type { Context, ProviderSession, UserSubject } from './session';
import type { AwsCredentials, CredentialsEvent } from './types';
import type { UserLogins } from './user-logins';

interface Identity {
  identityId: string;
  /** Credentials the identity came with (a guest link answers with them), for the role they were asked for. */
  linked?: { customRole: string | null; creds: AwsCredentials };
}

export interface Users {
  fetch(subject: UserSubject, ctx: Context): Promise<AwsCredentials>;
  /** Abandons the IdentityId lookup of `sub` (its cached id is being forgotten). */
  forget(sub: string): void;
  /** Abandons every IdentityId lookup (a drop). */
  clear(): void;
}

export interface UsersOptions {
  session: ProviderSession;
  ids: IdentityCache;
  calls: PoolCalls;
  logins: UserLogins;
  guests: Guests;
  idTokens: IdTokenSource;
  identityPoolId: string;
  emit: (event: CredentialsEvent) => void;
}

export function createUsers(options: UsersOptions): Users {
  const { session, ids, calls, logins, emit } = options;
  const lookups = new Flights<string, Identity>();
  const linkedFor = (identity: Identity, subject: UserSubject): AwsCredentials | undefined =>
    identity.linked && identity.linked.customRole === subject.customRole ? identity.linked.creds : undefined;

  /** The user's IdentityId; concurrent requests for the same user share one lookup. */
  function identity(subject: UserSubject, ctx: Context): Promise<Identity> {
    return lookups.run(subject.sub, () => lookUp(subject, ctx));
  }

  async function lookUp(subject: UserSubject, ctx: Context): Promise<Identity> {
    if (session.guestActive) {
      const linked = await options.guests.link(subject, ctx);
      if (linked) return { identityId: linked.identityId, linked: { customRole: subject.customRole, creds: linked.creds } };
    }
    const cached = await ids.get(subject.sub);
    if (cached) return { identityId: cached };
    const out = await logins.run(subject.sub, ctx, (token) => calls.getId('user', ctx, logins.of(token.idToken))).catch((error: unknown) => {
      throw credentialsError(error, subject, options);
    });
    const identityId = returnedId(out, 'GetId');
    if (session.isCurrent(ctx.gen)) await ids.set(subject.sub, identityId);
    return { identityId };
  }

  async function fetch(subject: UserSubject, ctx: Context): Promise<AwsCredentials> {
    let current = await identity(subject, ctx);
    const linked = linkedFor(current, subject);
    if (linked) return linked;
    for (let notFoundRetry = true; ; notFoundRetry = false) {
      const requestedId = current.identityId;
      try {
        const answer = await logins.run(subject.sub, ctx, async (token) => ({
          out: await calls.getCreds('user', ctx, requestedId, logins.of(token.idToken), subject.customRole),
          token,
        }));
        const identityId = returnedId(answer.out, 'GetCredentialsForIdentity');
        if (identityId !== requestedId) {
          if (session.isCurrent(ctx.gen)) await ids.set(subject.sub, identityId);
          emit({ type: 'identity-replaced', principal: 'user', reason: 'merged', identityId });
        }
        return toCredentials(answer.out, identityId, reportedRole(subject.customRole, answer.token.idToken));
      } catch (error) {
        if (notFoundRetry && failureKind(error) === 'not-found') {
          // The cached IdentityId no longer exists (deleted or merged away): forget it and GetId again, once.
          if ((await ids.get(subject.sub)) === requestedId) await ids.delete(subject.sub);
          current = await identity(subject, ctx);
          emit({ type: 'identity-replaced', principal: 'user', reason: 'not-found', identityId: current.identityId });
          const relinked = linkedFor(current, subject);
          if (relinked) return relinked;
          continue;
        }
        throw credentialsError(error, subject, options);
      }
    }
  }

  return {
    fetch,
    forget: (sub) => {
      lookups.forget((key) => key === sub);
    },
    clear: () => {
      lookups.forget();
    },
  };
}
