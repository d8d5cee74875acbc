/**
 * Owns completing a sign-in when its deep link comes back: callbacks that are not ours are dropped and
 * audited; the auth core stages the sign-in, and the terminal decides what it is: a sign-in, an unlock by the
 * same person, or a switch (the previous person signed out for real BEFORE the new session is committed).
 */
import { toScrubInError, type ErrorCode } from '../errors';
import type { SessionView } from '../../common/contract';
import { auditUser, clearPending, problem, problemHandler, record, type Pending, type Person, type SessionContext } from './context';
import { loadIdToken, prefetchCredentials } from './credentials-link';
import { dispatch } from './dispatch';
import { upgradeGuest } from './guest';
import type { StagedSignIn, TerminalAuthSession } from './ports';
import { afterCredentials } from './settings-link';
import { abortFlow } from './sign-in';
import { endFailedSwitch, signOutPerson } from './sign-out';
import { view } from './view';

/** Callback failures that mean "this link is not ours / not now": dropped and audited, state kept. */
const DROPPED: ReadonlySet<ErrorCode> = new Set(['callback_rejected', 'state_mismatch', 'no_pending_flow']);

/** Never throws: failures end the pending sign-in and show in the view's `lastError`. */
export async function handleCallback(ctx: SessionContext, url: string): Promise<SessionView> {
  const s = ctx.state;
  if (url.startsWith(ctx.config.logoutUri)) return view(ctx); // the browser coming back from /logout: nothing to do
  const flow = s.pending;
  if (!flow || flow.expiresAt === null || s.completing) {
    record(ctx, { event: 'callback-dropped', outcome: 'refused', code: 'no_pending_flow' });
    return view(ctx);
  }
  s.completing = true;
  let staged: StagedSignIn;
  try {
    staged = await ctx.auth.completeSignIn(url, { stage: true });
  } catch (error) {
    s.completing = false;
    const typed = toScrubInError(error);
    if (DROPPED.has(typed.code)) {
      record(ctx, { event: 'callback-dropped', outcome: 'refused', code: typed.code });
      return view(ctx);
    }
    if (s.pending === flow) abortFlow(ctx, typed);
    return view(ctx);
  }
  try {
    if (s.pending !== flow) {
      await staged.discard().catch(problemHandler(ctx));
      return view(ctx);
    }
    await completeFlow(ctx, flow, staged);
  } finally {
    s.completing = false;
  }
  return view(ctx);
}

async function completeFlow(ctx: SessionContext, flow: Pending, staged: StagedSignIn): Promise<void> {
  const s = ctx.state;
  const fromGuest = s.machine.phase === 'signing-in' && s.machine.origin === 'guest';
  const previous = s.person;
  const switching = flow.kind !== 'sign-in' && previous !== null && previous.session.sub !== staged.session.sub;

  if (switching) {
    // A switch: end the previous person's session for real BEFORE the new one is committed.
    await signOutPerson(ctx, previous, 'switch');
    if (s.pending !== flow) {
      // Capped or signed out meanwhile: the new session is not taken.
      await staged.discard().catch(problemHandler(ctx));
      return;
    }
  }

  let session: TerminalAuthSession;
  try {
    session = await commitStaged(ctx, staged);
  } catch (error) {
    const typed = toScrubInError(error);
    if (s.pending !== flow) return;
    if (switching) endFailedSwitch(ctx, typed);
    else abortFlow(ctx, typed);
    return;
  }
  // Cancelled while committing: nobody was asked to stay signed in.
  if (s.pending !== flow) return;
  await loadIdToken(ctx).catch(problemHandler(ctx));
  clearPending(ctx);
  s.lastError = null;

  if (flow.kind === 'sign-in') await finishSignIn(ctx, flow, session, fromGuest);
  else if (previous !== null && previous.session.sub === session.sub) await finishUnlock(ctx, previous, session);
  else await finishSwitch(ctx, flow, previous, session);
}

/** Makes the staged sign-in the current session; a failed commit discards it (revoked, forgotten). */
async function commitStaged(ctx: SessionContext, staged: StagedSignIn): Promise<TerminalAuthSession> {
  try {
    return await staged.commit();
  } catch (error) {
    try {
      await staged.discard();
    } catch (e) {
      problem(ctx, e);
    }
    throw toScrubInError(error);
  }
}

// In each finish below the credentials request starts first and overlaps the (fsynced) audit record.

async function finishSignIn(ctx: SessionContext, flow: Pending, session: TerminalAuthSession, fromGuest: boolean): Promise<void> {
  const next = newPerson(ctx, flow, session);
  dispatch(ctx, 'SIGN_IN_DONE');
  const ready = afterCredentials(ctx, next, () => (fromGuest ? upgradeGuest(ctx, next) : prefetchCredentials(ctx)));
  record(ctx, { event: 'sign-in', outcome: 'ok', user: auditUser(session), via: flow.federated ? 'federated' : 'managed-login', forced: ctx.shared });
  await ready;
}

/** The same person unlocked: same session start, same cap. */
async function finishUnlock(ctx: SessionContext, previous: Person, session: TerminalAuthSession): Promise<void> {
  const same: Person = { ...previous, session };
  ctx.state.person = same;
  ctx.state.capFor = same;
  dispatch(ctx, 'UNLOCK_DONE');
  const ready = afterCredentials(ctx, same, () => prefetchCredentials(ctx));
  record(ctx, { event: 'unlock', outcome: 'ok', user: auditUser(session) });
  await ready;
}

/** Someone else completed the unlock (the previous person is signed out already): a new session, a new cap. */
async function finishSwitch(ctx: SessionContext, flow: Pending, previous: Person | null, session: TerminalAuthSession): Promise<void> {
  const next = newPerson(ctx, flow, session);
  dispatch(ctx, 'UNLOCK_DONE');
  const ready = afterCredentials(ctx, next, () => prefetchCredentials(ctx));
  if (previous) record(ctx, { event: 'switch', outcome: 'ok', from: auditUser(previous.session), to: auditUser(session) });
  record(ctx, { event: 'sign-in', outcome: 'ok', user: auditUser(session), via: flow.federated ? 'federated' : 'managed-login', forced: true });
  await ready;
}

function newPerson(ctx: SessionContext, flow: Pending, session: TerminalAuthSession): Person {
  const next: Person = { session, startedAt: ctx.clock.now(), federated: flow.federated };
  ctx.state.person = next;
  ctx.state.creds = null;
  return next;
}
