/**
 * Owns the session's one state record and the context every step receives (the way oidc-provider passes one
 * `ctx` through small steps): the injected ports and policy, the mutable `SessionState`, and the few helpers all
 * steps share (report a problem, append to the audit log, do a side step quietly, drop the pending flow).
 * Only the step files of this folder change `ctx.state`; phase changes go through `dispatch` (dispatch.ts).
 */
import type { Config } from '../config/schema';
import { systemClock, type Clock, type TimerHandle } from '../clock';
import { ScrubInError, toScrubInError, type ErrorCode, type ErrorView } from '../errors';
import { callSafely, emitAll } from '../lib';
import type { SessionView } from '../../common/contract';
import type { AuditLog } from './audit';
import type { AuditEntry, AuditUser } from './audit-record';
import { createTerminalDisplay, type TerminalDisplay } from './display';
import { gateOf, INITIAL_STATE, type MachineState } from './machine';
import type {
  CredentialsFactory,
  GateState,
  SettingsFactory,
  TerminalAuth,
  TerminalAuthSession,
  TerminalAwsCredentials,
  TerminalCredentials,
  TerminalSettings,
  TerminalSettingsChange,
  SystemIdleSource,
} from './ports';
import type { PinHash } from './pin';

export interface TerminalSessionOptions {
  config: Config;
  auth: TerminalAuth;
  /** The credentials provider, or a factory that receives this session's gate and ID-token source. */
  credentials?: TerminalCredentials | CredentialsFactory | null;
  /** The per-person settings sync, or a factory that receives this session's credentials (null: no settings). */
  settings?: TerminalSettings | SettingsFactory | null;
  audit: AuditLog;
  clock?: Clock;
  terminalId: string;
  /** Opens a URL in the system browser (the shell allows only the configured authorize and logout URLs). */
  openBrowser: (url: string) => void;
  /** Problems that must not stop the terminal (e.g. the audit log failing to write); for logs. */
  onProblem?: (error: ScrubInError) => void;
  /**
   * Whether the sign-in service (`sign-in`: the managed-login domain) or the identity pool (`credentials`) answers
   * at all: a short request without credentials (main/net/reachability.ts). Without it every check passes.
   */
  reachable?: (target: OfflineTarget) => Promise<{ reachable: boolean }>;
  /** Random source of the re-check backoff's jitter (tests pin it). */
  random?: () => number;
  /** The terminal's language and text size (default: the config's language, text size in memory only). */
  display?: TerminalDisplay;
  /** The operating system's idle time (whole-terminal activity); without it, the renderer's reports count as activity. */
  systemIdle?: SystemIdleSource | null;
}

/** What the terminal could not reach: the sign-in service (before or during a sign-in) or the identity pool. */
export type OfflineTarget = 'sign-in' | 'credentials';

/** No connection: shown instead of the browser; checked again by itself, with backoff, until the network is back. */
export interface Offline {
  target: OfflineTarget;
  /** The flow to start again with Retry (null when the identity pool failed after the sign-in). */
  during: FlowKind | null;
  since: number;
  /** Re-checks done so far (the backoff grows with it). */
  checks: number;
  nextCheckAt: number | null;
  timer: TimerHandle | null;
}

export type FlowKind = 'sign-in' | 'unlock' | 'switch';

/** The sign-in the person is doing in the browser (the auth core keeps one pending flow at a time). */
export interface Pending {
  id: number;
  kind: FlowKind;
  forUser: string | null;
  federated: boolean;
  /** Null until the auth core has begun the flow (then the expiry timer runs). */
  expiresAt: number | null;
}

export interface Person {
  session: TerminalAuthSession;
  startedAt: number;
  federated: boolean;
}

/** Refresh (or restore) failures after which the session cannot continue. */
export const SESSION_DEAD: ReadonlySet<ErrorCode> = new Set(['refresh_rejected', 'account_disabled']);

export type SignOutReason = 'user' | 'switch' | 'session-cap' | 'refresh-rejected';
export type TimerName = 'idle' | 'cap' | 'flow' | 'grace';

