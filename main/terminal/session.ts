/**
 * The shared-terminal session: policy on top of the sign-in core and the credentials provider. This file only
 * composes it: one state record (context.ts) passed through small steps, one file each, and the public API.
 *
 * Every action first asks the state machine (machine.ts) for its transition, through `dispatch` (dispatch.ts),
 * so an action that is not possible in the current state fails with `illegal_transition` before anything
 * happens; then it does its work (auth core, credentials, browser) and records what happened in the audit log.
 *
 *   start.ts            start: leftovers ended (shared), silent restore (personal)
 *   sign-in.ts          sign-in / unlock / switch user begun in the browser; cancel, expiry, abort
 *   callback.ts         the deep link back: dropped, or completed as a sign-in, an unlock or a switch
 *   sign-out.ts         signing a person out for real (button, cap, refresh rejected, switch)
 *   lock.ts, timers.ts  locking; the idle-lock and session-cap timers, activity, OS sleep and screen lock
 *   guest.ts            guest mode, and its upgrade when someone signs in
 *   credentials-link.ts the credentials provider: ID tokens, prefetch, getCredentials behind the gate
 *   settings-link.ts    the per-person settings sync
 *   view.ts             the view the UI sees
 *
 * Shared mode (default): no silent restore; at most one signed-in person; idle lock after `idleLockSeconds`;
 * hard cap of `sessionCapHours` after which the person is signed out; every sign-in forces re-authentication
 * (`prompt=login`); unlock = forced re-authentication of the same person (`login_hint`); a different person
 * completing the unlock is a switch: the previous person is signed out for real (revoke + vault delete,
 * credentials dropped, Cognito `/logout` opened) BEFORE the new person's session is committed.
 * Personal mode: silent restore from the keychain on launch; idle lock optional (0 = off); no cap.
 * Credentials are refused here while locked or signed out (and by the provider's gate, which reads the same state).
 */
import type { SessionView, TextSize } from '../../common/contract';
import { handleCallback } from './callback';
import { cancelTimer, createContext, gate, type TerminalSessionOptions } from './context';
import { createIdTokenSource, getCredentials } from './credentials-link';
import { continueAsGuest } from './guest';
import { lockNow } from './lock';
import type { GateState, IdTokenSource, TerminalAwsCredentials, TerminalSettingsChange } from './ports';
import { getSetting, linkSettings, setSetting } from './settings-link';
import { cancelSignIn, signIn, switchUser, unlock } from './sign-in';
import { signOut } from './sign-out';
import { start } from './start';
import { onSystemEvent, reportActivity, syncTimers, type SystemEvent } from './timers';
import { notify, view } from './view';

export type { TerminalSessionOptions } from './context';

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
  /** The terminal's own text size (sign-in and lock screens), remembered for the terminal; pushes a new view. */
  setTextSize(textSize: TextSize): Promise<void>;
  /** The operating system went to sleep / locked its screen (lock now) or woke up / unlocked it (deadlines re-checked). */
  systemEvent(event: SystemEvent): void;
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

export function createTerminalSession(options: TerminalSessionOptions): TerminalSession {
  const ctx = createContext(options, syncTimers);
  const idTokens = createIdTokenSource(ctx);
  ctx.credentials =
    typeof options.credentials === 'function' ? options.credentials({ gate: () => gate(ctx), idTokens }) : (options.credentials ?? null);
  const unsubscribeEngine = linkSettings(ctx, options.settings);
  const unsubscribeDisplay = ctx.display.subscribe(() => notify(ctx));

  return {
    start: () => start(ctx),
    view: () => view(ctx),
    subscribe(listener) {
      ctx.viewListeners.add(listener);
      return () => ctx.viewListeners.delete(listener);
    },
    signIn: (opts) => signIn(ctx, opts),
    handleCallback: (url) => handleCallback(ctx, url),
    cancelSignIn: () => cancelSignIn(ctx),
    lock() {
      lockNow(ctx, 'manual');
      return view(ctx);
    },
    unlock: () => unlock(ctx),
    switchUser: () => switchUser(ctx),
    signOut: () => signOut(ctx),
    continueAsGuest: () => continueAsGuest(ctx),
    reportActivity() {
      reportActivity(ctx);
    },
    setTextSize: (textSize) => ctx.display.setTextSize(textSize),
    systemEvent(event) {
      onSystemEvent(ctx, event);
    },
    getCredentials: (request) => getCredentials(ctx, request),
    getSetting: (dataset, key) => getSetting(ctx, dataset, key),
    setSetting: (dataset, key, value) => setSetting(ctx, dataset, key, value),
    subscribeSettings(listener) {
      ctx.settingsListeners.add(listener);
      return () => ctx.settingsListeners.delete(listener);
    },
    gate: () => gate(ctx),
    idTokens,
    dispose() {
      ctx.state.disposed = true;
      unsubscribeEngine?.();
      unsubscribeDisplay();
      ctx.settingsListeners.clear();
      cancelTimer(ctx, 'idle');
      cancelTimer(ctx, 'cap');
      cancelTimer(ctx, 'flow');
      ctx.viewListeners.clear();
    },
  };
}
