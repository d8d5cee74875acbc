/**
 * The narrow views of the sign-in core (main/auth) and the credentials provider (main/identity-pool) that the
 * terminal session needs. The real modules satisfy them structurally; unit tests use small fakes.
 */
import type { AwsCredentials as TerminalAwsCredentials, GateState, IdTokenSource } from '../identity-pool';

/** The signed-in person as the auth core describes them (no tokens). */
export interface TerminalAuthSession {
  sub: string;
  username: string;
  displayName: string;
  email?: string | undefined;
  groups: string[];
  roles: string[];
  preferredRole?: string | null | undefined;
  /** ms since the epoch */
  idTokenExpiresAt: number;
}

/**
 * A completed sign-in whose tokens are held by the auth core but NOT yet the current session and NOT yet in
 * the vault. The terminal decides: `commit()` makes it the current session (storing its refresh token);
 * `discard()` revokes and forgets it. This is what lets person B complete an unlock of person A's locked
 * terminal without A's session being replaced before A has been signed out for real.
 */
export interface StagedSignIn {
  readonly session: TerminalAuthSession;
  commit(): Promise<TerminalAuthSession>;
  discard(): Promise<void>;
}

export interface SignOutOutcome {
  /** Cognito `/logout?client_id&logout_uri` for this pool: opening it clears the managed-login cookie. */
  logoutUrl: string;
  /** Whether the refresh token was revoked at the service. */
  revoked: boolean;
  /** Steps that failed (revoke, vault delete); the other steps ran anyway. */
  errors: readonly unknown[];
}

export interface TerminalAuth {
  beginSignIn(options: { loginHint?: string; identityProvider?: string; forceLogin?: boolean }): Promise<{ authorizeUrl: string; expiresAt: number }>;
  /** With `stage: true`: validates the callback and exchanges the code, but leaves the current session alone. */
  completeSignIn(callbackUrl: string, options: { stage: true }): Promise<StagedSignIn>;
  cancelSignIn(): unknown;
  currentSession(): TerminalAuthSession | null;
  /** The current ID token (raw JWT), for the identity pool's Logins map only. */
  getTokens(): PromiseLike<{ idToken: string } | null> | { idToken: string } | null;
  refresh(options: { force?: boolean }): Promise<unknown>;
  /** Personal mode: silent restore from the keychain (refreshes the tokens). */
  restore(): Promise<TerminalAuthSession | null>;
  /** Shared start: revokes and deletes every refresh token the keychain still holds (crash, power loss). */
  endLeftovers(): Promise<{ logoutUrl: string; ended: readonly { sub: string; username: string; revoked: boolean; errors: readonly unknown[] }[] }>;
  /** Revokes the refresh token, deletes the vault entry and drops the tokens; each step even if an earlier fails. */
  signOut(): Promise<SignOutOutcome>;
}

/** The credentials and gate types are the credentials provider's own (main/identity-pool), not a copy. */
export type { AwsCredentials as TerminalAwsCredentials, GateState, IdTokenSource } from '../identity-pool';

export interface TerminalCredentials {
  getCredentials(request?: { roleArn?: string }): Promise<TerminalAwsCredentials>;
  startGuest(): Promise<TerminalAwsCredentials>;
  endGuest(): void;
  linkGuestOnSignIn(request?: { roleArn?: string }): Promise<{ linked: 'kept' | 'merged' | 'none'; identityId: string; credentials: TerminalAwsCredentials }>;
  /** Drops every credential held in memory (sign-out, switch). */
  drop(): void;
  /** Optional: opens the identity-pool connection while the person is in the browser (no request). */
  preconnect?(): void;
}

/** The credentials provider needs the terminal's gate and ID tokens; pass a factory to get them wired. */
export type CredentialsFactory = (deps: { gate: () => GateState; idTokens: IdTokenSource }) => TerminalCredentials;

/** A settings change as the terminal passes it on to the UI: never the identity id. */
export type TerminalSettingsChange =
  /** `overridden`: the person's own change was replaced by a newer one made on another terminal (the UI says so). */
  | { kind: 'record'; dataset: string; key: string; value: string | null; overridden?: true }
  | { kind: 'reset' };

/**
 * The per-person settings sync (main/sync's `SettingsSync` satisfies it structurally). The terminal opens it
 * for the signed-in person's identity id, closes it at sign-out / switch / cap (purging the cache on shared
 * terminals) and refuses reads and writes unless the person is signed in and the terminal unlocked.
 */
export interface TerminalSettings {
  open(identityId: string): Promise<void>;
  /**
   * Closes the person's settings. Before it returns (synchronously) the person is no longer open and, with `purge`,
   * their cache file is gone; the bounded final flush follows. Resolves with how many changes were not saved.
   */
  close(options: { flush: boolean; purge: boolean }): Promise<{ notSaved: number }>;
  currentIdentity(): string | null;
  get(dataset: string, key: string): string | undefined;
  set(dataset: string, key: string, value: string): Promise<void>;
  /** AWS is reachable again (unlock): sync now. */
  reconnected(): void;
  subscribe(listener: (change: TerminalSettingsChange) => void): () => void;
  /** Shared terminals at start: removes every person's settings cache left behind (crash, power loss). */
  purgeLeftovers?(): Promise<void>;
}

/**
 * The settings sync reads AWS credentials straight from the terminal's credentials provider (same gate; no
 * audit of refusals during the final flush at sign-out, which uses the leaving person's last credentials).
 */
export type SettingsFactory = (deps: { credentials: () => Promise<TerminalAwsCredentials> }) => TerminalSettings;

/**
 * How long the whole terminal has had no keyboard or pointer input, in any application (Electron
 * `powerMonitor.getSystemIdleTime()` through main/shell/power.ts; a fake driven by the test clock in tests).
 * With one, main decides idleness itself and the renderer's activity reports are only a hint to look now.
 */
export interface SystemIdleSource {
  /** Whole seconds since the last input anywhere on the terminal. */
  idleSeconds(): number;
}
