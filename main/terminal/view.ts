/**
 * Owns what the UI sees: the `SessionView` snapshot built from the state record, the idle-lock deadline,
 * and pushing a fresh view to the subscribers.
 */
import type { SessionView } from '../../common/contract';
import { emit, gate, type SessionContext } from './context';

/** When the idle lock will fall (null unless someone is signed in and the idle lock is on). */
export function lockAt(ctx: SessionContext): number | null {
  const s = ctx.state;
  return s.machine.phase === 'signed-in' && ctx.idleMs > 0 ? s.lastActivity + ctx.idleMs : null;
}

export function guestAvailable(ctx: SessionContext): boolean {
  return ctx.config.identityPool?.allowGuest === true && ctx.credentials !== null;
}

export function view(ctx: SessionContext): SessionView {
  const { config } = ctx;
  const { machine, person, pending, creds } = ctx.state;
  const s = person?.session;
  const open = gate(ctx) === 'open';
  return {
    state: machine.phase,
    mode: config.terminal.mode,
    terminalId: ctx.terminalId,
    display: ctx.display.current(),
    user: s
      ? {
          username: s.username,
          displayName: s.displayName,
          ...(s.email === undefined ? {} : { email: s.email }),
          groups: [...s.groups],
          roles: [...s.roles],
        }
      : null,
    role: s ? ((open ? creds?.roleArn : null) ?? s.preferredRole ?? null) : null,
    sessionStartedAt: person?.startedAt ?? null,
    sessionEndsAt: person && ctx.shared ? person.startedAt + ctx.capMs : null,
    lockAt: lockAt(ctx),
    credentialsExpireAt: open ? (creds?.expiration ?? null) : null,
    guestAvailable: guestAvailable(ctx),
    settingsAvailable: ctx.settings !== null,
    federatedLabel: ctx.federatedIdp ? (config.userPool.identityProviderLabel ?? ctx.federatedIdp) : null,
    pendingSignIn: pending && pending.expiresAt !== null ? { expiresAt: pending.expiresAt, forUser: pending.forUser } : null,
    lastError: ctx.state.lastError,
  };
}

/** Pushes the current view to every subscriber. */
export function notify(ctx: SessionContext): void {
  if (ctx.state.disposed) return;
  ctx.state.pushedLockAt = lockAt(ctx);
  emit(ctx, ctx.viewListeners, view(ctx));
}
