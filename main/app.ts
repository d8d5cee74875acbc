/**
 * The whole main-process app, electron-free: configuration -> sign-in core (auth) -> identity-pool
 * credentials (aws) -> audit log -> per-person settings sync (sync) -> shared-terminal session. `main/index.ts`
 * wires this to Electron; the renderer test harness and the benchmarks use the very same composition in plain Node.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { createUserPoolAuth, KeytarSecretStore, type UserPoolAuth, type SecretStore } from './auth';
import { createCredentialsProvider } from './identity-pool';
import type { Clock } from './clock';
import { defaultTerminalId, DEFAULT_LANGUAGE, withResolvedLanguage, type Config } from './config';
import { ERROR_CODES, ScrubInError, toScrubInError, type ErrorCode } from './errors';
import { callSafely } from './lib';
import { createSettingsSync, type SettingsSync, type SyncEvent } from './sync';
import { createTerminalDisplay, createTerminalSession, openAuditLog, type AuditLog, type SettingsFactory, type TerminalSession } from './terminal';

export interface AppOptions {
  config: Config;
  /** Folder for non-secret caches (discovery, identity ids, settings) and the default audit log. */
  dataDir: string;
  /** Opens authorize/logout URLs in the system browser (the shell checks them against the allowlist). */
  openBrowser: (url: string) => void;
  store?: SecretStore;
  clock?: Clock;
  onProblem?: (error: ScrubInError) => void;
  /** Settings-sync events for logs (ids, counts and codes only, never values or credentials). */
  onSyncEvent?: (event: SyncEvent) => void;
  /** Gets a copy of every audit line (the app passes the OS-log forwarder of terminal/system-log.ts). */
  forwardAudit?: (line: string) => void;
  /** The OS locale (Electron: app.getLocale()) for `terminal.language` when IT did not set it; default: this process's. */
  osLocale?: string;
}

export interface ScrubInApp {
  config: Config;
  auth: UserPoolAuth;
  session: TerminalSession;
  audit: AuditLog;
  /** The settings sync engine (null without a `sync` section); the session opens and closes it. */
  settings: SettingsSync | null;
  /** Where the settings caches live (`<dataDir>/settings`, one file per person; none left on shared terminals). */
  settingsDir: string;
  dispose(): void;
}

/** Where the terminal's audit log is: `auditLogPath`, or audit.jsonl in the app's data folder. */
export function auditLogPathOf(config: Config, dataDir: string): string {
  return config.auditLogPath ?? path.join(dataDir, 'audit.jsonl');
}

