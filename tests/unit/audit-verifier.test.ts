/**
 * Every verdict of the audit verifier, each at its line: a broken header, a bad self-hash, a record re-encoded with a
 * VALID self-hash but the wrong previous hash, seq gaps, torn lines and their recoveries, and the findings of an
 * intact chain (recovery, chain start, time going backwards). And the writer's edges: append after close, unusable
 * paths, a damaged tail, listeners that throw.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../main/clock';
import { isScrubInError } from '../../main/errors';
import { anchorOf, AUDIT_FORMAT, checkLineHash, encodeLine, HASH_SUFFIX_BYTES, sha256 } from '../../main/terminal/audit-record';
import { openAuditLog, verifyAuditBuffer, verifyAuditLog, type VerifyResult } from '../../main/terminal/audit';
import { ENTRIES, nurse, surgeon, tempFile, writeSample } from '../support/audit-sample';

type Body = Record<string, unknown>;

/** The sample log as parsed lines: [header, sign-in, lock, switch]. */
function sampleBodies(): Body[] {
  const file = tempFile();
  writeSample(file);
  return readFileSync(file, 'utf8').trim().split('\n').map((line) => JSON.parse(line) as Body);
}

/** Re-encodes a parsed record after `change`: its self-hash is valid again, whatever was changed. */
function reencode(record: Body, change: (body: Body) => void = () => undefined): { line: string; hash: string } {
  const body: Body = { ...record };
  delete body.hash;
  const prev = body.prev;
  delete body.prev;
  change(body);
  return encodeLine({ ...body, prev: body.prev ?? prev });
}

function file(lines: string[], finalNewline = true): Buffer {
  return Buffer.from(lines.join('\n') + (finalNewline ? '\n' : ''));
}

/** The sample re-encoded line by line, so `prev` links follow any change made to an earlier line. */
function chain(bodies: Body[], changes: Record<number, (body: Body) => void> = {}): string[] {
  const lines: string[] = [];
  let prev: string | undefined;
  bodies.forEach((record, i) => {
    const { line, hash } = reencode(record, (body) => {
      if (prev !== undefined) body.prev = prev;
      changes[i]?.(body);
    });
    lines.push(line);
    prev = hash;
  });
  return lines;
}

/** A broken file: at which line, with some reason (the wording is for people, the line is the contract). */
function expectBroken(result: VerifyResult, line: number): void {
  expect(result.ok).toBe(false);
  if (result.ok) return;
  expect(result.line).toBe(line);
  expect(result.reason).toMatch(/\S/);
}

