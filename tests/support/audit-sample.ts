/** A small audit log for the writer, verifier and CLI tests: a header and three records, one second apart. */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ManualClock } from '../../main/clock';
import { openAuditLog, type AuditEntry } from '../../main/terminal/audit';

export const nurse = { username: 'nurse', sub: '6f1c2a3b-0000-4000-8000-000000000001' };
export const surgeon = { username: 'surgeon', sub: '6f1c2a3b-0000-4000-8000-000000000002' };

export function tempFile(): string {
  return path.join(mkdtempSync(path.join(tmpdir(), 'scrubin-audit-')), 'logs', 'audit.jsonl');
}

export const ENTRIES: AuditEntry[] = [
  { event: 'sign-in', outcome: 'ok', user: nurse, via: 'managed-login', forced: true },
  { event: 'lock', outcome: 'ok', user: nurse, reason: 'idle' },
  { event: 'switch', outcome: 'ok', from: nurse, to: surgeon },
];

export function writeSample(file: string, clock = new ManualClock()): void {
  const log = openAuditLog({ path: file, terminalId: 'OR-07', clock });
  for (const entry of ENTRIES) {
    clock.advance(1000);
    log.append(entry);
  }
  log.close();
}
