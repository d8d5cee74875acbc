import { spawnSync } from 'node:child_process';
import { appendFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../main/clock';
import { isScrubInError } from '../../main/errors';
import { openAuditLog, verifyAuditBuffer, verifyAuditLog, type AuditEntry, type AuditLogEvent } from '../../main/terminal/audit';

const nurse = { username: 'nurse', sub: '6f1c2a3b-0000-4000-8000-000000000001' };
const surgeon = { username: 'surgeon', sub: '6f1c2a3b-0000-4000-8000-000000000002' };

function tempFile(): string {
  return path.join(mkdtempSync(path.join(tmpdir(), 'scrubin-audit-')), 'logs', 'audit.jsonl');
}

const ENTRIES: AuditEntry[] = [
  { event: 'sign-in', outcome: 'ok', user: nurse, via: 'managed-login', forced: true },
  { event: 'lock', outcome: 'ok', user: nurse, reason: 'idle' },
  { event: 'switch', outcome: 'ok', from: nurse, to: surgeon },
];

function writeSample(file: string, clock = new ManualClock()): void {
  const log = openAuditLog({ path: file, terminalId: 'OR-07', clock });
  for (const entry of ENTRIES) {
    clock.advance(1000);
    log.append(entry);
  }
  log.close();
}

/** 1-based line number of byte `pos` (a newline belongs to the line it ends). */
function lineOf(data: Buffer, pos: number): number {
  let line = 1;
  for (let i = 0; i < pos; i++) if (data[i] === 0x0a) line++;
  return line;
}

describe('audit log writer', () => {
  it('writes a header anchored to a random seed, then one chained, self-hashed line per record', () => {
    const file = tempFile();
    const events: AuditLogEvent[] = [];
    const clock = new ManualClock();
    const log = openAuditLog({ path: file, terminalId: 'OR-07', clock, onEvent: (e) => events.push(e) });
    const record = log.append(ENTRIES[0]!);
    log.close();
    expect(events).toEqual([{ type: 'created', path: file }]);
    expect(record).toMatchObject({ seq: 1, terminal: 'OR-07', event: 'sign-in', user: nurse, time: new Date(clock.now()).toISOString() });
    const lines = readFileSync(file, 'utf8').split('\n');
    expect(lines).toHaveLength(3);
    expect(lines[2]).toBe('');
    const header = JSON.parse(lines[0]!) as { seed: string; hash: string; event: string };
    expect(header.event).toBe('audit-log-created');
    expect(header.seed).toMatch(/^[0-9a-f]{64}$/);
    expect((JSON.parse(lines[1]!) as { prev: string }).prev).toBe(header.hash);
    expect(lines[1]!.endsWith(`,"hash":"${record.hash}"}`)).toBe(true);
    // A second file gets a different seed.
    const other = tempFile();
    openAuditLog({ path: other, terminalId: 'OR-07', clock }).close();
    expect((JSON.parse(readFileSync(other, 'utf8').split('\n')[0]!) as { seed: string }).seed).not.toBe(header.seed);
  });

  it('continues the chain after a restart and the whole file verifies', () => {
    const file = tempFile();
    writeSample(file);
    const log = openAuditLog({ path: file, terminalId: 'OR-07', clock: new ManualClock() });
    expect(log.recovered).toBeNull();
    const record = log.append({ event: 'unlock', outcome: 'ok', user: surgeon });
    log.close();
    expect(record.seq).toBe(4);
    const result = verifyAuditLog(file);
    expect(result.ok).toBe(true);
    if (result.ok) expect(result.records.map((r) => r.event)).toEqual(['audit-log-created', 'sign-in', 'lock', 'switch', 'unlock']);
  });

  it('accepts only whitelisted shapes and never echoes a rejected value', () => {
    const file = tempFile();
    const log = openAuditLog({ path: file, terminalId: 'OR-07' });
    const jwt = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJlLXNpZ25hdHVyZS1zaWduYXR1cmUtc2lnbmF0dXJlLXNpZ25hdHVyZS1zaWduYXR1cmUtc2lnbmF0dXJl';
    const bad: unknown[] = [
      { event: 'sign-in', outcome: 'ok', user: nurse, via: 'managed-login', forced: true, idToken: jwt },
      { event: 'sign-in', outcome: 'ok', user: { username: jwt, sub: nurse.sub }, via: 'managed-login', forced: true },
      { event: 'callback-dropped', outcome: 'refused', code: 'code=abc123' },
      { event: 'note', outcome: 'ok', text: 'free form' },
      { event: 'lock', outcome: 'ok', user: { ...nurse, password: 'OR-demo-2026' }, reason: 'idle' },
    ];
    for (const entry of bad) {
      let caught: unknown;
      try {
        log.append(entry as AuditEntry);
      } catch (error) {
        caught = error;
      }
      expect(isScrubInError(caught, 'internal')).toBe(true);
      const text = (caught as Error).message + JSON.stringify(caught);
      expect(text).not.toContain(jwt);
      expect(text).not.toContain('OR-demo-2026');
      expect(text).not.toContain('abc123');
    }
    log.close();
    const content = readFileSync(file, 'utf8');
    expect(content.split('\n')).toHaveLength(2); // header only
  });
});

describe('audit log verifier', () => {
  it('fails AT the edited record for every single byte of a small file (header, middle, last, newlines)', () => {
    const file = tempFile();
    writeSample(file);
    const original = readFileSync(file);
    expect(verifyAuditBuffer(original).ok).toBe(true);
    expect(original.length).toBeGreaterThan(800);
    for (let pos = 0; pos < original.length; pos++) {
      const edited = Buffer.from(original);
      edited[pos] = edited[pos]! ^ 0x01;
      const result = verifyAuditBuffer(edited);
      expect(result.ok, `byte ${pos} edited but the file still verifies`).toBe(false);
      if (!result.ok) expect(result.line, `byte ${pos}: ${result.reason}`).toBe(lineOf(original, pos));
    }
  });

  it('detects a deleted, duplicated or reordered record at the first record after the change', () => {
    const file = tempFile();
    writeSample(file);
    const lines = readFileSync(file, 'utf8').split('\n'); // [h, 1, 2, 3, '']
    const join = (ls: string[]) => Buffer.from(ls.join('\n'));
    const deleted = verifyAuditBuffer(join([lines[0]!, lines[1]!, lines[3]!, '']));
    expect(deleted).toMatchObject({ ok: false, line: 3 });
    expect(!deleted.ok && deleted.reason).toMatch(/missing record\(s\): expected seq 2, found 3/);
    expect(verifyAuditBuffer(join([lines[0]!, lines[2]!, lines[1]!, lines[3]!, '']))).toMatchObject({ ok: false, line: 2 });
    expect(verifyAuditBuffer(join([lines[0]!, lines[1]!, lines[1]!, lines[2]!, '']))).toMatchObject({ ok: false, line: 3 });
    expect(verifyAuditBuffer(join([lines[1]!, lines[2]!, '']))).toMatchObject({ ok: false, line: 1 });
    expect(verifyAuditBuffer(Buffer.alloc(0))).toMatchObject({ ok: false, line: 1 });
  });

  it('reports a torn last line, records its recovery on the next open, and verifies the recovered file', () => {
    const file = tempFile();
    writeSample(file);
    const whole = readFileSync(file);
    // Simulate a crash half-way through writing a fifth line.
    const torn = '{"seq":4,"time":"2026-01-01T07:00:04.000Z","terminal":"OR-07","event":"unlo';
    appendFileSync(file, torn);
    expect(verifyAuditLog(file)).toMatchObject({ ok: false, line: 5 });
    expect((verifyAuditLog(file) as { reason: string }).reason).toMatch(/torn last line/);

    const events: AuditLogEvent[] = [];
    const log = openAuditLog({ path: file, terminalId: 'OR-07', clock: new ManualClock(), onEvent: (e) => events.push(e) });
    expect(events).toEqual([{ type: 'torn-line-recovered', path: file, line: 5, bytes: torn.length }]);
    expect(log.recovered).toEqual({ line: 5, bytes: torn.length });
    const after = log.append({ event: 'unlock', outcome: 'ok', user: surgeon });
    log.close();
    expect(after.seq).toBe(5);
    const content = readFileSync(file);
    expect(content.subarray(0, whole.length + torn.length).equals(Buffer.concat([whole, Buffer.from(torn)]))).toBe(true); // nothing rewritten
    const result = verifyAuditLog(file);
    expect(result).toMatchObject({ ok: true, recovered: [{ line: 5, bytes: torn.length }] });
    if (result.ok) expect(result.records.map((r) => r.event)).toEqual(['audit-log-created', 'sign-in', 'lock', 'switch', 'recovered', 'unlock']);

    // Editing the torn bytes afterwards is caught at the torn line; editing the recovery record at its line.
    const text = content.toString('latin1');
    const tornAt = whole.length + 10;
    const editedTorn = Buffer.from(content);
    editedTorn[tornAt] = editedTorn[tornAt]! ^ 0x01;
    expect(verifyAuditBuffer(editedTorn)).toMatchObject({ ok: false, line: 5 });
    const recoveryAt = text.indexOf('"resume"') + 12;
    const editedRecovery = Buffer.from(content);
    editedRecovery[recoveryAt] = editedRecovery[recoveryAt]! ^ 0x01;
    expect(verifyAuditBuffer(editedRecovery)).toMatchObject({ ok: false, line: 6 });
  });

  it('refuses to append to a file that is not an audit log', () => {
    const file = tempFile();
    writeSample(file);
    writeFileSync(file, 'not an audit log\n');
    expect(() => openAuditLog({ path: file, terminalId: 'OR-07' })).toThrow(/no valid audit header/);
  });

  it('CLI: prints the first broken record and exits 1; exits 0 for an intact log', () => {
    const file = tempFile();
    writeSample(file);
    const tsx = path.resolve('node_modules/.bin/tsx');
    const ok = spawnSync(tsx, ['scripts/audit-verify.ts', file], { encoding: 'utf8' });
    expect(ok.status).toBe(0);
    expect(ok.stdout).toContain('OK, 4 records');
    const data = readFileSync(file);
    const third = data.indexOf('"lock"');
    data[third + 2] = data[third + 2]! ^ 0x01;
    writeFileSync(file, data);
    const bad = spawnSync(tsx, ['scripts/audit-verify.ts', file], { encoding: 'utf8' });
    expect(bad.status).toBe(1);
    expect(bad.stderr).toContain('BROKEN at line 3');
    expect(bad.stderr).toContain('last intact record: seq 1 (sign-in');
    const usage = spawnSync(tsx, ['scripts/audit-verify.ts'], { encoding: 'utf8' });
    expect(usage.status).toBe(2);
  });
});