export function createApp(options: AppOptions): ScrubInApp {
  const { dataDir, clock } = options;
  // One language for the whole app: the screens and Cognito's managed login (`lang`).
  const config = withResolvedLanguage(options.config, options.osLocale);
  const terminalId = config.terminal.terminalId ?? defaultTerminalId();
  const cacheDir = path.join(dataDir, 'cache');
  const settingsDir = path.join(dataDir, 'settings');
  // A broken logger must not break the app (nor sync, below).
  const report = (error: ScrubInError): void => callSafely(options.onProblem, error);
  const audit = openAuditLog({
    path: auditLogPathOf(config, dataDir),
    terminalId,
    ...(clock ? { clock } : {}),
    // The cache folder exists once Scrub In has run here: a missing log is then not a first start.
    previouslyUsed: existsSync(cacheDir),
    ...(options.forwardAudit ? { forward: options.forwardAudit } : {}),
    onEvent: (event) => {
      // A chain that starts over, or tail bytes set aside, may be tampering: IT must see it, not only the verifier.
      if (event.type === 'torn-line-recovered') report(new ScrubInError('internal', { detail: `audit log: ${event.bytes} bytes without a newline at line ${event.line} set aside (crash mid-write, or records replaced); run audit:verify` }));
      if (event.type === 'created' && event.reason !== 'first-start') report(new ScrubInError('internal', { detail: `audit log: a new chain started because the log was ${event.reason === 'log-missing' ? 'missing' : 'empty'} in a data folder used before` }));
    },
  });
  const auth = createUserPoolAuth({
    config,
    store: options.store ?? new KeytarSecretStore(),
    cacheDir,
    ...(clock ? { clock } : {}),
    onEvent: (event) => {
      // Failures the sign-in survives (it goes on from memory) but IT should see in the log: cache files that
      // could not be written, a keychain or last-account pointer operation that failed.
      if (event.type === 'discovery-refresh-failed') report(new ScrubInError('internal', { detail: event.reason }));
      // A discovery document (cache file or network answer) that points an endpoint off the pool's origins.
      if (event.type === 'discovery-untrusted') report(new ScrubInError('endpoint_untrusted', { detail: `${event.endpoint} in the ${event.source} discovery document` }));
      if (event.type === 'keychain-error') report(new ScrubInError(event.reason, { detail: `${event.operation} failed` }));
      // A sign-out that could not revoke the refresh token at Cognito (offline, Cognito failing): the token is gone
      // from this terminal but stays valid at the pool until it expires; IT may want to revoke the user's sessions.
      const failed = event.type === 'signed-out' && !event.revoked ? event.errors[0] : undefined;
      if (failed) report(new ScrubInError(failed, { detail: 'sign-out: the refresh token could not be revoked at Cognito; it was deleted here and expires by itself' }));
    },
  });
  const identityPool = config.identityPool;
  const sync = config.sync;
  let settings: SettingsSync | null = null;
  const settingsFactory: SettingsFactory | null =
    identityPool && sync
      ? ({ credentials }) => {
          const engine = createSettingsSync({
            cacheDir: settingsDir,
            credentials,
            region: sync.region,
            tableName: sync.tableName,
            ...(sync.endpoint === undefined ? {} : { endpoint: sync.endpoint }),
            deviceId: `terminal-${terminalId}`,
            ...(clock ? { clock } : {}),
            onEvent: (event) => {
              callSafely(options.onSyncEvent, event);
              if (event.type === 'sync-failed') {
                const code: ErrorCode = Object.hasOwn(ERROR_CODES, event.code) ? (event.code as ErrorCode) : 'internal';
                report(new ScrubInError(code, { detail: `settings sync failed${event.retryInMs === null ? '' : `; retrying in ${Math.round(event.retryInMs / 1000)} s`}` }));
              }
              if (event.type === 'cache-write-failed') report(new ScrubInError('internal', { detail: 'the settings cache could not be written' }));
              // Each conflict goes to the diagnostics log (names only, never values); the person sees a notice in the UI.
              if (event.type === 'conflict') {
                report(new ScrubInError('sync_conflict', { detail: `settings conflict on ${event.dataset}/${event.key}: ${event.resolution} kept (${event.by === 'hook' ? 'hook' : 'server order'})` }));
              }
            },
          });
          settings = engine;
          return engine;
        }
      : null;
  const session = createTerminalSession({
    config,
    auth,
    audit,
    terminalId,
    openBrowser: options.openBrowser,
    ...(clock ? { clock } : {}),
    ...(options.onProblem ? { onProblem: options.onProblem } : {}),
    credentials: identityPool
      ? ({ gate, idTokens }) =>
          createCredentialsProvider({
            config,
            idTokens,
            gate,
            cacheDir,
            ...(clock ? { clock } : {}),
            onEvent: (event) => {
              // Only costs a GetId on a later sign-in, but IT should know why (disk full, folder not writable).
              if (event.type === 'identity-cache-ignored') {
                report(new ScrubInError('internal', { detail: `the identity-id cache was ${event.reason === 'unwritable' ? 'not written' : `ignored (${event.reason})`}` }));
              }
            },
          })
      : null,
    settings: settingsFactory,
    // Remembered for the terminal, not for a person: applies on the sign-in and lock screens.
    display: createTerminalDisplay({ language: config.terminal.language ?? DEFAULT_LANGUAGE, file: path.join(dataDir, 'terminal-display.json') }),
  });
  return {
    config,
    auth,
    session,
    audit,
    settings,
    settingsDir,
    dispose() {
      session.dispose();
      // Timers stop; nothing is pushed. A shared terminal removes any settings cache at its next start.
      settings?.close({ flush: false, purge: config.terminal.mode === 'shared' }).catch((error: unknown) => report(toScrubInError(error)));
      audit.close();
    },
  };
}
