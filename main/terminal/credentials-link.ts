/**
 * Owns the link to the credentials provider (main/identity-pool): the ID-token source it reads, the prefetch after a
 * sign-in / unlock / restore, and `getCredentials` behind the gate (checked before and again after the fetch,
 * a refusal audited once per locked / signed-out period).
 */
import { isScrubInError, ScrubInError, toScrubInError } from '../errors';
import { auditUser, gate, holdCredentials, noIdentityPool, record, SESSION_DEAD, type SessionContext } from './context';
import type { IdTokenSource, TerminalAwsCredentials } from './ports';
import { endPerson } from './sign-out';
import { clearOffline, enterOffline, isOfflineFailure } from './offline';
import { notify } from './view';

/** Reads the auth core's current ID token into the state record (null unless someone is signed in). */
export async function loadIdToken(ctx: SessionContext): Promise<void> {
  const session = ctx.auth.currentSession();
  const tokens = session ? await ctx.auth.getTokens() : null;
  ctx.state.idToken = session && tokens ? { sub: session.sub, idToken: tokens.idToken, expiresAt: session.idTokenExpiresAt } : null;
}

/** The ID tokens the credentials provider uses; a refresh the service refuses ends the session. */
export function createIdTokenSource(ctx: SessionContext): IdTokenSource {
  const s = ctx.state;
  const idTokens: IdTokenSource = {
    current() {
      return s.person && s.idToken && s.idToken.sub === s.person.session.sub ? { ...s.idToken } : null;
    },
    async refresh() {
      const who = s.person;
      if (!who) throw new ScrubInError('signed_out', { detail: 'nobody is signed in' });
      try {
        await ctx.auth.refresh({ force: true });
        if (s.person !== who) throw new ScrubInError('signed_out', { detail: 'the session changed during the refresh' });
        await loadIdToken(ctx);
      } catch (error) {
        const typed = toScrubInError(error);
        if (s.person === who && !isScrubInError(error, 'signed_out')) {
          record(ctx, { event: 'refresh-failed', outcome: 'failed', user: auditUser(who.session), code: typed.code });
          if (SESSION_DEAD.has(typed.code)) void endPerson(ctx, 'refresh-rejected', typed.toView());
        }
        throw typed;
      }
      const current = idTokens.current();
      if (!current) throw new ScrubInError('signed_out', { detail: 'no ID token after the refresh' });
      return current;
    },
  };
  return idTokens;
}

/** Fetches the person's credentials ahead of use; returns their identity id (null when not available). */
export async function prefetchCredentials(ctx: SessionContext): Promise<string | null> {
  const s = ctx.state;
  if (!ctx.credentials || gate(ctx) !== 'open') return null;
  try {
    const c = await ctx.credentials.getCredentials();
    if (gate(ctx) === 'open') {
      holdCredentials(s, c);
      notify(ctx);
      return c.identityId;
    }
  } catch (error) {
    // Sign-in stands; the UI shows why AWS access is not there yet (and the next request retries). No answer at
    // all from the identity pool: the offline screen, re-checked until it is back (then the fetch runs again).
    if (gate(ctx) === 'open') {
      s.lastError = toScrubInError(error).toView();
      if (isOfflineFailure(toScrubInError(error))) enterOffline(ctx, 'credentials', null);
      else notify(ctx);
    }
  }
  return null;
}

export async function getCredentials(ctx: SessionContext, request: { roleArn?: string } = {}): Promise<TerminalAwsCredentials> {
  const s = ctx.state;
  if (gate(ctx) !== 'open') return refuse(ctx);
  if (!ctx.credentials) throw noIdentityPool();
  const who = s.person;
  const c = await ctx.credentials.getCredentials(request.roleArn === undefined ? {} : { roleArn: request.roleArn });
  // Enforced here as well: nothing leaves once the terminal locked or the person changed meanwhile.
  if (gate(ctx) !== 'open') return refuse(ctx);
  if (s.person !== who) throw new ScrubInError('signed_out', { detail: 'the session changed while AWS credentials were being fetched' });
  // The identity pool answers again (Retry on the offline screen asks for credentials).
  const wasOffline = s.offline?.target === 'credentials';
  if (wasOffline) clearOffline(ctx, { quiet: true });
  if (wasOffline || !s.creds || s.creds.expiration !== c.expiration || s.creds.roleArn !== c.roleArn) {
    holdCredentials(s, c);
    notify(ctx);
  }
  return c;
}

function refuse(ctx: SessionContext): never {
  const s = ctx.state;
  const locked = gate(ctx) === 'locked';
  if (!s.refusedAudited) {
    s.refusedAudited = true;
    record(ctx, {
      event: 'credentials-refused',
      outcome: 'refused',
      user: s.person ? auditUser(s.person.session) : null,
      reason: locked ? 'locked' : 'signed-out',
    });
  }
  throw locked
    ? new ScrubInError('locked', { detail: 'AWS credentials refused: the terminal is locked' })
    : new ScrubInError('signed_out', { detail: 'AWS credentials refused: nobody is signed in' });
}
