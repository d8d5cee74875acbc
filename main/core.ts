/**
 * The whole main-process core, electron-free: configuration -> sign-in core (auth) -> identity-pool
 * credentials (aws) -> audit log -> shared-terminal session. `main/index.ts` wires this to Electron; the
 * renderer test harness and the benchmarks use the very same composition in plain Node.
 */
import path from 'node:path';
import { createAuthCore, KeytarSecretStore, type AuthCore, type SecretStore } from './auth';
import { createCredentialsProvider } from './aws';
import type { Clock } from './clock';
import { defaultTerminalId, type Config } from './config';
import type { ScrubInError } from './errors';
import { createTerminalSession, openAuditLog, type AuditLog, type TerminalSession } from './terminal';

export interface CoreOptions {
  config: Config;
  /** Folder for non-secret caches (discovery, identity ids) and the default audit log. */
  dataDir: string;
  /** Opens authorize/logout URLs in the system browser (the shell checks them against the allowlist). */
  openBrowser: (url: string) => void;
  store?: SecretStore;
  clock?: Clock;
  onProblem?: (error: ScrubInError) => void;
}

export interface ScrubInCore {
  config: Config;
  auth: AuthCore;
  session: TerminalSession;
  audit: AuditLog;
  dispose(): void;
}

export function createCore(options: CoreOptions): ScrubInCore {
  const { config, dataDir, clock } = options;
  const terminalId = config.terminal.terminalId ?? defaultTerminalId();
  const cacheDir = path.join(dataDir, 'cache');
  const audit = openAuditLog({ path: config.auditLogPath ?? path.join(dataDir, 'audit.jsonl'), terminalId, ...(clock ? { clock } : {}) });
  const auth = createAuthCore({
    config,
    store: options.store ?? new KeytarSecretStore(),
    cacheDir,
    ...(clock ? { clock } : {}),
  });
  const identityPool = config.identityPool;
  const session = createTerminalSession({
    config,
    auth,
    audit,
    terminalId,
    openBrowser: options.openBrowser,
    ...(clock ? { clock } : {}),
    ...(options.onProblem ? { onProblem: options.onProblem } : {}),
    credentials: identityPool
      ? ({ gate, idTokens }) => createCredentialsProvider({ config, idTokens, gate, cacheDir, ...(clock ? { clock } : {}) })
      : null,
  });
  return {
    config,
    auth,
    session,
    audit,
    dispose() {
      session.dispose();
      audit.close();
    },
  };
}