/** The current person's quick-unlock PIN (quick-unlock.ts): a salted hash in memory, never the PIN. */
export interface PinState {
  readonly sub: string;
  readonly secret: PinHash;
  /** Wrong attempts since the PIN was set or last unlocked. */
  failures: number;
  /** Set at an idle lock: the PIN unlocks until then (wall clock). Null while signed in. */
  graceUntil: number | null;
  /** An attempt is being checked (scrypt, the wrong-PIN delay): no second one meanwhile. */
  checking: boolean;
}

/** Everything the session remembers between steps. */
export interface SessionState {
  /** The state machine's state (machine.ts); changed only by `dispatch`. */
  machine: MachineState;
  /** The signed-in (or locked, or unlocking) person. */
  person: Person | null;
  /** The person's current ID token, for the credentials provider (credentials-link.ts). */
  idToken: { sub: string; idToken: string; expiresAt: number } | null;
  /** The sign-in in the browser, if any. */
  pending: Pending | null;
  /** Numbers the flows, so an expiry timer of an older flow does nothing. */
  flowSeq: number;
  /** A callback is being completed: no second one, and no new flow meanwhile. */
  completing: boolean;
  lastError: ErrorView | null;
  /** When the person last did something: the idle lock counts from here. */
  lastActivity: number;
  /** The `lockAt` the subscribers last saw (activity pushes a moved one only every few seconds). */
  pushedLockAt: number | null;
  /** What the view shows of the credentials handed out (never the keys). */
  creds: { expiration: number; roleArn: string | null } | null;
  /** A refusal of credentials was audited since the phase last changed (one record per refusal streak). */
  refusedAudited: boolean;
  /** The latest sign-out in progress: a new flow waits for it. */
  signingOut: Promise<void>;
  disposed: boolean;
  timers: Record<TimerName, TimerHandle | null>;
  /** The person the cap timer is armed for. */
  capFor: Person | null;
  /** The sub of the person whose settings are open in the engine. */
  settingsSub: string | null;
  /** Settings opens and closes run one after another, in the order the session asked for them. */
  settingsQueue: Promise<void>;
  /** The credentials-then-open step of the latest sign-in / unlock: settings reads wait for it. */
  settingsOpening: Promise<void>;
  /** The quick-unlock PIN of the person (null: none set, or no longer allowed to unlock). */
  pin: PinState | null;
  /** The countdown before the idle lock is showing. */
  lockWarning: boolean;
  /** No connection to the sign-in service or the identity pool (offline.ts). */
  offline: Offline | null;
}

export interface SessionContext {
  readonly config: Config;
  readonly auth: TerminalAuth;
  readonly audit: AuditLog;
  readonly clock: Clock;
  readonly terminalId: string;
  readonly openBrowser: (url: string) => void;
  readonly onProblem: ((error: ScrubInError) => void) | undefined;
  readonly reachable: TerminalSessionOptions['reachable'];
  readonly random: () => number;
  /** Policy, read from the config once. */
  readonly shared: boolean;
  readonly idleMs: number;
  readonly capMs: number;
  readonly federatedIdp: string | null;
  /** How long before the idle lock the countdown shows (0: none); at most half the idle time. */
  readonly warnMs: number;
  /** The quick-unlock policy, or null when IT has not switched it on. */
  readonly quickUnlock: Config['terminal']['quickUnlock'] | null;
  readonly systemIdle: SystemIdleSource | null;
  /** Set once by session.ts, before any step runs (the provider's factory needs this context's gate). */
  credentials: TerminalCredentials | null;
  /** Set once by session.ts, before any step runs. */
  settings: TerminalSettings | null;
  readonly display: TerminalDisplay;
  readonly state: SessionState;
  readonly viewListeners: Set<(view: SessionView) => void>;
  readonly settingsListeners: Set<(change: TerminalSettingsChange) => void>;
  /** Arms and cancels the timers to match the state after every transition (timers.ts, wired by session.ts). */
  readonly syncTimers: () => void;
}

