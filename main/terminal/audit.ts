/**
 * Append-only, hash-chained audit log (JSON Lines) of the shared-terminal policy.
 *
 * - One record per line, written with ONE `fs.writeSync` on a file descriptor opened with 'a' and kept
 *   open, followed by `fs.fsyncSync`: a record is on disk before the action it reports is considered done.
 * - Records take the whitelisted shape of `AuditEntrySchema` (zod, strict): nothing free-form, so no token,
 *   code, password or credential can reach the file.
 * - Each line carries its own SHA-256 (`hash`) and the previous line's (`prev`); the first line is a header
 *   with a per-file random seed that anchors the chain.
 * - A torn last line (crash mid-write) is detected when the log is opened: it is reported (`onEvent` and the
 *   returned `recovered`) and a `recovered` record whose `prev` is SHA-256 of the torn bytes is written after
 *   it, so the verifier can account for it. Nothing is dropped or rewritten; the verifier still reports every
 *   recovery as a finding (records replaced by tail bytes without a newline look exactly like a crash).
 * - A new chain records why it starts (`first-start`, or `log-missing` / `log-emptied` in a data folder used
 *   before), and every record is also handed to `forward` (the operating system's log: a copy that leaves the
 *   file a local user can edit).
 */
import { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, writeSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { systemClock, type Clock } from '../clock';
import { ScrubInError } from '../errors';
import {
  anchorOf,
  AUDIT_FORMAT,
  type ChainStartReason,
  AuditEntrySchema,
  AuditRecordSchema,
  checkLineHash,
  encodeLine,
  sha256,
  type AuditEntry,
  type AuditRecord,
} from './audit-record';

export { verifyAuditLog, verifyAuditBuffer, type VerifyResult } from './audit-verifier';
export type { AuditEntry, AuditRecord, AuditUser } from './audit-record';

export type AuditLogEvent =
  | { type: 'created'; path: string; reason: ChainStartReason }
  | { type: 'torn-line-recovered'; path: string; line: number; bytes: number };

export interface AuditLog {
  readonly path: string;
  /** Validates `entry` against the whitelist, appends it (single write + fsync) and returns the stored record. */
  append(entry: AuditEntry): AuditRecord;
  /** The torn line found (and recorded as recovered) when the log was opened, if any. */
  readonly recovered: { line: number; bytes: number } | null;
  close(): void;
}

export interface OpenAuditLogOptions {
  path: string;
  terminalId: string;
  clock?: Clock;
  /** Whether Scrub In has used this data folder before: then a missing log is not a first start. */
  previouslyUsed?: boolean;
  /** Gets every line written (header, records, recoveries), after it is on disk: the OS-log copy. Must not throw. */
  forward?: (line: string) => void;
  onEvent?: (event: AuditLogEvent) => void;
}

interface Tail {
  seq: number;
  hash: string;
}

function lastWholeRecord(lines: Buffer[]): { index: number; tail: Tail } | null {
  for (let i = lines.length - 1; i >= 0; i--) {
    const line = lines[i] ?? Buffer.alloc(0);
    const self = checkLineHash(line);
    if (!self.ok) continue;
    try {
      const record = AuditRecordSchema.parse(JSON.parse(line.toString('utf8')));
      return { index: i, tail: { seq: record.seq, hash: record.hash } };
    } catch {
      continue;
    }
  }
  return null;
}

function writeAll(fd: number, data: Buffer): void {
  // One write call for a record; regular files take it whole, but never leave a short write unfinished.
  let offset = 0;
  while (offset < data.length) offset += writeSync(fd, data, offset, data.length - offset);
}

export function openAuditLog(options: OpenAuditLogOptions): AuditLog {
  const clock = options.clock ?? systemClock;
  const file = options.path;
  const terminal = options.terminalId;
  const emit = (event: AuditLogEvent): void => {
    try {
      options.onEvent?.(event);
    } catch {
      // A broken listener must not stop auditing.
    }
  };
  // Scrub In does not run without its audit trail: a path that cannot be used is a configuration problem for IT.
  const unusable = (error: unknown, what: string): ScrubInError =>
    new ScrubInError('config_invalid', {
      detail: `the audit log ${file} ${what} (${(error as NodeJS.ErrnoException).code ?? 'error'}); check auditLogPath`,
      userMessage: 'Scrub In cannot write its audit log on this terminal, so it will not start. Ask hospital IT to check the audit log location (auditLogPath).',
      cause: error,
    });
  try {
    mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  } catch (error) {
    throw unusable(error, 'has no usable folder');
  }
  let existing: Buffer;
  let missing = false;
  try {
    existing = readFileSync(file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw unusable(error, 'cannot be read');
    existing = Buffer.alloc(0);
    missing = true;
  }
  let fd: number;
  try {
    fd = openSync(file, 'a', 0o600);
  } catch (error) {
    throw unusable(error, 'cannot be opened for writing');
  }
  let closed = false;
  let broken = false;
  let tail: Tail;
  let recovered: { line: number; bytes: number } | null = null;
  const time = (): string => new Date(clock.now()).toISOString();

  const writeLine = (prefix: string, body: Record<string, unknown>): { record: AuditRecord; hash: string } => {
    const { line, hash } = encodeLine(body);
    if (broken) throw new ScrubInError('internal', { detail: `the audit log ${file} failed earlier; restart to recover it` });
    try {
      writeAll(fd, Buffer.from(`${prefix}${line}\n`, 'utf8'));
      fsyncSync(fd);
    } catch (error) {
      broken = true;
      throw new ScrubInError('internal', { detail: `writing the audit log ${file} failed`, cause: error });
    }
    try {
      options.forward?.(line);
    } catch {
      // The OS-log copy is best effort; the file is the record.
    }
    return { record: AuditRecordSchema.parse({ ...body, hash }), hash };
  };

  try {
    if (existing.length === 0) {
      const seed = randomBytes(32).toString('hex');
      const reason: ChainStartReason = !options.previouslyUsed ? 'first-start' : missing ? 'log-missing' : 'log-emptied';
      const { hash } = writeLine('', {
        seq: 0,
        time: time(),
        terminal,
        event: 'audit-log-created',
        outcome: 'ok',
        format: AUDIT_FORMAT,
        seed,
        reason,
        prev: anchorOf(seed),
      });
      tail = { seq: 0, hash };
      emit({ type: 'created', path: file, reason });
    } else {
      const endsWithNewline = existing[existing.length - 1] === 0x0a;
      const lines = (endsWithNewline ? existing.subarray(0, -1) : existing).toString('latin1').split('\n').map((l) => Buffer.from(l, 'latin1'));
      const lastIndex = lines.length - 1;
      // Without a final newline the last segment is torn even if it happens to parse: look before it.
      const found = lastWholeRecord(endsWithNewline ? lines : lines.slice(0, lastIndex));
      if (!found) {
        throw new ScrubInError('internal', { detail: `${file} has no valid audit header; move it aside so a new log can start` });
      }
      if (found.index === lastIndex && endsWithNewline) {
        tail = found.tail;
      } else if (found.index === lastIndex - 1) {
        // The last line is torn (no newline) or damaged: account for it with a `recovered` record.
        const torn = lines[lastIndex] ?? Buffer.alloc(0);
        const line = lastIndex + 1;
        const { hash } = writeLine(endsWithNewline ? '' : '\n', {
          seq: found.tail.seq + 1,
          time: time(),
          terminal,
          event: 'recovered',
          outcome: 'ok',
          torn: { line, bytes: torn.length },
          resume: found.tail.hash,
          prev: sha256(torn),
        });
        tail = { seq: found.tail.seq + 1, hash };
        recovered = { line, bytes: torn.length };
        emit({ type: 'torn-line-recovered', path: file, line, bytes: torn.length });
      } else {
        throw new ScrubInError('internal', {
          detail: `${file} ends with ${lastIndex - found.index} damaged lines; run the audit verifier and move the file aside`,
        });
      }
    }
  } catch (error) {
    closeSync(fd);
    throw error;
  }

  return {
    path: file,
    get recovered() {
      return recovered;
    },
    append(entry) {
      if (closed) throw new ScrubInError('internal', { detail: 'the audit log is closed' });
      const parsed = AuditEntrySchema.safeParse(entry);
      if (!parsed.success) {
        // Name the offending fields only: never echo the values (they might be exactly what must not be logged).
        const where = parsed.error.issues.map((issue) => `${issue.path.join('.') || '(root)'}:${issue.code}`).join(', ');
        throw new ScrubInError('internal', { detail: `audit entry rejected by the whitelist (${where})` });
      }
      const { record, hash } = writeLine('', { seq: tail.seq + 1, time: time(), terminal, ...parsed.data, prev: tail.hash });
      tail = { seq: tail.seq + 1, hash };
      return record;
    },
    close() {
      if (closed) return;
      closed = true;
      closeSync(fd);
    },
  };
}
