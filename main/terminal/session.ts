/**
 * The shared-terminal session: policy on top of the sign-in core and the credentials provider.
 *
 * Every action first asks the state machine (machine.ts) for its transition, so an action that is not
 * possible in the current state fails with `illegal_transition` before anything happens; then it does its
 * work (auth core, credentials, browser) and records what happened in the audit log.
 *
 * Shared mode (default): no silent restore; at most one signed-in person; idle lock after `idleLockSeconds`;
 * hard cap of `sessionCapHours` after which the person is signed out; every sign-in forces re-authentication
 * (`prompt=login`); unlock = forced re-authentication of the same person (`login_hint`); a different person
 * completing the unlock is a switch: the previous person is signed out for real (revoke + vault delete,
 * credentials dropped, Cognito `/logout` opened) BEFORE the new person's session is committed.
 * Personal mode: silent restore from the keychain on launch; idle lock optional (0 = off); no cap.
 * Credentials are refused here while locked or signed out (and by the provider's gate, which reads the same state).
 * Settings (optional, main/sync): opened for the person's identity id once their credentials arrive, closed at
 * sign-out / switch / cap (pending changes pushed first; the cache purged on shared terminals; every settings
 * cache removed at start on shared terminals), refused while locked or signed out and for guests.
 */
import type { Config } from '../config/schema';
import { systemClock, type Clock, type TimerHandle } from '../clock';
import { isScrubInError, ScrubInError, toScrubInError, type ErrorCode, type ErrorView } from '../errors';
import type { SessionView } from '../../preload/contract';
import type { AuditLog } from './audit';
import type { AuditEntry, AuditUser } from './audit-record';
import { UsernameSchema } from './audit-record';
import { gateOf, INITIAL_STATE, transition, type MachineEvent, type MachineState } from './machine';
import type {
  CredentialsFactory,
  GateState,
  IdTokenSource,
  SettingsFactory,
  StagedSignIn,
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
}

export interface TerminalSession {
  start(): Promise<SessionView>;
  view(): SessionView;
  subscribe(listener: (view: SessionView) => void): () => void;
  signIn(options?: { federated?: boolean }): Promise<SessionView>;
  handleCallback(url: string): Promise<SessionView>;
  cancelSignIn(): SessionView;
  lock(): SessionView;
  unlock(): Promise<SessionView>;
  switchUser(): Promise<SessionView>;
  signOut(): Promise<SessionView>;
  continueAsGuest(): Promise<SessionView>;
  reportActivity(): void;
  getCredentials(options?: { roleArn?: string }): Promise<TerminalAwsCredentials>;
  /** The signed-in person's setting (null = not set, or not loaded yet: a `reset` change follows when it is). */
  getSetting(dataset: string, key: string): Promise<string | null>;
  setSetting(dataset: string, key: string, value: string): Promise<void>;
  /** Changes of the signed-in person's settings (records only while signed in and unlocked). */
  subscribeSettings(listener: (change: TerminalSettingsChange) => void): () => void;
  /** The credentials gate (also handed to the provider). */
  gate(): GateState;
  /** The ID-token source for the credentials provider (null unless someone is signed in). */
  readonly idTokens: IdTokenSource;
  dispose(): void;
}

type FlowKind = 'sign-in' | 'unlock' | 'switch';

interface Pending {
  id: number;
  kind: FlowKind;
  forUser: string | null;
  federated: boolean;
  expiresAt: number | null;
}

interface Person {
  session: TerminalAuthSession;
  startedAt: number;
  federated: boolean;
}

/** Callback failures that mean "this link is not ours / not now": dropped and audited, state kept. */
const DROPPED: ReadonlySet<ErrorCode> = new Set(['callback_rejected', 'state_mismatch', 'no_pending_flow']);
/** Refresh failures after which the session cannot continue. */
const SESSION_DEAD: ReadonlySet<ErrorCode> = new Set(['refresh_rejected', 'account_disabled']);
/** Only this many activity-driven pushes of a moved `lockAt` (ms apart). */
const LOCK_AT_PUSH_STEP_MS = 5_000;