export function createContext(options: TerminalSessionOptions, syncTimers: (ctx: SessionContext) => void): SessionContext {
  const { config } = options;
  const ctx: SessionContext = {
    config,
    auth: options.auth,
    audit: options.audit,
    clock: options.clock ?? systemClock,
    terminalId: options.terminalId,
    openBrowser: options.openBrowser,
    onProblem: options.onProblem,
    reachable: options.reachable,
    random: options.random ?? Math.random,
    shared: config.terminal.mode === 'shared',
    idleMs: config.terminal.idleLockSeconds * 1000,
    capMs: Math.round(config.terminal.sessionCapHours * 3_600_000),
    federatedIdp: config.userPool.identityProvider ?? null,
    warnMs: Math.min(config.terminal.lockWarningSeconds * 1000, Math.floor((config.terminal.idleLockSeconds * 1000) / 2)),
    quickUnlock: config.terminal.quickUnlock.enabled ? config.terminal.quickUnlock : null,
    systemIdle: options.systemIdle ?? null,
    credentials: null,
    settings: null,
    display: options.display ?? createTerminalDisplay({ language: config.terminal.language ?? 'en', file: null }),
    state: {
      machine: INITIAL_STATE,
      person: null,
      idToken: null,
      pending: null,
      flowSeq: 0,
      completing: false,
      lastError: null,
      lastActivity: 0,
      pushedLockAt: null,
      creds: null,
      refusedAudited: false,
      signingOut: Promise.resolve(),
      disposed: false,
      timers: { idle: null, cap: null, flow: null, grace: null },
      capFor: null,
      settingsSub: null,
      settingsQueue: Promise.resolve(),
      settingsOpening: Promise.resolve(),
      pin: null,
      lockWarning: false,
      offline: null,
    },
    viewListeners: new Set(),
    settingsListeners: new Set(),
    syncTimers: () => {
      syncTimers(ctx);
    },
  };
  return ctx;
}

/** Reports a problem that must not stop the terminal. */
export function problem(ctx: SessionContext, error: unknown): void {
  // A broken problem listener must not break the session.
  callSafely(ctx.onProblem, toScrubInError(error));
}

/** `problem` as a callback, for `.catch(...)` on a step whose failure must not stop the action around it. */
export const problemHandler =
  (ctx: SessionContext) =>
  (error: unknown): void => {
    problem(ctx, error);
  };

/** Runs a side step whose failure must not undo or stop the action around it (reported as a problem). */
export function quietly(ctx: SessionContext, step: () => unknown): void {
  try {
    step();
  } catch (error) {
    problem(ctx, error);
  }
}

/** Ends the auth core's pending flow, if any; a failure is reported, never thrown. */
export function cancelQuietly(ctx: SessionContext): void {
  quietly(ctx, () => ctx.auth.cancelSignIn());
}

/** Appends to the audit log. The action already happened (a sign-out must not be undone by a full disk): never throws. */
export function record(ctx: SessionContext, entry: AuditEntry): void {
  quietly(ctx, () => ctx.audit.append(entry));
}

export const auditUser = (session: TerminalAuthSession): AuditUser => ({ username: session.username, sub: session.sub });

export const noIdentityPool = (): ScrubInError => new ScrubInError('identity_config', { detail: 'no identity pool is configured' });

export const gate = (ctx: SessionContext): GateState => gateOf(ctx.state.machine);

/** Keeps what the view shows of credentials just handed out (expiry and role, never the keys). */
export function holdCredentials(s: SessionState, c: Pick<TerminalAwsCredentials, 'expiration' | 'roleArn'>): void {
  s.creds = { expiration: c.expiration, roleArn: c.roleArn };
}

export function cancelTimer(ctx: SessionContext, name: TimerName): void {
  ctx.state.timers[name]?.cancel();
  ctx.state.timers[name] = null;
}

/** Wipes the quick-unlock PIN hash (bytes zeroed, then dropped) and its grace timer. The caller pushes the view. */
export function forgetPin(ctx: SessionContext): void {
  const pin = ctx.state.pin;
  cancelTimer(ctx, 'grace');
  if (!pin) return;
  pin.secret.hash.fill(0);
  pin.secret.salt.fill(0);
  ctx.state.pin = null;
}

/** Forgets the pending flow and its expiry timer (the auth core's side is the caller's business). */
export function clearPending(ctx: SessionContext): void {
  ctx.state.pending = null;
  cancelTimer(ctx, 'flow');
}

/** Hands a value to every listener; a throwing listener is reported and does not stop the others. */
export function emit<T>(ctx: SessionContext, listeners: ReadonlySet<(value: T) => void>, value: T): void {
  if (ctx.state.disposed) return;
  emitAll(listeners, value, problemHandler(ctx));
}
