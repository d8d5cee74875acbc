/**
 * Owns starting and ending a sign-in in the browser (sign-in, unlock, switch user): the flow record, the auth
 * core's authorize URL, the flow's expiry timer, and cancelling or aborting it back to where it came from.
 * Completing it (the deep link coming back) is callback.ts.
 */
import { toScrubInError, ScrubInError } from '../errors';
import type { SessionView } from '../../common/contract';
import { cancelQuietly, cancelTimer, clearPending, forgetPin, quietly, record, type FlowKind, type Pending, type SessionContext } from './context';
import { dispatch } from './dispatch';
import { canTransition, type MachineEvent } from './machine';
import { UsernameSchema } from './audit-record';
import { enterOffline, ensureReachable, isOfflineFailure } from './offline';
import { notify, view } from './view';

const EVENT: Record<FlowKind, MachineEvent> = { 'sign-in': 'SIGN_IN', unlock: 'UNLOCK', switch: 'SWITCH' };

export async function signIn(ctx: SessionContext, options: { federated?: boolean } = {}): Promise<SessionView> {
  const federated = options.federated === true;
  if (federated && !ctx.federatedIdp) {
    throw new ScrubInError('invalid_request', { detail: 'federated sign-in requested but userPool.identityProvider is not configured' });
  }
  return beginFlow(ctx, 'sign-in', null, federated);
}

/** Unlock = forced re-authentication of the same person (login hint), by the way they signed in. */
export async function unlock(ctx: SessionContext): Promise<SessionView> {
  const who = ctx.state.person;
  return beginFlow(ctx, 'unlock', who?.session.username ?? null, who?.federated ?? false);
}

/** Switch user from the lock screen: a forced sign-in of anyone. */
export async function switchUser(ctx: SessionContext): Promise<SessionView> {
  // Someone else takes over: the PIN of the person holding the terminal is gone, whether or not the switch completes.
  if (canTransition(ctx.state.machine, 'SWITCH')) forgetPin(ctx);
  return beginFlow(ctx, 'switch', null, false);
}

async function beginFlow(ctx: SessionContext, kind: FlowKind, forUser: string | null, federated: boolean): Promise<SessionView> {
  const s = ctx.state;
  await s.signingOut;
  if (s.completing) throw new ScrubInError('illegal_transition', { detail: 'a sign-in is being completed' });
  // No browser onto an error page: when the sign-in service does not answer, the offline screen instead.
  if (!(await ensureReachable(ctx, kind))) return view(ctx);
  dispatch(ctx, EVENT[kind]);
  // A new click replaces the flow in progress (the auth core keeps one pending flow at a time).
  clearPending(ctx);
  s.lastError = null;
  const flow: Pending = { id: ++s.flowSeq, kind, forUser, federated, expiresAt: null };
  s.pending = flow;
  // The person is about to spend seconds in the browser: the identity pool's connection is ready when they return.
  quietly(ctx, () => ctx.credentials?.preconnect?.());
  let begun: { authorizeUrl: string; expiresAt: number };
  try {
    begun = await ctx.auth.beginSignIn({
      forceLogin: ctx.shared || kind !== 'sign-in',
      ...(forUser === null ? {} : { loginHint: forUser }),
      ...(federated && ctx.federatedIdp ? { identityProvider: ctx.federatedIdp } : {}),
    });
  } catch (error) {
    const typed = toScrubInError(error);
    if (s.pending === flow) abortFlow(ctx, typed);
    // The service stopped answering between the check and the discovery: the offline screen, not an error.
    if (ctx.state.offline) return view(ctx);
    throw typed;
  }
  if (s.pending !== flow) return view(ctx);
  flow.expiresAt = begun.expiresAt;
  cancelTimer(ctx, 'flow');
  s.timers.flow = ctx.clock.setTimer(Math.max(0, begun.expiresAt - ctx.clock.now()), () => {
    onFlowExpired(ctx, flow.id);
  });
  quietly(ctx, () => {
    ctx.openBrowser(begun.authorizeUrl);
  });
  notify(ctx);
  return view(ctx);
}

function onFlowExpired(ctx: SessionContext, id: number): void {
  ctx.state.timers.flow = null;
  if (ctx.state.pending?.id !== id) return;
  cancelQuietly(ctx);
  abortFlow(ctx, new ScrubInError('flow_expired'));
}

export function cancelSignIn(ctx: SessionContext): SessionView {
  const s = ctx.state;
  const flow = s.pending;
  const phase = s.machine.phase;
  if ((phase !== 'signing-in' && phase !== 'unlocking') || s.completing) {
    throw new ScrubInError('illegal_transition', {
      detail: s.completing ? 'the sign-in is already being completed' : `no sign-in to cancel while the terminal is ${phase}`,
    });
  }
  cancelQuietly(ctx);
  if (flow) abortFlow(ctx, new ScrubInError('flow_cancelled'));
  else {
    s.lastError = null;
    dispatch(ctx, s.machine.phase === 'signing-in' ? 'SIGN_IN_ABORTED' : 'UNLOCK_ABORTED');
  }
  return view(ctx);
}

/** Ends the pending flow (failure, cancel, expiry) and returns to where it came from. */
export function abortFlow(ctx: SessionContext, error: ScrubInError): void {
  const s = ctx.state;
  const flow = s.pending;
  if (!flow) return;
  clearPending(ctx);
  record(ctx, {
    event: 'sign-in-failed',
    outcome: 'failed',
    during: flow.kind,
    code: error.code,
    forUser: flow.forUser !== null && UsernameSchema.safeParse(flow.forUser).success ? flow.forUser : null,
  });
  s.lastError = error.code === 'flow_cancelled' ? null : error.toView();
  dispatch(ctx, flow.kind === 'sign-in' ? 'SIGN_IN_ABORTED' : 'UNLOCK_ABORTED');
  // The token endpoint (or discovery) did not answer mid-sign-in: the offline screen, re-checked until it is back.
  if (isOfflineFailure(error)) enterOffline(ctx, 'sign-in', flow.kind);
}