describe('audit verifier: the chain', () => {
  it('the re-encoded sample verifies (the helpers keep the format)', () => {
    const bodies = sampleBodies();
    expect(verifyAuditBuffer(file(chain(bodies)))).toMatchObject({ ok: true, findings: [], recovered: [] });
  });

  it('a record re-encoded with a VALID self-hash but a wrong previous hash fails at that record', () => {
    const bodies = sampleBodies();
    const lines = chain(bodies);
    // Line 3 (lock) now points at the header instead of the sign-in: its own hash is right, the link is not.
    const relinked = reencode(bodies[2]!, (body) => {
      body.prev = bodies[0]!.hash;
    });
    expect(checkLineHash(Buffer.from(relinked.line))).toEqual({ ok: true, hash: relinked.hash });
    const result = verifyAuditBuffer(file([lines[0]!, lines[1]!, relinked.line]));
    expectBroken(result, 3);
    expect(result.records.map((r) => r.seq)).toEqual([0, 1]);
  });

  it('a record edited and re-encoded (valid self-hash) breaks the link of the record after it', () => {
    const bodies = sampleBodies();
    const lines = chain(bodies);
    const edited = reencode(bodies[1]!, (body) => {
      body.user = surgeon;
    });
    expectBroken(verifyAuditBuffer(file([lines[0]!, edited.line, lines[2]!, lines[3]!])), 3);
  });

  it('the header: seq 0, prev anchored to its seed, a header at all, and a whole first line', () => {
    const bodies = sampleBodies();
    const rest = chain(bodies).slice(1);
    const header = (change: (body: Body) => void): string => reencode(bodies[0]!, change).line;
    expectBroken(verifyAuditBuffer(file([header((b) => (b.seq = 1)), ...rest])), 1);
    expectBroken(verifyAuditBuffer(file([header((b) => (b.prev = anchorOf('0'.repeat(64)))), ...rest])), 1);
    expectBroken(verifyAuditBuffer(file([header((b) => (b.format = 'scrubin-audit/2')), ...rest])), 1);
    expectBroken(verifyAuditBuffer(file(rest)), 1);
    expectBroken(verifyAuditBuffer(Buffer.from(chain(bodies)[0]!)), 1); // the header without its newline
    expectBroken(verifyAuditBuffer(Buffer.alloc(0)), 1);
    // The anchor is SHA-256 of "format:seed".
    expect(anchorOf(bodies[0]!.seed as string)).toBe(sha256(`${AUDIT_FORMAT}:${bodies[0]!.seed as string}`));
    expect(bodies[0]!.prev).toBe(anchorOf(bodies[0]!.seed as string));
  });

  it('seq must go up by exactly one: a gap and a step back both fail at the record', () => {
    const bodies = sampleBodies();
    expectBroken(verifyAuditBuffer(file(chain(bodies, { 2: (b) => (b.seq = 3) }))), 3);
    expectBroken(verifyAuditBuffer(file(chain(bodies, { 2: (b) => (b.seq = 1) }))), 3);
    expectBroken(verifyAuditBuffer(file(chain(bodies, { 3: (b) => (b.seq = 2) }))), 4);
  });

  it('a second header, or a recovery record after no torn line, fails at that line', () => {
    const bodies = sampleBodies();
    const lines = chain(bodies);
    const secondHeader = reencode(bodies[0]!, (b) => {
      b.seq = 4;
      b.prev = (JSON.parse(lines[3]!) as Body).hash;
    }).line;
    expectBroken(verifyAuditBuffer(file([...lines, secondHeader])), 5);
    // A recovery record right after the header follows no torn line; after a whole record it accuses that record,
    // which does not match what it says (the verdict is at the accused line).
    const header = JSON.parse(lines[0]!) as Body;
    const stray = (after: Body, seq: number, line: number): string =>
      encodeLine({ seq, time: after.time, terminal: 'OR-07', event: 'recovered', outcome: 'ok', torn: { line, bytes: 0 }, resume: after.hash, prev: after.hash }).line;
    expectBroken(verifyAuditBuffer(file([lines[0]!, stray(header, 1, 2)])), 2);
    expectBroken(verifyAuditBuffer(file([...lines, stray(JSON.parse(lines[3]!) as Body, 4, 4)])), 4);
  });

  it('lines that are not records: too short, no hash member, not JSON, an unknown event', () => {
    const lines = chain(sampleBodies());
    const tooShort = 'x'.repeat(HASH_SUFFIX_BYTES + 2);
    expect(checkLineHash(Buffer.from(tooShort)).ok).toBe(false);
    expectBroken(verifyAuditBuffer(file([...lines, tooShort])), 5);
    expectBroken(verifyAuditBuffer(file([...lines, `{"seq":4}${' '.repeat(HASH_SUFFIX_BYTES)}`])), 5);
    // Valid self-hash over bytes that are not JSON.
    const notJson = '{seq:4';
    expectBroken(verifyAuditBuffer(file([...lines, `${notJson},"hash":"${sha256(`${notJson}}`)}"}`])), 5);
    const last = JSON.parse(lines[3]!) as Body;
    const unknown = encodeLine({ seq: 4, time: last.time, terminal: 'OR-07', event: 'note', outcome: 'ok', prev: last.hash }).line;
    expectBroken(verifyAuditBuffer(file([...lines, unknown])), 5);
  });

  it('a line exactly one byte longer than the hash suffix and braces is still too short; the shortest real record is not', () => {
    const minimal = Buffer.from(`{},"hash":"${'0'.repeat(64)}"}`);
    expect(minimal.length).toBe(HASH_SUFFIX_BYTES + 2);
    expect(checkLineHash(minimal)).toMatchObject({ ok: false });
    const body = '{"a":1}';
    const real = Buffer.from(`${body.slice(0, -1)},"hash":"${sha256(body)}"}`);
    expect(checkLineHash(real)).toEqual({ ok: true, hash: sha256(body) });
  });

  it('an unreadable file fails at line 0 with no records', () => {
    const missing = path.join(path.dirname(tempFile()), 'nothing-here.jsonl');
    expect(verifyAuditLog(missing)).toMatchObject({ ok: false, line: 0, records: [] });
    expect((verifyAuditLog(missing) as { reason: string }).reason).toContain('ENOENT');
  });
});

