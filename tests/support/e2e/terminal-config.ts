/** The configuration every e2e terminal gets: local-cognito's, a fresh audit log, a shared-terminal policy. */
import path from 'node:path';
import type { LocalCognito } from '../../../local-cognito';
import type { TerminalOptions } from './driver';

export function terminalConfig(cognito: LocalCognito, dataDir: string, options: TerminalOptions): Record<string, unknown> {
  return {
    ...cognito.config,
    auditLogPath: path.join(dataDir, 'audit.jsonl'),
    // English unless a spec asks for another language (the default would follow this machine's locale).
    terminal: { mode: 'shared', idleLockSeconds: 300, sessionCapHours: 12, terminalId: options.terminalId ?? 'OR-07', language: 'en', ...options.terminal },
  };
}
