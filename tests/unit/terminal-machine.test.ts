import { describe, expect, it } from 'vitest';
import { isScrubInError } from '../../main/errors';
import { canTransition, gateOf, INITIAL_STATE, transition, TRANSITIONS, type MachineEvent, type MachineState, type Phase } from '../../main/terminal/machine';
import { SessionStateSchema } from '../../common/contract';

const PHASES = SessionStateSchema.options;
const EVENTS: MachineEvent[] = [
  'START', 'STARTED_SIGNED_OUT', 'STARTED_RESTORED', 'START_FAILED', 'GUEST', 'GUEST_FAILED', 'SIGN_IN', 'SIGN_IN_DONE',
  'SIGN_IN_ABORTED', 'LOCK', 'UNLOCK', 'SWITCH', 'UNLOCK_DONE', 'UNLOCK_ABORTED', 'PIN_UNLOCK', 'SESSION_CAP', 'SIGN_OUT',
];

/** The policy, written out independently of the implementation's table: [from, event, to]. */
const EXPECTED: [Phase, MachineEvent, Phase][] = [
  ['starting', 'START', 'starting'],
  ['starting', 'STARTED_SIGNED_OUT', 'signed-out'],
  ['starting', 'STARTED_RESTORED', 'signed-in'],
  ['starting', 'START_FAILED', 'error'],
  ['signed-out', 'GUEST', 'guest'],
  ['signed-out', 'SIGN_IN', 'signing-in'],
  ['guest', 'SIGN_IN', 'signing-in'],
  ['guest', 'GUEST_FAILED', 'signed-out'],
  ['guest', 'SIGN_OUT', 'signed-out'],
  ['signing-in', 'SIGN_IN', 'signing-in'],
  ['signing-in', 'SIGN_IN_DONE', 'signed-in'],
  ['signing-in', 'SIGN_IN_ABORTED', 'signed-out'],
  ['signing-in', 'GUEST_FAILED', 'signing-in'],
  ['signing-in', 'SIGN_OUT', 'signed-out'],
  ['signed-in', 'LOCK', 'locked'],
  ['signed-in', 'SESSION_CAP', 'signed-out'],
  ['signed-in', 'SIGN_OUT', 'signed-out'],
  ['locked', 'UNLOCK', 'unlocking'],
  ['locked', 'SWITCH', 'unlocking'],
  ['locked', 'PIN_UNLOCK', 'signed-in'],
  ['locked', 'SESSION_CAP', 'signed-out'],
  ['locked', 'SIGN_OUT', 'signed-out'],
  ['unlocking', 'UNLOCK', 'unlocking'],
  ['unlocking', 'SWITCH', 'unlocking'],
  ['unlocking', 'UNLOCK_DONE', 'signed-in'],
  ['unlocking', 'UNLOCK_ABORTED', 'locked'],
  ['unlocking', 'SESSION_CAP', 'signed-out'],
  ['unlocking', 'SIGN_OUT', 'signed-out'],
  ['error', 'START', 'starting'],
  ['error', 'GUEST', 'guest'],
  ['error', 'SIGN_IN', 'signing-in'],
  ['error', 'SIGN_OUT', 'signed-out'],
];