describe('audit verifier: torn lines and recoveries', () => {
  /** The sample, then a torn line (line 5) and the recovery record (line 6) that accounts for it. */
  function recovered(torn: string, change: (body: Body) => void = () => undefined, tornLine = 5): { lines: string[]; recovery: string } {
    const lines = chain(sampleBodies());
    const last = JSON.parse(lines[3]!) as Body;
    const body: Body = {
      seq: 4,
      time: last.time,
      terminal: 'OR-07',
      event: 'recovered',
      outcome: 'ok',
      torn: { line: tornLine, bytes: Buffer.byteLength(torn) },
      resume: last.hash,
      prev: sha256(torn),
    };
    change(body);
    return { lines, recovery: encodeLine(body).line };
  }

  it('a recovery that accounts for the torn line verifies, with the recovery as a finding at the torn line', () => {
    const { lines, recovery } = recovered('{"seq":4,"ev');
    const result = verifyAuditBuffer(file([...lines, '{"seq":4,"ev', recovery]));
    expect(result).toMatchObject({ ok: true, recovered: [{ line: 5, bytes: 12 }] });
    if (!result.ok) return;
    expect(result.findings.map(({ line, kind }) => ({ line, kind }))).toEqual([{ line: 5, kind: 'recovery' }]);
    expect(result.findings[0]?.detail).toMatch(/\S/);
    expect(result.records.map((r) => r.seq)).toEqual([0, 1, 2, 3, 4]);
  });

  it('a recovery naming another line, another length, other bytes, another resume point or another seq fails', () => {
    const torn = '{"seq":4,"ev';
    const tornLines = (change: (body: Body) => void, tornLine = 5) => {
      const { lines, recovery } = recovered(torn, change, tornLine);
      return verifyAuditBuffer(file([...lines, torn, recovery]));
    };
    expectBroken(tornLines(() => undefined, 4), 5);
    expectBroken(tornLines(() => undefined, 6), 5);
    expectBroken(tornLines((b) => (b.torn = { line: 5, bytes: 11 })), 5);
    expectBroken(tornLines((b) => (b.torn = { line: 5, bytes: 13 })), 5);
    expectBroken(tornLines((b) => (b.prev = sha256('{"seq":4,"eV'))), 5);
    expectBroken(tornLines((b) => (b.resume = sha256('elsewhere'))), 6);
    expectBroken(tornLines((b) => (b.seq = 5)), 6);
    expectBroken(tornLines((b) => (b.seq = 3)), 6);
  });

  it('a recovery line that is itself broken, or not a recovery record, fails at the recovery line', () => {
    const torn = '{"seq":4,"ev';
    const { lines, recovery } = recovered(torn);
    const edited = recovery.replace('"outcome":"ok"', '"outcome":"OK"'); // self-hash no longer matches
    expectBroken(verifyAuditBuffer(file([...lines, torn, edited])), 6);
    // A valid record that mentions "event":"recovered" inside another shape is not a recovery record.
    const { recovery: wrongShape } = recovered(torn, (b) => {
      b.outcome = 'failed';
    });
    expectBroken(verifyAuditBuffer(file([...lines, torn, wrongShape])), 6);
  });

  it('a torn last line fails at that line; a recovery that is itself torn (no final newline) does not account for the line before', () => {
    const lines = chain(sampleBodies());
    expectBroken(verifyAuditBuffer(file([...lines, '{"seq":4'], false)), 5);
    const { recovery } = recovered('{"seq":4,"ev');
    expectBroken(verifyAuditBuffer(file([...lines, '{"seq":4,"ev', recovery], false)), 5);
  });

  it('time going backwards is a finding at the record where it happens, also on a recovery record; equal times are not', () => {
    const bodies = sampleBodies();
    const earlier = (b: Body): void => {
      b.time = '2000-01-01T00:00:00.000Z';
    };
    const back = verifyAuditBuffer(file(chain(bodies, { 2: earlier })));
    expect(back.ok && back.findings.map(({ line, kind }) => ({ line, kind }))).toEqual([{ line: 3, kind: 'time-backwards' }]);
    expect(back.ok && back.findings[0]?.detail).toMatch(/\S/);
    const same = verifyAuditBuffer(file(chain(bodies, { 2: (b) => (b.time = bodies[1]!.time), 3: (b) => (b.time = bodies[1]!.time) })));
    expect(same).toMatchObject({ ok: true, findings: [] });
    const { lines, recovery } = recovered('{"x', earlier);
    const onRecovery = verifyAuditBuffer(file([...lines, '{"x', recovery]));
    expect(onRecovery.ok && onRecovery.findings.map(({ line, kind }) => ({ line, kind }))).toEqual([
      { line: 5, kind: 'recovery' },
      { line: 6, kind: 'time-backwards' },
    ]);
    // Back against the header's time too (the first record after it).
    const beforeHeader = verifyAuditBuffer(file(chain(bodies, { 1: earlier })));
    expect(beforeHeader.ok && beforeHeader.findings.map(({ line, kind }) => ({ line, kind }))).toEqual([{ line: 2, kind: 'time-backwards' }]);
  });

  it('a chain start in a data folder used before is a finding at line 1 for a missing and for an emptied log', () => {
    const bodies = sampleBodies();
    for (const reason of ['log-missing', 'log-emptied'] as const) {
      const result = verifyAuditBuffer(file(chain(bodies, { 0: (b) => (b.reason = reason) })));
      expect(result.ok && result.findings.map(({ line, kind }) => ({ line, kind }))).toEqual([{ line: 1, kind: 'chain-start' }]);
      expect(result.ok && result.findings[0]?.detail).toMatch(/\S/);
    }
  });
});

