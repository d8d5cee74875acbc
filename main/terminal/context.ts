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
} from './ports';

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
  /** The terminal's language and text size (default: the config's language, text size in memory only). */
  display?: TerminalDisplay;
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
export type TimerName = 'idle' | 'cap' | 'flow';

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
}

export interface SessionContext {
  readonly config: Config;
  readonly auth: TerminalAuth;
  readonly audit: AuditLog;
  readonly clock: Clock;
  readonly terminalId: string;
  readonly openBrowser: (url: string) => void;
  readonly onProblem: ((error: ScrubInError) => void) | undefined;
  /** Policy, read from the config once. */
  readonly shared: boolean;
  readonly idleMs: number;
  readonly capMs: number;
  readonly federatedIdp: string | null;
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
    shared: config.terminal.mode === 'shared',
    idleMs: config.terminal.idleLockSeconds * 1000,
    capMs: Math.round(config.terminal.sessionCapHours * 3_600_000),
    federatedIdp: config.userPool.identityProvider ?? null,
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
      timers: { idle: null, cap: null, flow: null },
      capFor: null,
      settingsSub: null,
      settingsQueue: Promise.resolve(),
      settingsOpening: Promise.resolve(),
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