export function createTerminalSession(options: TerminalSessionOptions): TerminalSession {
  const { config, auth, audit, terminalId } = options;
  const clock = options.clock ?? systemClock;
  const shared = config.terminal.mode === 'shared';
  const idleMs = config.terminal.idleLockSeconds * 1000;
  const capMs = Math.round(config.terminal.sessionCapHours * 3_600_000);
  const federatedIdp = config.userPool.identityProvider ?? null;

  let machine: MachineState = INITIAL_STATE;
  let person: Person | null = null;
  let idToken: { sub: string; idToken: string; expiresAt: number } | null = null;
  let pending: Pending | null = null;
  let flowSeq = 0;
  let completing = false;
  let lastError: ErrorView | null = null;
  let lastActivity = 0;
  let pushedLockAt: number | null = null;
  let creds: { expiration: number; roleArn: string | null } | null = null;
  let refusedAudited = false;
  let signingOut: Promise<void> = Promise.resolve();
  let disposed = false;
  const timers: { idle: TimerHandle | null; cap: TimerHandle | null; flow: TimerHandle | null } = { idle: null, cap: null, flow: null };
  let capFor: Person | null = null;
  const listeners = new Set<(view: SessionView) => void>();

  const problem = (error: unknown): void => {
    try {
      options.onProblem?.(toScrubInError(error));
    } catch {
      // A broken problem listener must not break the session.
    }
  };

  // ---------- audit ----------

  const auditUser = (session: TerminalAuthSession): AuditUser => ({ username: session.username, sub: session.sub });
  const record = (entry: AuditEntry): void => {
    try {
      audit.append(entry);
    } catch (error) {
      // The action already happened (a sign-out must not be undone by a full disk): report, do not throw.
      problem(error);
    }
  };
  const codeOf = (error: unknown): ErrorCode => toScrubInError(error).code;

  // ---------- state, view, timers ----------

  const gate = (): GateState => gateOf(machine);

  function lockAt(): number | null {
    return machine.phase === 'signed-in' && idleMs > 0 ? lastActivity + idleMs : null;
  }

  function view(): SessionView {
    const phase = machine.phase;
    const s = person?.session;
    const open = gate() === 'open';
    return {
      state: phase,
      mode: config.terminal.mode,
      terminalId,
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
      sessionEndsAt: person && shared ? person.startedAt + capMs : null,
      lockAt: lockAt(),
      credentialsExpireAt: open ? (creds?.expiration ?? null) : null,
      guestAvailable: guestAvailable(),
      settingsAvailable: settings !== null,
      federatedLabel: federatedIdp ? (config.userPool.identityProviderLabel ?? federatedIdp) : null,
      pendingSignIn: pending && pending.expiresAt !== null ? { expiresAt: pending.expiresAt, forUser: pending.forUser } : null,
      lastError,
    };
  }

  function notify(): void {
    if (disposed) return;
    pushedLockAt = lockAt();
    const snapshot = view();
    for (const listener of [...listeners]) {
      try {
        listener(snapshot);
      } catch (error) {
        problem(error);
      }
    }
  }

  function cancelTimer(name: keyof typeof timers): void {
    timers[name]?.cancel();
    timers[name] = null;
  }

  /** Arms or cancels the idle, cap and pending-flow timers to match the current state. */
  function syncTimers(): void {
    if (disposed) return;
    if (machine.phase === 'signed-in' && idleMs > 0) {
      if (!timers.idle) armIdle(lastActivity + idleMs - clock.now());
    } else cancelTimer('idle');

    const capped = shared && person !== null && (machine.phase === 'signed-in' || machine.phase === 'locked' || machine.phase === 'unlocking');
    if (capped && person) {
      if (!timers.cap || capFor !== person) {
        cancelTimer('cap');
        capFor = person;
        timers.cap = clock.setTimer(person.startedAt + capMs - clock.now(), onCap);
      }
    } else {
      cancelTimer('cap');
      capFor = null;
    }

    if (!pending || pending.expiresAt === null) cancelTimer('flow');
  }

  function armIdle(ms: number): void {
    cancelTimer('idle');
    timers.idle = clock.setTimer(Math.max(0, ms), onIdle);
  }

  function dispatch(event: MachineEvent): void {
    const before = machine.phase;
    machine = transition(machine, event);
    if (machine.phase === 'signed-in' && before !== 'signed-in') lastActivity = clock.now();
    if (machine.phase !== before) {
      refusedAudited = false;
      if (machine.phase === 'signed-in' || before === 'signed-in') cancelTimer('idle');
    }
    syncTimers();
    notify();
  }

  // ---------- timers ----------

  function onIdle(): void {
    timers.idle = null;
    if (machine.phase !== 'signed-in' || idleMs <= 0) return;
    const due = lastActivity + idleMs;
    if (clock.now() < due) {
      armIdle(due - clock.now());
      return;
    }
    lockNow('idle');
  }

  function onCap(): void {
    timers.cap = null;
    const who = person;
    if (!who || capFor !== who) return;
    capFor = null;
    record({ event: 'session-cap', outcome: 'ok', user: auditUser(who.session), capHours: config.terminal.sessionCapHours });
    void endPerson('session-cap', {
      code: 'signed_out',
      message: `The ${config.terminal.sessionCapHours}-hour session limit of this terminal was reached and you were signed out. Sign in again to continue.`,
      retryable: false,
    });
  }

  function onFlowExpired(id: number): void {
    timers.flow = null;
    if (pending?.id !== id) return;
    try {
      auth.cancelSignIn();
    } catch (error) {
      problem(error);
    }
    abortFlow(new ScrubInError('flow_expired'));
  }

  // ---------- helpers ----------

  function guestAvailable(): boolean {
    return config.identityPool?.allowGuest === true && credentials !== null;
  }

  async function loadIdToken(): Promise<void> {
    const session = auth.currentSession();
    const tokens = session ? await auth.getTokens() : null;
    idToken = session && tokens ? { sub: session.sub, idToken: tokens.idToken, expiresAt: session.idTokenExpiresAt } : null;
  }

  /** Ends the pending flow (failure, cancel, expiry) and returns to where it came from. */
  function abortFlow(error: ScrubInError): void {
    const flow = pending;
    if (!flow) return;
    pending = null;
    cancelTimer('flow');
    record({
      event: 'sign-in-failed',
      outcome: 'failed',
      during: flow.kind,
      code: error.code,
      forUser: flow.forUser !== null && UsernameSchema.safeParse(flow.forUser).success ? flow.forUser : null,
    });
    lastError = error.code === 'flow_cancelled' ? null : error.toView();
    dispatch(flow.kind === 'sign-in' ? 'SIGN_IN_ABORTED' : 'UNLOCK_ABORTED');
  }

  async function beginFlow(kind: FlowKind, forUser: string | null, federated: boolean): Promise<SessionView> {
    await signingOut;
    const event: MachineEvent = kind === 'sign-in' ? 'SIGN_IN' : kind === 'unlock' ? 'UNLOCK' : 'SWITCH';
    if (completing) throw new ScrubInError('illegal_transition', { detail: 'a sign-in is being completed' });
    dispatch(event);
    // A new click replaces the flow in progress (the auth core keeps one pending flow at a time).
    cancelTimer('flow');
    pending = null;
    lastError = null;
    const flow: Pending = { id: ++flowSeq, kind, forUser, federated, expiresAt: null };
    pending = flow;
    // The person is about to spend seconds in the browser: the identity pool's connection is ready when they return.
    try {
      credentials?.preconnect?.();
    } catch (error) {
      problem(error);
    }
    let begun: { authorizeUrl: string; expiresAt: number };
    try {
      begun = await auth.beginSignIn({
        forceLogin: shared || kind !== 'sign-in',
        ...(forUser === null ? {} : { loginHint: forUser }),
        ...(federated && federatedIdp ? { identityProvider: federatedIdp } : {}),
      });
    } catch (error) {
      const typed = toScrubInError(error);
      if (pending === flow) abortFlow(typed);
      throw typed;
    }
    if (pending !== flow) return view();
    flow.expiresAt = begun.expiresAt;
    cancelTimer('flow');
    timers.flow = clock.setTimer(Math.max(0, begun.expiresAt - clock.now()), () => onFlowExpired(flow.id));
    try {
      options.openBrowser(begun.authorizeUrl);
    } catch (error) {
      problem(error);
    }
    notify();
    return view();
  }

  function fallbackLogoutUrl(): string {
    const url = new URL(`${config.userPool.domain}/logout`);
    url.searchParams.set('client_id', config.userPool.clientId);
    url.searchParams.set('logout_uri', config.logoutUri);
    return url.href;
  }

  /**
   * Signs the current person out for real: state first (so the gate closes before anything slow happens),
   * then credentials dropped, refresh token revoked and deleted by the auth core, `/logout` opened, audited.
   * Local state is wiped even when the revoke fails (offline).
   */
  async function signOutPerson(who: Person, reason: 'user' | 'switch' | 'session-cap' | 'refresh-rejected'): Promise<void> {
    if (person === who) {
      person = null;
      idToken = null;
      creds = null;
    }
    // The gate is closed already: the person's pending settings go out with their last credentials (bounded),
    // then a shared terminal removes their settings cache; in parallel with the revoke below.
    const settingsClosed = closeSettings(reason).catch(problem);
    try {
      credentials?.drop();
    } catch (error) {
      problem(error);
    }
    let outcome: { logoutUrl: string; revoked: boolean; errors: readonly unknown[] };
    try {
      outcome = await auth.signOut();
    } catch (error) {
      outcome = { logoutUrl: fallbackLogoutUrl(), revoked: false, errors: [error] };
    }
    try {
      options.openBrowser(outcome.logoutUrl || fallbackLogoutUrl());
    } catch (error) {
      problem(error);
    }
    const errors = outcome.errors.slice(0, 8).map(codeOf);
    record({
      event: 'sign-out',
      outcome: outcome.revoked && errors.length === 0 ? 'ok' : 'partial',
      user: auditUser(who.session),
      reason,
      revoked: outcome.revoked,
      errors,
    });
    await settingsClosed;
  }

  function endPerson(reason: 'user' | 'session-cap' | 'refresh-rejected', error: ErrorView | null): Promise<void> {
    const who = person;
    if (!who) return Promise.resolve();
    if (pending) {
      pending = null;
      cancelTimer('flow');
      try {
        auth.cancelSignIn();
      } catch (e) {
        problem(e);
      }
    }
    person = null;
    idToken = null;
    creds = null;
    lastError = error;
    dispatch(reason === 'session-cap' ? 'SESSION_CAP' : 'SIGN_OUT');
    const done = signOutPerson(who, reason);
    signingOut = done;
    return done;
  }

  function lockNow(reason: 'idle' | 'manual'): void {
    const who = person;
    dispatch('LOCK');
    if (who) record({ event: 'lock', outcome: 'ok', user: auditUser(who.session), reason });
  }

  /** Fetches the person's credentials ahead of use; returns their identity id (null when not available). */
  async function prefetchCredentials(): Promise<string | null> {
    if (!credentials || gate() !== 'open') return null;
    try {
      const c = await credentials.getCredentials();
      if (gate() === 'open') {
        creds = { expiration: c.expiration, roleArn: c.roleArn };
        notify();
        return c.identityId;
      }
    } catch (error) {
      // Sign-in stands; the UI shows why AWS access is not there yet (and the next request retries).
      if (gate() === 'open') {
        lastError = toScrubInError(error).toView();
        notify();
      }
    }
    return null;
  }

  async function upgradeGuest(who: Person): Promise<string | null> {
    if (!credentials) return null;
    try {
      const result = await credentials.linkGuestOnSignIn();
      creds = { expiration: result.credentials.expiration, roleArn: result.credentials.roleArn };
      record({
        event: 'guest-upgrade',
        outcome: 'ok',
        user: auditUser(who.session),
        linked: result.linked,
        identityId: result.identityId,
        code: null,
      });
      notify();
      return result.identityId;
    } catch (error) {
      const typed = toScrubInError(error);
      record({ event: 'guest-upgrade', outcome: 'failed', user: auditUser(who.session), linked: null, identityId: null, code: typed.code });
      if (person === who) {
        lastError = typed.toView();
        notify();
      }
      return null;
    }
  }

  async function commitStaged(staged: StagedSignIn): Promise<TerminalAuthSession> {
    try {
      return await staged.commit();
    } catch (error) {
      try {
        await staged.discard();
      } catch (e) {
        problem(e);
      }
      throw toScrubInError(error);
    }
  }

  async function completeFlow(flow: Pending, staged: StagedSignIn): Promise<void> {
    const fromGuest = machine.phase === 'signing-in' && machine.origin === 'guest';
    const previous = person;
    const samePerson = previous !== null && previous.session.sub === staged.session.sub;

    if (flow.kind !== 'sign-in' && previous && !samePerson) {
      // A switch: end the previous person's session for real BEFORE the new one is committed.
      await signOutPerson(previous, 'switch');
      if (pending !== flow) {
        // Capped or signed out meanwhile: the new session is not taken.
        await staged.discard().catch(problem);
        return;
      }
    }

    let session: TerminalAuthSession;
    try {
      session = await commitStaged(staged);
    } catch (typed) {
      const error = toScrubInError(typed);
      if (pending !== flow) return;
      if (flow.kind !== 'sign-in' && previous && !samePerson) {
        // The previous person is already signed out: the terminal ends signed out, with the reason shown.
        pending = null;
        cancelTimer('flow');
        record({ event: 'sign-in-failed', outcome: 'failed', during: 'switch', code: error.code, forUser: null });
        lastError = error.toView();
        dispatch('SIGN_OUT');
      } else {
        abortFlow(error);
      }
      return;
    }
    if (pending !== flow) {
      // Cancelled while committing: nobody was asked to stay signed in.
      return;
    }
    await loadIdToken().catch(problem);
    pending = null;
    cancelTimer('flow');
    lastError = null;

    if (flow.kind === 'sign-in') {
      const next: Person = { session, startedAt: clock.now(), federated: flow.federated };
      person = next;
      creds = null;
      dispatch('SIGN_IN_DONE');
      // The credentials request goes out now; the fsynced audit record is written meanwhile.
      const ready = afterCredentials(next, () => (fromGuest ? upgradeGuest(next) : prefetchCredentials()));
      record({ event: 'sign-in', outcome: 'ok', user: auditUser(session), via: flow.federated ? 'federated' : 'managed-login', forced: shared });
      await ready;
      return;
    }
    if (previous !== null && previous.session.sub === session.sub) {
      const same: Person = { ...previous, session };
      person = same;
      capFor = person;
      dispatch('UNLOCK_DONE');
      const ready = afterCredentials(same, prefetchCredentials);
      record({ event: 'unlock', outcome: 'ok', user: auditUser(session) });
      await ready;
      return;
    }
    const next: Person = { session, startedAt: clock.now(), federated: flow.federated };
    person = next;
    creds = null;
    dispatch('UNLOCK_DONE');
    const ready = afterCredentials(next, prefetchCredentials);
    if (previous) record({ event: 'switch', outcome: 'ok', from: auditUser(previous.session), to: auditUser(session) });
    record({ event: 'sign-in', outcome: 'ok', user: auditUser(session), via: flow.federated ? 'federated' : 'managed-login', forced: true });
    await ready;
  }

  // ---------- ID tokens for the credentials provider ----------

  const idTokens: IdTokenSource = {
    current() {
      return person && idToken && idToken.sub === person.session.sub ? { ...idToken } : null;
    },
    async refresh() {
      const who = person;
      if (!who) throw new ScrubInError('signed_out', { detail: 'nobody is signed in' });
      try {
        await auth.refresh({ force: true });
        if (person !== who) throw new ScrubInError('signed_out', { detail: 'the session changed during the refresh' });
        await loadIdToken();
      } catch (error) {
        const typed = toScrubInError(error);
        if (person === who && !isScrubInError(error, 'signed_out')) {
          record({ event: 'refresh-failed', outcome: 'failed', user: auditUser(who.session), code: typed.code });
          if (SESSION_DEAD.has(typed.code)) void endPerson('refresh-rejected', typed.toView());
        }
        throw typed;
      }
      const current = idTokens.current();
      if (!current) throw new ScrubInError('signed_out', { detail: 'no ID token after the refresh' });
      return current;
    },
  };

  // ---------- credentials provider ----------

  const credentials: TerminalCredentials | null =
    typeof options.credentials === 'function' ? options.credentials({ gate, idTokens }) : (options.credentials ?? null);

  // ---------- settings (per person, main/sync) ----------

  const settings: TerminalSettings | null =
    typeof options.settings === 'function'
      ? options.settings({
          // The provider itself (same gate), not `getCredentials` below: the final flush at sign-out must not
          // be audited as a refused request; the engine then uses the leaving person's last credentials.
          credentials: () =>
            credentials ? credentials.getCredentials() : Promise.reject(new ScrubInError('identity_config', { detail: 'no identity pool is configured' })),
        })
      : (options.settings ?? null);
  /** The sub of the person whose settings are open in the engine. */
  let settingsSub: string | null = null;
  /** Opens and closes run one after another, in the order the session asked for them. */
  let settingsQueue: Promise<void> = Promise.resolve();
  /** The credentials-then-open step of the latest sign-in / unlock: reads wait for it. */
  let settingsOpening: Promise<void> = Promise.resolve();
  const settingsListeners = new Set<(change: TerminalSettingsChange) => void>();

  function emitSettings(change: TerminalSettingsChange): void {
    if (disposed) return;
    for (const listener of [...settingsListeners]) {
      try {
        listener(change);
      } catch (error) {
        problem(error);
      }
    }
  }

  const unsubscribeEngine =
    settings?.subscribe((change) => {
      if (change.kind === 'reset') {
        emitSettings({ kind: 'reset' });
        return;
      }
      // Only the signed-in, unlocked person's own settings reach the UI (re-read after unlock through `reset`).
      if (machine.phase !== 'signed-in' || !person || settingsSub !== person.session.sub) return;
      emitSettings({ kind: 'record', dataset: change.dataset, key: change.key, value: change.value });
    }) ?? null;

  function queueSettings(op: () => Promise<void>): Promise<void> {
    const run = settingsQueue.then(op);
    settingsQueue = run.then(
      () => undefined,
      () => undefined,
    );
    return run;
  }

  const isCurrent = (who: Person): boolean => person !== null && person.session.sub === who.session.sub;

  function openSettingsFor(who: Person, identityId: string): Promise<void> {
    const engine = settings;
    if (!engine) return Promise.resolve();
    return queueSettings(async () => {
      if (!isCurrent(who) || machine.phase !== 'signed-in') return;
      const open = engine.currentIdentity();
      if (open === identityId && settingsSub === who.session.sub) {
        // Unlock by the same person: sync now and let the UI re-read.
        engine.reconnected();
        emitSettings({ kind: 'reset' });
        return;
      }
      if (open !== null) {
        // Another identity is still open (should not happen: closed at sign-out): never let it linger.
        settingsSub = null;
        await engine.close({ flush: true, purge: shared });
      }
      await engine.open(identityId);
      settingsSub = who.session.sub;
    });
  }

  function closeSettings(reason: 'user' | 'switch' | 'session-cap' | 'refresh-rejected'): Promise<void> {
    const engine = settings;
    if (!engine) return Promise.resolve();
    return queueSettings(async () => {
      settingsSub = null;
      if (engine.currentIdentity() === null) return;
      // A refused session (revoked, account disabled) pushes nothing more; a shared terminal keeps nothing.
      await engine.close({ flush: reason !== 'refresh-rejected', purge: shared });
    });
  }

  /**
   * Runs the credentials step after a sign-in / unlock; that person's settings then open in the background
   * (settings reads wait for `settingsOpening`), so the settings pull never delays the sign-in itself.
   */
  function afterCredentials(who: Person, fetch: () => Promise<string | null>): Promise<void> {
    const credentialsReady = fetch().catch((error: unknown) => {
      problem(error);
      return null;
    });
    settingsOpening = credentialsReady
      .then((identityId) => (identityId === null ? undefined : openSettingsFor(who, identityId)))
      .catch(problem);
    return credentialsReady.then(() => undefined);
  }

  async function purgeSettingsLeftovers(): Promise<void> {
    if (!settings?.purgeLeftovers) return;
    try {
      await settings.purgeLeftovers();
    } catch (error) {
      problem(error);
    }
  }

  /** Settings are the signed-in person's only, and not while locked. */
  function settingsAllowed(expected?: Person): { who: Person; engine: TerminalSettings } {
    const phase = machine.phase;
    if (phase === 'locked' || phase === 'unlocking') throw new ScrubInError('locked', { detail: 'settings refused: the terminal is locked' });
    if (phase !== 'signed-in' || !person) throw new ScrubInError('signed_out', { detail: 'settings refused: nobody is signed in' });
    if (expected && !isCurrent(expected)) throw new ScrubInError('signed_out', { detail: 'settings refused: the session changed meanwhile' });
    if (!settings) {
      throw new ScrubInError('invalid_request', {
        detail: 'settings sync is not configured (no sync section)',
        userMessage: 'Saved preferences are not set up on this terminal. Ask hospital IT.',
      });
    }
    return { who: person, engine: settings };
  }

  // ---------- public API ----------

  /**
   * Shared mode never restores silently. A refresh token still stored from before (the app was killed or the
   * terminal lost power mid-shift) is revoked and deleted, so the next person cannot inherit it.
   */
  async function endLeftoverSession(): Promise<void> {
    const leftover = await auth.leftoverAccount().catch(() => null);
    if (!leftover) return;
    const outcome = await auth.signOut();
    const user = { username: leftover.username, sub: leftover.sub };
    record({
      event: 'sign-out',
      outcome: outcome.errors.length ? 'partial' : 'ok',
      user,
      reason: 'leftover',
      revoked: outcome.revoked,
      errors: outcome.errors.map((e) => toScrubInError(e).code).slice(0, 8),
    });
  }

  async function start(): Promise<SessionView> {
    dispatch('START');
    record({ event: 'terminal-start', outcome: 'ok', mode: config.terminal.mode });
    if (shared) {
      await endLeftoverSession();
      await purgeSettingsLeftovers();
      dispatch('STARTED_SIGNED_OUT');
      return view();
    }
    let restored: TerminalAuthSession | null;
    try {
      restored = await auth.restore();
    } catch (error) {
      const typed = toScrubInError(error);
      record({ event: 'sign-in-failed', outcome: 'failed', during: 'restore', code: typed.code, forUser: null });
      lastError = typed.toView();
      dispatch(SESSION_DEAD.has(typed.code) ? 'STARTED_SIGNED_OUT' : 'START_FAILED');
      return view();
    }
    if (!restored) {
      dispatch('STARTED_SIGNED_OUT');
      return view();
    }
    await loadIdToken().catch(problem);
    const who: Person = { session: restored, startedAt: clock.now(), federated: false };
    person = who;
    dispatch('STARTED_RESTORED');
    record({ event: 'sign-in', outcome: 'ok', user: auditUser(restored), via: 'restore', forced: false });
    await afterCredentials(who, prefetchCredentials);
    return view();
  }

  async function handleCallback(url: string): Promise<SessionView> {
    if (url.startsWith(config.logoutUri)) return view(); // the browser coming back from /logout: nothing to do
    const flow = pending;
    if (!flow || flow.expiresAt === null || completing) {
      record({ event: 'callback-dropped', outcome: 'refused', code: 'no_pending_flow' });
      return view();
    }
    completing = true;
    let staged: StagedSignIn;
    try {
      staged = await auth.completeSignIn(url, { stage: true });
    } catch (error) {
      completing = false;
      const typed = toScrubInError(error);
      if (DROPPED.has(typed.code)) {
        record({ event: 'callback-dropped', outcome: 'refused', code: typed.code });
        return view();
      }
      if (pending === flow) abortFlow(typed);
      return view();
    }
    try {
      if (pending !== flow) {
        await staged.discard().catch(problem);
        return view();
      }
      await completeFlow(flow, staged);
    } finally {
      completing = false;
    }
    return view();
  }

  return {
    start,
    view,
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    async signIn(opts = {}) {
      const federated = opts.federated === true;
      if (federated && !federatedIdp) {
        throw new ScrubInError('invalid_request', { detail: 'federated sign-in requested but userPool.identityProvider is not configured' });
      }
      return beginFlow('sign-in', null, federated);
    },
    handleCallback,
    cancelSignIn() {
      const flow = pending;
      if ((machine.phase !== 'signing-in' && machine.phase !== 'unlocking') || completing) {
        throw new ScrubInError('illegal_transition', {
          detail: completing ? 'the sign-in is already being completed' : `no sign-in to cancel while the terminal is ${machine.phase}`,
        });
      }
      try {
        auth.cancelSignIn();
      } catch (error) {
        problem(error);
      }
      if (flow) abortFlow(new ScrubInError('flow_cancelled'));
      else {
        lastError = null;
        dispatch(machine.phase === 'signing-in' ? 'SIGN_IN_ABORTED' : 'UNLOCK_ABORTED');
      }
      return view();
    },
    lock() {
      lockNow('manual');
      return view();
    },
    async unlock() {
      const who = person;
      return beginFlow('unlock', who?.session.username ?? null, who?.federated ?? false);
    },
    async switchUser() {
      return beginFlow('switch', null, false);
    },
    async signOut() {
      const phase = machine.phase;
      if (phase === 'signed-in' || phase === 'locked' || phase === 'unlocking') {
        await endPerson('user', null);
        return view();
      }
      const wasGuest = phase === 'guest' || (phase === 'signing-in' && machine.origin === 'guest');
      if (phase === 'signing-in' && pending) {
        try {
          auth.cancelSignIn();
        } catch (error) {
          problem(error);
        }
      }
      pending = null;
      cancelTimer('flow');
      lastError = null;
      dispatch('SIGN_OUT'); // illegal from starting / signed-out
      if (wasGuest && credentials) {
        try {
          credentials.endGuest();
        } catch (error) {
          problem(error);
        }
        record({ event: 'guest-end', outcome: 'ok' });
      }
      if (phase === 'error') {
        // A failed restore may have left a refresh token in the keychain: wipe it (no person to name).
        await auth.signOut().catch(problem);
      }
      creds = null;
      notify();
      return view();
    },
    async continueAsGuest() {
      if (!guestAvailable() || !credentials) {
        throw new ScrubInError('not_authorized', {
          detail: 'guest mode is not enabled (identityPool.allowGuest)',
          userMessage: 'Guest access is not enabled on this terminal. Sign in to continue.',
        });
      }
      dispatch('GUEST');
      lastError = null;
      try {
        const c = await credentials.startGuest();
        creds = { expiration: c.expiration, roleArn: c.roleArn };
        record({ event: 'guest-start', outcome: 'ok', identityId: c.identityId, code: null });
        notify();
      } catch (error) {
        const typed = toScrubInError(error);
        record({ event: 'guest-start', outcome: 'failed', identityId: null, code: typed.code });
        if (machine.phase === 'guest' || (machine.phase === 'signing-in' && machine.origin === 'guest')) {
          creds = null;
          lastError = typed.toView();
          dispatch('GUEST_FAILED');
        }
        throw typed;
      }
      return view();
    },
    reportActivity() {
      if (machine.phase !== 'signed-in') return;
      lastActivity = clock.now();
      const at = lockAt();
      if (at !== null && (pushedLockAt === null || at - pushedLockAt >= LOCK_AT_PUSH_STEP_MS)) notify();
    },
    async getCredentials(request = {}) {
      const refuse = (): never => {
        const locked = gate() === 'locked';
        if (!refusedAudited) {
          refusedAudited = true;
          record({
            event: 'credentials-refused',
            outcome: 'refused',
            user: person ? auditUser(person.session) : null,
            reason: locked ? 'locked' : 'signed-out',
          });
        }
        throw locked
          ? new ScrubInError('locked', { detail: 'AWS credentials refused: the terminal is locked' })
          : new ScrubInError('signed_out', { detail: 'AWS credentials refused: nobody is signed in' });
      };
      if (gate() !== 'open') return refuse();
      if (!credentials) throw new ScrubInError('identity_config', { detail: 'no identity pool is configured' });
      const who = person;
      const c = await credentials.getCredentials(request.roleArn === undefined ? {} : { roleArn: request.roleArn });
      // Enforced here as well: nothing leaves once the terminal locked or the person changed meanwhile.
      if (gate() !== 'open') return refuse();
      if (person !== who) throw new ScrubInError('signed_out', { detail: 'the session changed while AWS credentials were being fetched' });
      if (!creds || creds.expiration !== c.expiration || creds.roleArn !== c.roleArn) {
        creds = { expiration: c.expiration, roleArn: c.roleArn };
        notify();
      }
      return c;
    },
    async getSetting(dataset, key) {
      const { who } = settingsAllowed();
      await settingsOpening;
      const { engine } = settingsAllowed(who);
      // Not loaded (AWS was unreachable at sign-in): the defaults show; a `reset` follows once they load.
      if (settingsSub !== who.session.sub) return null;
      return engine.get(dataset, key) ?? null;
    },
    async setSetting(dataset, key, value) {
      const { who } = settingsAllowed();
      await settingsOpening;
      const { engine } = settingsAllowed(who);
      if (settingsSub !== who.session.sub) {
        // Not loaded at sign-in: try now, and let the person see why if it fails (network, locked, ...).
        if (!credentials) throw new ScrubInError('identity_config', { detail: 'no identity pool is configured' });
        const c = await credentials.getCredentials();
        settingsAllowed(who);
        await openSettingsFor(who, c.identityId);
        settingsAllowed(who);
        if (settingsSub !== who.session.sub) throw new ScrubInError('internal', { detail: 'settings could not be opened for the signed-in person' });
      }
      await engine.set(dataset, key, value);
    },
    subscribeSettings(listener) {
      settingsListeners.add(listener);
      return () => settingsListeners.delete(listener);
    },
    gate,
    idTokens,
    dispose() {
      disposed = true;
      unsubscribeEngine?.();
      settingsListeners.clear();
      cancelTimer('idle');
      cancelTimer('cap');
      cancelTimer('flow');
      listeners.clear();
    },
  };
}