describe('audit log writer edges', () => {
  it('append after close is refused with internal, and closing twice is harmless', () => {
    const log = openAuditLog({ path: tempFile(), terminalId: 'OR-07' });
    log.append(ENTRIES[0]!);
    log.close();
    log.close();
    let caught: unknown;
    try {
      log.append(ENTRIES[1]!);
    } catch (error) {
      caught = error;
    }
    expect(isScrubInError(caught, 'internal')).toBe(true);
    expect(verifyAuditLog(log.path)).toMatchObject({ ok: true, records: [{ seq: 0 }, { seq: 1 }] });
  });

  it('a path whose folder cannot be made, or that is a folder, is config_invalid naming auditLogPath', () => {
    const base = tempFile();
    mkdirSync(path.dirname(base), { recursive: true });
    writeFileSync(base, '');
    for (const bad of [path.join(base, 'audit.jsonl'), path.dirname(base)]) {
      let caught: unknown;
      try {
        openAuditLog({ path: bad, terminalId: 'OR-07' });
      } catch (error) {
        caught = error;
      }
      expect(isScrubInError(caught, 'config_invalid')).toBe(true);
      if (isScrubInError(caught)) expect(caught.detail).toContain('auditLogPath');
    }
  });

  it('a damaged last line WITH its newline is recovered too (no extra newline), and two damaged lines are refused', () => {
    const file = tempFile();
    writeSample(file);
    writeFileSync(file, `${readFileSync(file, 'utf8')}garbage\n`);
    const log = openAuditLog({ path: file, terminalId: 'OR-07' });
    expect(log.recovered).toEqual({ line: 5, bytes: 7 });
    log.close();
    const text = readFileSync(file, 'utf8');
    expect(text.split('\n')).toHaveLength(7); // header, 3 records, garbage, recovery, ''
    expect(verifyAuditLog(file)).toMatchObject({ ok: true, recovered: [{ line: 5, bytes: 7 }] });

    const twice = tempFile();
    writeSample(twice);
    writeFileSync(twice, `${readFileSync(twice, 'utf8')}garbage\nmore garbage\n`);
    let caught: unknown;
    try {
      openAuditLog({ path: twice, terminalId: 'OR-07' });
    } catch (error) {
      caught = error;
    }
    expect(isScrubInError(caught, 'internal')).toBe(true);
    if (isScrubInError(caught)) expect(caught.detail).toContain('2 damaged lines');
  });

  it('a whole-looking last line without its newline still counts as torn', () => {
    const file = tempFile();
    writeSample(file);
    const text = readFileSync(file, 'utf8');
    writeFileSync(file, text.slice(0, -1));
    const lastLine = text.trim().split('\n')[3]!;
    const log = openAuditLog({ path: file, terminalId: 'OR-07' });
    expect(log.recovered).toEqual({ line: 4, bytes: Buffer.byteLength(lastLine) });
    log.close();
    expect(verifyAuditLog(file)).toMatchObject({ ok: true, recovered: [{ line: 4 }] });
  });

  it('forward gets every line as written; a throwing forward or listener does not stop the log', () => {
    const file = tempFile();
    const forwarded: string[] = [];
    const log = openAuditLog({ path: file, terminalId: 'OR-07', forward: (line) => forwarded.push(line), onEvent: () => {
      throw new Error('listener broke');
    } });
    log.append(ENTRIES[0]!);
    log.close();
    expect(forwarded).toEqual(readFileSync(file, 'utf8').trim().split('\n'));
    const noisy = openAuditLog({ path: file, terminalId: 'OR-07', forward: () => {
      throw new Error('syslog down');
    } });
    expect(noisy.append(ENTRIES[1]!).seq).toBe(2);
    noisy.close();
    expect(verifyAuditLog(file)).toMatchObject({ ok: true, records: [{}, {}, {}] });
  });

  it('a record takes the clock time, the terminal id and the next seq; a rejected entry names the fields, never the values', () => {
    const clock = new ManualClock();
    const log = openAuditLog({ path: tempFile(), terminalId: 'OR-09', clock });
    clock.advance(1500);
    expect(log.append({ event: 'unlock', outcome: 'ok', user: nurse })).toMatchObject({ seq: 1, terminal: 'OR-09', time: new Date(clock.now()).toISOString() });
    const reject = (entry: unknown): string => {
      try {
        log.append(entry as (typeof ENTRIES)[number]);
      } catch (error) {
        if (isScrubInError(error, 'internal')) return error.detail ?? '';
      }
      return 'accepted';
    };
    expect(reject({ event: 'unlock', outcome: 'ok', user: nurse, extra: 'x' })).toContain('(root):unrecognized_keys');
    expect(reject({ event: 'unlock', outcome: 'ok', user: { username: 'a b', sub: 'x' } })).toContain('user.username:');
    log.close();
  });
});
