/**
 * Owns what the UI sees: the `SessionView` snapshot built from the state record, the idle-lock deadline,
 * and pushing a fresh view to the subscribers.
 */
import type { SessionView } from '../../common/contract';
import { emit, gate, type PinState, type SessionContext } from './context';

/** When the idle lock will fall (null unless someone is signed in and the idle lock is on). */
export function lockAt(ctx: SessionContext): number | null {
  const s = ctx.state;
  return s.machine.phase === 'signed-in' && ctx.idleMs > 0 ? s.lastActivity + ctx.idleMs : null;
}

/** Whether `pin` unlocks the terminal now: the person's own, within the grace of an idle lock, tries left. */
export function pinUsable(ctx: SessionContext, pin: PinState | null): pin is PinState {
  const { person } = ctx.state;
  return (
    ctx.quickUnlock !== null &&
    pin !== null &&
    person !== null &&
    pin.sub === person.session.sub &&
    pin.graceUntil !== null &&
    ctx.clock.now() < pin.graceUntil &&
    pin.failures < ctx.quickUnlock.maxAttempts
  );
}

/** What the UI knows of quick unlock (null when IT has not switched it on): never the PIN or its hash. */
function quickUnlockView(ctx: SessionContext): SessionView['quickUnlock'] {
  const policy = ctx.quickUnlock;
  if (!policy) return null;
  const { pin, person, machine } = ctx.state;
  const own = pin !== null && person !== null && pin.sub === person.session.sub ? pin : null;
  const available = machine.phase === 'locked' && pinUsable(ctx, own);
  return {
    pinLength: policy.pinLength,
    pinSet: own !== null,
    available,
    attemptsLeft: own ? policy.maxAttempts - own.failures : null,
    graceEndsAt: available ? own.graceUntil : null,
  };
}

/** The countdown before the idle lock: seconds left now (null unless it shows). */
function lockWarningView(ctx: SessionContext): SessionView['lockWarning'] {
  const at = lockAt(ctx);
  if (!ctx.state.lockWarning || at === null) return null;
  return { secondsLeft: Math.max(0, Math.ceil((at - ctx.clock.now()) / 1000)) };
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
    lockWarning: lockWarningView(ctx),
    quickUnlock: quickUnlockView(ctx),
    offline: ctx.state.offline
      ? { target: ctx.state.offline.target, during: ctx.state.offline.during, since: ctx.state.offline.since, nextCheckAt: ctx.state.offline.nextCheckAt }
      : null,
  };
}

/** Pushes the current view to every subscriber. */
export function notify(ctx: SessionContext): void {
  if (ctx.state.disposed) return;
  ctx.state.pushedLockAt = lockAt(ctx);
  emit(ctx, ctx.viewListeners, view(ctx));
}
