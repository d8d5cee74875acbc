/**
 * The terminal session's state machine: the ONE place that decides every transition. The session
 * (session.ts) dispatches an event before it acts; an event that the table does not list for the current
 * phase is rejected with `illegal_transition`, never ignored.
 *
 *   starting --START (once)--> starting  --STARTED(restored)--> signed-in | signed-out        --START_FAILED--> error
 *   signed-out|error --GUEST--> guest --GUEST_FAILED--> signed-out
 *   signed-out|guest|error|signing-in --SIGN_IN--> signing-in --SIGN_IN_DONE--> signed-in
 *   signing-in --SIGN_IN_ABORTED--> (where it came from: signed-out or guest)
 *   signed-in --LOCK--> locked --UNLOCK|SWITCH--> unlocking --UNLOCK_DONE--> signed-in (same person, or switched)
 *   unlocking --UNLOCK_ABORTED--> locked
 *   locked --PIN_UNLOCK--> signed-in (quick unlock: the same person's PIN within the grace period; quick-unlock.ts decides)
 *   signed-in|locked|unlocking --SESSION_CAP--> signed-out
 *   anything but starting|signed-out --SIGN_OUT--> signed-out
 *   error --START--> starting
 */
import type { SessionState } from '../../common/contract';
import { ScrubInError } from '../errors';
import type { GateState } from './ports';

export type Phase = SessionState;
/** Where an abandoned sign-in returns to. */
export type Origin = 'signed-out' | 'guest';

export interface MachineState {
  readonly phase: Phase;
  /** Meaningful while `signing-in`: the phase a failed or cancelled sign-in returns to. */
  readonly origin: Origin;
  /** Whether START ran (it runs once from the initial `starting`, and again only from `error`). */
  readonly started: boolean;
}

export type MachineEvent =
  | 'START'
  | 'STARTED_SIGNED_OUT'
  | 'STARTED_RESTORED'
  | 'START_FAILED'
  | 'GUEST'
  | 'GUEST_FAILED'
  | 'SIGN_IN'
  | 'SIGN_IN_DONE'
  | 'SIGN_IN_ABORTED'
  | 'LOCK'
  | 'UNLOCK'
  | 'SWITCH'
  | 'UNLOCK_DONE'
  | 'UNLOCK_ABORTED'
  | 'PIN_UNLOCK'
  | 'SESSION_CAP'
  | 'SIGN_OUT';

type Target = Phase | ((state: MachineState) => Phase);

/** The transition table. Rows: current phase; columns: event; cell: next phase. */
export const TRANSITIONS: { readonly [P in Phase]: Partial<Record<MachineEvent, Target>> } = {
  starting: { START: 'starting', STARTED_SIGNED_OUT: 'signed-out', STARTED_RESTORED: 'signed-in', START_FAILED: 'error' },
  'signed-out': { GUEST: 'guest', SIGN_IN: 'signing-in' },
  guest: { SIGN_IN: 'signing-in', GUEST_FAILED: 'signed-out', SIGN_OUT: 'signed-out' },
  'signing-in': {
    SIGN_IN: 'signing-in',
    SIGN_IN_DONE: 'signed-in',
    SIGN_IN_ABORTED: (s) => s.origin,
    GUEST_FAILED: 'signing-in',
    SIGN_OUT: 'signed-out',
  },
  'signed-in': { LOCK: 'locked', SESSION_CAP: 'signed-out', SIGN_OUT: 'signed-out' },
  locked: { UNLOCK: 'unlocking', SWITCH: 'unlocking', PIN_UNLOCK: 'signed-in', SESSION_CAP: 'signed-out', SIGN_OUT: 'signed-out' },
  unlocking: {
    UNLOCK: 'unlocking',
    SWITCH: 'unlocking',
    UNLOCK_DONE: 'signed-in',
    UNLOCK_ABORTED: 'locked',
    SESSION_CAP: 'signed-out',
    SIGN_OUT: 'signed-out',
  },
  error: { START: 'starting', GUEST: 'guest', SIGN_IN: 'signing-in', SIGN_OUT: 'signed-out' },
};

export const INITIAL_STATE: MachineState = { phase: 'starting', origin: 'signed-out', started: false };

function cell(state: MachineState, event: MachineEvent): Target | undefined {
  // START is legal in `starting` only before it ran (a second start() while starting is a bug in the caller).
  if (event === 'START' && state.phase === 'starting' && state.started) return undefined;
  return TRANSITIONS[state.phase][event];
}

export function canTransition(state: MachineState, event: MachineEvent): boolean {
  return cell(state, event) !== undefined;
}

/** Pure: the next state, or `illegal_transition` when the table has no cell for (phase, event). */
export function transition(state: MachineState, event: MachineEvent): MachineState {
  const target = cell(state, event);
  if (target === undefined) {
    throw new ScrubInError('illegal_transition', { detail: `${event} is not allowed while the terminal is ${state.phase}` });
  }
  const phase = typeof target === 'function' ? target(state) : target;
  let origin = state.origin;
  if (event === 'SIGN_IN' && state.phase !== 'signing-in') origin = state.phase === 'guest' ? 'guest' : 'signed-out';
  if (event === 'GUEST_FAILED') origin = 'signed-out';
  if (phase !== 'signing-in') origin = 'signed-out';
  return { phase, origin, started: state.started || event === 'START' };
}

/**
 * Whether AWS credentials may be handed out: only while someone is signed in (unlocked) or a guest session
 * runs (including while someone signs in on top of a guest session: the OR board keeps working).
 */
export function gateOf(state: MachineState): GateState {
  switch (state.phase) {
    case 'signed-in':
    case 'guest':
      return 'open';
    case 'signing-in':
      return state.origin === 'guest' ? 'open' : 'signed-out';
    case 'locked':
    case 'unlocking':
      return 'locked';
    default:
      return 'signed-out';
  }
}
