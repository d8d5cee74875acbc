/**
 * Verifies a hash-chained audit log (see audit-record.ts for the line format):
 * - line 1 is the header; its `prev` is SHA-256 of `format:seed` (the per-file random anchor);
 * - every line ends with its own `hash`, which must match the line's bytes (an edited byte fails AT that line);
 * - every record's `seq` is one more than the previous record's and its `prev` is that record's `hash`
 *   (a removed or reordered record fails at the first record after the gap);
 * - a torn line (crash mid-write) is accepted only when the very next line is a `recovered` record whose `prev`
 *   is SHA-256 of the torn bytes and whose `resume` is the hash of the last whole record; such lines are reported
 *   in `recovered`. A torn LAST line (not yet recovered) fails.
 * Removing records from the END of the file cannot be detected by a chain alone (see docs/terminal-policy.md).
 *
 * An intact chain can still carry FINDINGS that a person must look at: every recovery (records replaced by tail
 * bytes without a newline look exactly like a crash), a chain that starts over in a data folder used before
 * (the log was deleted or emptied), and time that goes backwards between records.
 */
import { readFileSync } from 'node:fs';
import {
  anchorOf,
  AuditRecordSchema,
  checkLineHash,
  HeaderRecordSchema,
  RecoveredRecordSchema,
  sha256,
  type AuditRecord,
} from './audit-record';

export interface VerifyFinding {
  line: number;
  kind: 'recovery' | 'chain-start' | 'time-backwards';
  detail: string;
}

export type VerifyResult =
  | { ok: true; records: AuditRecord[]; recovered: { line: number; bytes: number }[]; findings: VerifyFinding[] }
  | { ok: false; line: number; reason: string; records: AuditRecord[] };

/** Splits on `\n`; `complete` is false when the last segment has no newline (a torn tail). */
function splitLines(data: Buffer): { lines: Buffer[]; complete: boolean } {
  const lines: Buffer[] = [];
  let start = 0;
  for (let i = 0; i < data.length; i++) {
    if (data[i] === 0x0a) {
      lines.push(data.subarray(start, i));
      start = i + 1;
    }
  }
  const complete = start === data.length;
  if (!complete) lines.push(data.subarray(start));
  return { lines, complete };
}

function parseRecord(line: Buffer): { ok: true; record: AuditRecord } | { ok: false; reason: string } {
  const self = checkLineHash(line);
  if (!self.ok) return self;
  let json: unknown;
  try {
    json = JSON.parse(line.toString('utf8'));
  } catch {
    return { ok: false, reason: 'line is not valid JSON' };
  }
  const parsed = AuditRecordSchema.safeParse(json);
  if (!parsed.success) return { ok: false, reason: 'line is not a valid audit record (unknown event or field)' };
  return { ok: true, record: parsed.data };
}

const RECOVERED_MARK = Buffer.from('"event":"recovered"');