describe('terminal state machine', () => {
  it('the table has exactly the expected transitions; every other (state, event) pair is illegal_transition', () => {
    let legal = 0;
    for (const phase of PHASES) {
      for (const event of EVENTS) {
        const expected = EXPECTED.find(([from, ev]) => from === phase && ev === event);
        const state: MachineState = { phase, origin: 'signed-out', started: false };
        if (expected) {
          expect(transition(state, event).phase, `${phase} --${event}-->`).toBe(expected[2]);
          legal++;
        } else {
          let caught: unknown;
          try {
            transition(state, event);
          } catch (error) {
            caught = error;
          }
          expect(isScrubInError(caught, 'illegal_transition'), `${phase} --${event}--> must be illegal`).toBe(true);
        }
      }
    }
    expect(legal).toBe(EXPECTED.length);
    // START runs once: a second START while starting is illegal; after an error it may run again.
    const started = transition({ phase: 'starting', origin: 'signed-out', started: false }, 'START');
    expect(() => transition(started, 'START')).toThrow(/illegal_transition/);
    expect(transition(transition(started, 'START_FAILED'), 'START').phase).toBe('starting');
    expect(Object.values(TRANSITIONS).reduce((n, row) => n + Object.keys(row).length, 0)).toBe(EXPECTED.length);
  });

  it('a sign-in started from guest returns to guest when abandoned, and keeps the guest gate open meanwhile', () => {
    const signingIn = transition({ phase: 'guest', origin: 'signed-out', started: true }, 'SIGN_IN');
    expect(signingIn).toMatchObject({ phase: 'signing-in', origin: 'guest' });
    expect(gateOf(signingIn)).toBe('open');
    expect(transition(signingIn, 'SIGN_IN')).toMatchObject({ phase: 'signing-in', origin: 'guest' }); // restart keeps the origin
    expect(transition(signingIn, 'SIGN_IN_ABORTED')).toEqual({ phase: 'guest', origin: 'signed-out', started: true });
    const guestGone = transition(signingIn, 'GUEST_FAILED');
    expect(gateOf(guestGone)).toBe('signed-out');
    expect(transition(guestGone, 'SIGN_IN_ABORTED').phase).toBe('signed-out');
    const fromSignedOut = transition({ phase: 'signed-out', origin: 'signed-out', started: true }, 'SIGN_IN');
    expect(gateOf(fromSignedOut)).toBe('signed-out');
    expect(transition(fromSignedOut, 'SIGN_IN_ABORTED').phase).toBe('signed-out');
  });

  it('quick unlock goes from locked straight to signed in (no browser flow), with the gate open again', () => {
    const unlocked = transition({ phase: 'locked', origin: 'signed-out', started: true }, 'PIN_UNLOCK');
    expect(unlocked).toEqual({ phase: 'signed-in', origin: 'signed-out', started: true });
    expect(gateOf(unlocked)).toBe('open');
    for (const phase of PHASES.filter((p) => p !== 'locked')) {
      expect(() => transition({ phase, origin: 'signed-out', started: true }, 'PIN_UNLOCK'), phase).toThrow(/illegal_transition/);
    }
  });

  it('the credentials gate is open only while signed in or a guest session runs', () => {
    const gates = Object.fromEntries(PHASES.map((phase) => [phase, gateOf({ phase, origin: 'signed-out', started: true })]));
    expect(gates).toEqual({
      starting: 'signed-out',
      'signed-out': 'signed-out',
      guest: 'open',
      'signing-in': 'signed-out',
      'signed-in': 'open',
      locked: 'locked',
      unlocking: 'locked',
      error: 'signed-out',
    });
  });

  it('canTransition says yes exactly where transition succeeds, for every phase, event, origin and started flag', () => {
    for (const phase of PHASES) {
      for (const event of EVENTS) {
        for (const origin of ['signed-out', 'guest'] as const) {
          for (const started of [false, true]) {
            const state: MachineState = { phase, origin, started };
            let legal = true;
            try {
              transition(state, event);
            } catch (error) {
              expect(isScrubInError(error, 'illegal_transition')).toBe(true);
              legal = false;
            }
            expect(canTransition(state, event), `${phase}/${origin}/${String(started)} --${event}-->`).toBe(legal);
            const listed = EXPECTED.some(([from, ev]) => from === phase && ev === event);
            expect(legal).toBe(listed && !(phase === 'starting' && event === 'START' && started));
          }
        }
      }
    }
  });

  it('a refused transition names the event and the phase (for the diagnostics log)', () => {
    let caught: unknown;
    try {
      transition({ phase: 'locked', origin: 'signed-out', started: true }, 'LOCK');
    } catch (error) {
      caught = error;
    }
    expect(isScrubInError(caught, 'illegal_transition')).toBe(true);
    if (!isScrubInError(caught)) return;
    expect(caught.detail).toContain('LOCK');
    expect(caught.detail).toContain('locked');
  });

  it('a fresh terminal starts once: INITIAL_STATE is starting, not yet started, and takes exactly one START', () => {
    expect(INITIAL_STATE).toEqual({ phase: 'starting', origin: 'signed-out', started: false });
    expect(canTransition(INITIAL_STATE, 'START')).toBe(true);
    const starting = transition(INITIAL_STATE, 'START');
    expect(starting).toEqual({ phase: 'starting', origin: 'signed-out', started: true });
    expect(canTransition(starting, 'START')).toBe(false);
    expect(gateOf(INITIAL_STATE)).toBe('signed-out');
  });

  it('started becomes true with START and then stays; the origin is kept only while signing in', () => {
    const first = transition({ phase: 'starting', origin: 'signed-out', started: false }, 'START');
    expect(first).toEqual({ phase: 'starting', origin: 'signed-out', started: true });
    expect(transition(first, 'STARTED_SIGNED_OUT')).toEqual({ phase: 'signed-out', origin: 'signed-out', started: true });
    expect(transition({ phase: 'starting', origin: 'signed-out', started: false }, 'START_FAILED')).toEqual({ phase: 'error', origin: 'signed-out', started: false });
    // A guest origin left over in any other phase is reset: only signing-in carries one.
    for (const [from, event, to] of EXPECTED) {
      const next = transition({ phase: from, origin: 'guest', started: !(from === 'starting' && event === 'START') }, event);
      if (to === 'signing-in') continue;
      expect(next, `${from} --${event}-->`).toEqual({ phase: to === 'signed-out' && event === 'SIGN_IN_ABORTED' ? 'guest' : to, origin: 'signed-out', started: true });
    }
    // SIGN_IN from error or signed-out starts with the signed-out origin whatever was recorded before.
    expect(transition({ phase: 'error', origin: 'guest', started: true }, 'SIGN_IN')).toEqual({ phase: 'signing-in', origin: 'signed-out', started: true });
    expect(transition({ phase: 'signed-out', origin: 'guest', started: true }, 'SIGN_IN')).toEqual({ phase: 'signing-in', origin: 'signed-out', started: true });
    // GUEST_FAILED while signing in on top of a guest session: the sign-in now returns to signed-out.
    expect(transition({ phase: 'signing-in', origin: 'guest', started: true }, 'GUEST_FAILED')).toEqual({ phase: 'signing-in', origin: 'signed-out', started: true });
  });
});
