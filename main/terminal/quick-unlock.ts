/**
 * Owns PIN quick unlock (terminal policy `quickUnlock`, off by default). After a sign-in the person may set a PIN;
 * main keeps only its salted scrypt hash, in memory (pin.ts). Within `graceMinutes` of an IDLE lock the same person
 * unlocks with it: no browser, no network (credentials are renewed afterwards as usual). The PIN stops unlocking,
 * and its hash is wiped, after `maxAttempts` wrong PINs, when the grace period ends, at any other lock (the Lock
 * button, sleep, the OS screen lock), at switch user, sign-out and the shift cap. Every attempt is audited (never
 * the PIN); a wrong PIN is answered only after a growing delay on the session's clock.
 */
import { ScrubInError } from '../errors';
import type { SessionView } from '../../common/contract';
import { auditUser, cancelTimer, forgetPin, record, type PinState, type Person, type SessionContext } from './context';
import { prefetchCredentials } from './credentials-link';
import { dispatch } from './dispatch';
import type { LockReason } from './lock';
import { hashPin, pinMatches, pinShapeOk, pinTooEasy, wrongPinDelayMs } from './pin';
import { afterCredentials } from './settings-link';
import { notify, pinUsable, view } from './view';

/** Sets (or replaces) the signed-in person's PIN. */
export async function setPin(ctx: SessionContext, pin: string): Promise<SessionView> {
  const s = ctx.state;
  const policy = ctx.quickUnlock;
  const who = s.person;
  if (!policy) throw new ScrubInError('pin_unavailable', { detail: 'quickUnlock is not enabled on this terminal' });
  if (s.machine.phase !== 'signed-in' || !who) throw new ScrubInError('illegal_transition', { detail: 'a PIN can be set only while signed in' });
  if (!pinShapeOk(pin, policy.pinLength) || pinTooEasy(pin)) throw new ScrubInError('pin_invalid', { detail: 'PIN refused: wrong length or too easy to guess' });
  const stillSignedIn = (): boolean => s.person === who && s.machine.phase === 'signed-in';
  const secret = await hashPin(pin);
  if (!stillSignedIn()) throw new ScrubInError('illegal_transition', { detail: 'the session changed while the PIN was being set' });
  forgetPin(ctx);
  s.pin = { sub: who.session.sub, secret, failures: 0, graceUntil: null, checking: false };
  record(ctx, { event: 'pin-set', outcome: 'ok', user: auditUser(who.session) });
  notify(ctx);
  return view(ctx);
}

/** One PIN attempt on the lock screen. */
export async function unlockWithPin(ctx: SessionContext, attempt: string): Promise<SessionView> {
  const s = ctx.state;
  const who = s.person;
  const pin = s.pin;
  if (s.machine.phase !== 'locked' || !who) throw new ScrubInError('illegal_transition', { detail: `no PIN unlock while the terminal is ${s.machine.phase}` });
  if (pin?.checking) throw new ScrubInError('illegal_transition', { detail: 'a PIN is being checked' });
  if (!pinUsable(ctx, pin)) return refuse(ctx, who, pin);
  pin.checking = true;
  let matches: boolean;
  try {
    matches = await pinMatches(pin.secret, attempt);
  } finally {
    pin.checking = false;
  }
  // Capped, signed out, switched or expired while the hash was computed: this attempt unlocks nothing.
  if (!stillLocked(ctx, who, pin)) return refuse(ctx, who, s.pin);
  const ordinal = pin.failures + 1;
  if (matches) {
    pin.failures = 0;
    dispatch(ctx, 'PIN_UNLOCK');
    record(ctx, { event: 'quick-unlock', outcome: 'ok', user: auditUser(who.session), result: 'ok', attempt: ordinal });
    // Offline is fine: the person is back at once; credentials (and settings) follow as after any unlock.
    void afterCredentials(ctx, who, () => prefetchCredentials(ctx));
    return view(ctx);
  }
  pin.failures = ordinal;
  const max = ctx.quickUnlock?.maxAttempts ?? 0;
  if (ordinal >= max) {
    record(ctx, { event: 'quick-unlock', outcome: 'failed', user: auditUser(who.session), result: 'exhausted', attempt: ordinal });
    forgetPin(ctx);
    notify(ctx);
    throw new ScrubInError('pin_exhausted', { detail: `${ordinal} wrong PINs` });
  }
  record(ctx, { event: 'quick-unlock', outcome: 'failed', user: auditUser(who.session), result: 'wrong', attempt: ordinal });
  notify(ctx);
  pin.checking = true;
  await new Promise<void>((resolve) => {
    ctx.clock.setTimer(wrongPinDelayMs(ordinal), resolve);
  });
  pin.checking = false;
  throw new ScrubInError('pin_wrong', { detail: `wrong PIN, attempt ${ordinal} of ${max}` });
}

/** The same person's terminal is still locked with the same, usable PIN (read afresh after an await). */
function stillLocked(ctx: SessionContext, who: Person, pin: PinState): boolean {
  const s = ctx.state;
  return s.pin === pin && s.person === who && s.machine.phase === 'locked' && pinUsable(ctx, pin);
}

function refuse(ctx: SessionContext, who: Person, pin: PinState | null): never {
  record(ctx, { event: 'quick-unlock', outcome: 'refused', user: auditUser(who.session), result: 'refused', attempt: 0 });
  if (pin) {
    forgetPin(ctx);
    notify(ctx);
  }
  throw new ScrubInError('pin_unavailable', { detail: 'no PIN unlock possible: none set, grace period over or tries used up' });
}

/**
 * Called just before LOCK: an idle lock of the person with a PIN opens the grace period (its end armed on the
 * clock); any other lock wipes the PIN, so only the full sign-in unlocks.
 */
export function beforeLock(ctx: SessionContext, reason: LockReason): void {
  const s = ctx.state;
  const pin = s.pin;
  if (!pin || !ctx.quickUnlock) return;
  if (reason !== 'idle' || !s.person || pin.sub !== s.person.session.sub) {
    forgetPin(ctx);
    return;
  }
  const graceMs = ctx.quickUnlock.graceMinutes * 60_000;
  pin.graceUntil = ctx.clock.now() + graceMs;
  cancelTimer(ctx, 'grace');
  s.timers.grace = ctx.clock.setTimer(graceMs, () => {
    s.timers.grace = null;
    if (s.pin !== pin) return;
    forgetPin(ctx);
    notify(ctx);
  });
}

/**
 * After every transition (timers.ts): signed in again, the grace period is over; a PIN of anyone but the person
 * holding the terminal (switch, sign-out, cap) is wiped.
 */
export function syncPin(ctx: SessionContext): void {
  const s = ctx.state;
  const pin = s.pin;
  if (!pin) return;
  const phase = s.machine.phase;
  const holder = phase === 'signed-in' || phase === 'locked' || phase === 'unlocking' ? s.person : null;
  if (!holder || holder.session.sub !== pin.sub) {
    forgetPin(ctx);
    return;
  }
  if (phase === 'signed-in') {
    pin.graceUntil = null;
    cancelTimer(ctx, 'grace');
  }
}
