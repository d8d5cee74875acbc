import { appendFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { MemorySecretStore } from '../../main/auth';
import { ManualClock } from '../../main/clock';
import { ConfigSchema } from '../../main/config/schema';
import { createApp } from '../../main/app';
import { isScrubInError } from '../../main/errors';
import { openAuditLog, verifyAuditBuffer, verifyAuditLog, type AuditEntry, type AuditLogEvent } from '../../main/terminal/audit';
import { ENTRIES, nurse, surgeon, tempFile, writeSample } from '../support/audit-sample';

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
    expect(events).toEqual([{ type: 'created', path: file, reason: 'first-start' }]);
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
});

describe('audit log tail tampering (security defect 4: it read as a crash)', () => {
  it('last records replaced by bytes without a final newline: the chain verifies but the recovery is a finding naming the dropped bytes and the last intact record', () => {
    const file = tempFile();
    writeSample(file);
    const lines = readFileSync(file, 'utf8').split('\n');
    const keep = `${lines.slice(0, 2).join('\n')}\n`; // header + sign-in; lock and switch removed
    const forged = '{"seq":2,"event":"nothing to see"';
    writeFileSync(file, `${keep}${forged}`);
    const log = openAuditLog({ path: file, terminalId: 'OR-07' });
    log.close();
    const result = verifyAuditLog(file);
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    const signIn = result.records[1]!;
    expect(result.findings).toEqual([
      expect.objectContaining({ line: 3, kind: 'recovery', detail: expect.stringContaining(`${forged.length} bytes without a newline after record seq 1 (hash ${signIn.hash.slice(0, 16)}…)`) as unknown }),
    ]);
    const recovery = result.records[2]!;
    expect(recovery).toMatchObject({ event: 'recovered', torn: { line: 3, bytes: forged.length }, resume: signIn.hash });
  });

  it('a clean log has no findings', () => {
    const file = tempFile();
    writeSample(file);
    expect(verifyAuditLog(file)).toMatchObject({ ok: true, findings: [] });
  });

  it.each([
    ['deleted', (file: string) => rmSync(file), 'log-missing'],
    ['emptied', (file: string) => writeFileSync(file, ''), 'log-emptied'],
  ] as const)('a %s log in a data folder used before starts a new chain that says why, and the verifier reports it', (_label, tamper, reason) => {
    const file = tempFile();
    writeSample(file);
    tamper(file);
    const events: AuditLogEvent[] = [];
    openAuditLog({ path: file, terminalId: 'OR-07', previouslyUsed: true, onEvent: (e) => events.push(e) }).close();
    expect(events).toEqual([{ type: 'created', path: file, reason }]);
    const result = verifyAuditLog(file);
    expect(result).toMatchObject({ ok: true, findings: [{ line: 1, kind: 'chain-start' }] });
    expect(result.records[0]).toMatchObject({ event: 'audit-log-created', reason });
  });

  it('a first start (data folder never used) is not a finding', () => {
    const file = tempFile();
    openAuditLog({ path: file, terminalId: 'OR-07', previouslyUsed: false }).close();
    expect(verifyAuditLog(file)).toMatchObject({ ok: true, findings: [] });
    expect(verifyAuditLog(file).records[0]).toMatchObject({ reason: 'first-start' });
  });

  it('time going backwards between records is a finding, at the record where it happens', () => {
    const file = tempFile();
    const clock = new ManualClock();
    const log = openAuditLog({ path: file, terminalId: 'OR-07', clock });
    clock.advance(60_000);
    log.append(ENTRIES[0]!);
    clock.set(clock.now() - 30_000); // the wall clock set back
    log.append(ENTRIES[1]!);
    log.close();
    const result = verifyAuditLog(file);
    expect(result).toMatchObject({ ok: true, findings: [{ line: 3, kind: 'time-backwards' }] });
  });
});

describe('the composed core and its audit log', () => {
  const config = ConfigSchema.parse({
    userPool: { issuer: 'http://127.0.0.1:9/us-east-1_Unit', clientId: 'unitclient', domain: 'http://127.0.0.1:9' },
    redirectUri: 'app.scrubin:/callback',
    logoutUri: 'app.scrubin:/signed-out',
  });
  const compose = (dataDir: string) => {
    const problems: string[] = [];
    const forwarded: string[] = [];
    const core = createApp({ config, dataDir, openBrowser: () => undefined, store: new MemorySecretStore(), onProblem: (e) => problems.push(e.detail ?? e.code), forwardAudit: (l) => forwarded.push(l) });
    core.dispose();
    return { problems, forwarded };
  };

  it('a first start is quiet; every line is forwarded (the OS-log copy)', () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'scrubin-core-audit-'));
    const { problems, forwarded } = compose(dataDir);
    expect(problems).toEqual([]);
    expect(forwarded).toHaveLength(1); // the header (terminal-start comes with session.start())
    expect(forwarded).toEqual(readFileSync(path.join(dataDir, 'audit.jsonl'), 'utf8').trim().split('\n'));
  });

  it('a log deleted from a data folder used before is reported to the diagnostics output', () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'scrubin-core-audit-'));
    mkdirSync(path.join(dataDir, 'cache'));
    expect(compose(dataDir).problems).toEqual([expect.stringContaining('a new chain started because the log was missing')]);
  });

  it('tail bytes set aside at start are reported to the diagnostics output', () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'scrubin-core-audit-'));
    compose(dataDir);
    appendFileSync(path.join(dataDir, 'audit.jsonl'), '{"torn');
    expect(compose(dataDir).problems).toEqual([expect.stringContaining('6 bytes without a newline')]);
  });
});