export function verifyAuditBuffer(data: Buffer): VerifyResult {
  const records: AuditRecord[] = [];
  const recovered: { line: number; bytes: number }[] = [];
  const findings: VerifyFinding[] = [];
  let lastTime = '';
  /** ISO-8601 UTC times of one format compare as strings. */
  const checkTime = (lineNo: number, record: AuditRecord): void => {
    if (record.time < lastTime) findings.push({ line: lineNo, kind: 'time-backwards', detail: `time goes back from ${lastTime} to ${record.time} (clock changed or records edited)` });
    lastTime = record.time;
  };
  const fail = (line: number, reason: string): VerifyResult => ({ ok: false, line, reason, records });
  if (data.length === 0) return fail(1, 'empty file: the header record is missing');
  const { lines, complete } = splitLines(data);
  const lastIndex = lines.length - 1;

  const first = lines[0] ?? Buffer.alloc(0);
  if (!complete && lastIndex === 0) return fail(1, 'torn header: the first line is incomplete');
  const head = parseRecord(first);
  if (!head.ok) return fail(1, `header: ${head.reason}`);
  const header = HeaderRecordSchema.safeParse(head.record);
  if (!header.success) return fail(1, 'the first line is not an audit-log header');
  if (header.data.seq !== 0) return fail(1, 'header: seq must be 0');
  if (header.data.prev !== anchorOf(header.data.seed)) return fail(1, 'header: prev does not match the seed anchor');
  records.push(header.data);
  lastTime = header.data.time;
  if (header.data.reason !== 'first-start') {
    const why = header.data.reason === 'log-missing' ? 'the log was missing' : 'the log was empty';
    findings.push({ line: 1, kind: 'chain-start', detail: `a new chain started at ${header.data.time} because ${why} in a data folder used before (deleted or emptied?)` });
  }
  let lastHash = header.data.hash;
  let lastSeq = 0;

  for (let i = 1; i < lines.length; i++) {
    const lineNo = i + 1;
    const line = lines[i] ?? Buffer.alloc(0);
    const isTornTail = !complete && i === lastIndex;
    const next = i + 1 < lines.length ? lines[i + 1] : undefined;
    const nextIsRecovery = next !== undefined && next.includes(RECOVERED_MARK) && !(!complete && i + 1 === lastIndex);
    if (nextIsRecovery && !isTornTail) {
      // Line i is a torn record; line i+1 must be the recovery record that accounts for it.
      const rec = parseRecord(next);
      if (!rec.ok) return fail(lineNo + 1, `recovery record: ${rec.reason}`);
      const recovery = RecoveredRecordSchema.safeParse(rec.record);
      if (!recovery.success) return fail(lineNo + 1, 'recovery record: not a valid recovered record');
      const r = recovery.data;
      if (r.torn.line !== lineNo || r.torn.bytes !== line.length || r.prev !== sha256(line)) {
        return fail(lineNo, 'torn line does not match what the recovery record on the next line says about it (edited)');
      }
      if (r.resume !== lastHash) return fail(lineNo + 1, 'recovery record does not resume from the last whole record (a record was removed)');
      if (r.seq !== lastSeq + 1) return fail(lineNo + 1, `missing record(s): expected seq ${lastSeq + 1}, found ${r.seq}`);
      recovered.push({ line: lineNo, bytes: line.length });
      findings.push({
        line: lineNo,
        kind: 'recovery',
        detail: `${line.length} bytes without a newline after record seq ${lastSeq} (hash ${lastHash.slice(0, 16)}…) were set aside at ${r.time}: a crash mid-write, or the last records were replaced`,
      });
      checkTime(lineNo + 1, r);
      records.push(r);
      lastHash = r.hash;
      lastSeq = r.seq;
      i += 1;
      continue;
    }
    if (isTornTail) {
      return fail(lineNo, 'torn last line: the last record is incomplete (the app stopped mid-write); its recovery is recorded when the app next starts');
    }
    const parsed = parseRecord(line);
    if (!parsed.ok) return fail(lineNo, parsed.reason);
    const record = parsed.record;
    if (record.event === 'audit-log-created') return fail(lineNo, 'a second header in the middle of the file');
    if (record.event === 'recovered') return fail(lineNo, 'a recovery record that follows no torn line');
    if (record.seq !== lastSeq + 1) {
      return fail(lineNo, record.seq > lastSeq + 1 ? `missing record(s): expected seq ${lastSeq + 1}, found ${record.seq}` : `out-of-order record: expected seq ${lastSeq + 1}, found ${record.seq}`);
    }
    if (record.prev !== lastHash) return fail(lineNo, 'chain broken: prev does not match the hash of the record before (a record was removed, replaced or reordered)');
    checkTime(lineNo, record);
    records.push(record);
    lastHash = record.hash;
    lastSeq = record.seq;
  }
  return { ok: true, records, recovered, findings };
}

export function verifyAuditLog(file: string): VerifyResult {
  let data: Buffer;
  try {
    data = readFileSync(file);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'unknown error';
    return { ok: false, line: 0, reason: `cannot read the audit log (${code})`, records: [] };
  }
  return verifyAuditBuffer(data);
}
