/**
 * Every verdict of the audit verifier, each at its line: a broken header, a bad self-hash, a record re-encoded with a
 * VALID self-hash but the wrong previous hash, seq gaps, torn lines and their recoveries, and the findings of an
 * intact chain (recovery, chain start, time going backwards). And the writer's edges: append after close, unusable
 * paths, a damaged tail, listeners that throw.
 */
import { closeSync, mkdirSync, openSync, readdirSync, readFileSync, readlinkSync, writeFileSync } from 'node:fs';
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
    // The reason tells a gap (records removed) from a step back (records reordered or repeated), with the seq expected.
    const reason = (result: VerifyResult): string => (result.ok ? 'ok' : result.reason);
    expect(reason(verifyAuditBuffer(file(chain(bodies, { 2: (b) => (b.seq = 3) }))))).toMatch(/missing.*expected seq 2, found 3/);
    expect(reason(verifyAuditBuffer(file(chain(bodies, { 2: (b) => (b.seq = 1) }))))).toMatch(/out-of-order.*expected seq 2, found 1/);
    expect(reason(verifyAuditBuffer(file(chain(bodies, { 3: (b) => (b.seq = 2) }))))).toMatch(/out-of-order.*expected seq 3, found 2/);
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
    // A whole record whose content was edited (self-hash no longer matches).
    const edited = lines[2]!.replace('"reason":"idle"', '"reason":"user"');
    expect(edited).not.toBe(lines[2]);
    expectBroken(verifyAuditBuffer(file([lines[0]!, lines[1]!, edited, lines[3]!])), 3);
  });

  it('a line exactly one byte longer than the hash suffix and braces is still too short; the shortest real record is not', () => {
    const minimal = Buffer.from(`{},"hash":"${'0'.repeat(64)}"}`);
    expect(minimal.length).toBe(HASH_SUFFIX_BYTES + 2);
    expect(checkLineHash(minimal)).toMatchObject({ ok: false });
    const body = '{"a":1}';
    const real = Buffer.from(`${body.slice(0, -1)},"hash":"${sha256(body)}"}`);
    expect(checkLineHash(real)).toEqual({ ok: true, hash: sha256(body) });
  });

  it('a line of the hash member alone, or with a body of two bytes, is too short even when its hash matches', () => {
    const withBody = (body: string): Buffer => Buffer.from(`${body},"hash":"${sha256(`${body}}`)}"}`);
    expect(withBody('').length).toBe(HASH_SUFFIX_BYTES);
    expect(checkLineHash(withBody(''))).toMatchObject({ ok: false });
    expect(withBody('{a').length).toBe(HASH_SUFFIX_BYTES + 2);
    expect(checkLineHash(withBody('{a'))).toMatchObject({ ok: false });
    expect(checkLineHash(withBody('{ab'))).toEqual({ ok: true, hash: sha256('{ab}') });
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

  it('a recovery earlier in a file does not excuse a torn last line', () => {
    const torn = '{"seq":4,"ev';
    const { lines, recovery } = recovered(torn);
    expectBroken(verifyAuditBuffer(file([...lines, torn, recovery, '{"seq":5'], false)), 7);
    expect(verifyAuditBuffer(file([...lines, torn, recovery]))).toMatchObject({ ok: true, recovered: [{ line: 5 }] });
  });

  it('a record that smuggles the recovery mark (a duplicate "event" key) does not account for the line before', () => {
    const torn = '{"seq":4,"ev';
    const { lines } = recovered(torn);
    const last = JSON.parse(lines[3]!) as Body;
    // JSON.parse keeps the last "event": the line parses as an unlock record, with a valid self-hash.
    const json = `{"event":"recovered","seq":4,"time":"${last.time as string}","terminal":"OR-07","event":"unlock","outcome":"ok","user":${JSON.stringify(nurse)},"prev":"${last.hash as string}"}`;
    const smuggled = `${json.slice(0, -1)},"hash":"${sha256(json)}"}`;
    expect(checkLineHash(Buffer.from(smuggled)).ok).toBe(true);
    expectBroken(verifyAuditBuffer(file([...lines, torn, smuggled])), 6);
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
      // The finding says which of the two happened (deleted or emptied): a person reads it to decide what to look for.
      const detail = result.ok ? (result.findings[0]?.detail ?? '') : '';
      expect(detail).toMatch(reason === 'log-missing' ? /missing/ : /empty/);
      expect(detail).not.toMatch(reason === 'log-missing' ? /empty/ : /missing/);
    }
  });
});


/** The descriptor this process holds open on `file` (Linux: /proc/self/fd), if any. */
function descriptorOf(file: string): number | undefined {
  for (const entry of readdirSync('/proc/self/fd')) {
    try {
      if (readlinkSync(`/proc/self/fd/${entry}`) === file) return Number(entry);
    } catch {
      // A descriptor closed while listing.
    }
  }
  return undefined;
}

/** Opens `file` for appending ON descriptor `fd` (free, and the lowest free one, so the kernel reuses it; others opened on the way are closed). */
function openOn(fd: number, file: string): number {
  const others: number[] = [];
  try {
    for (let i = 0; i < 64; i++) {
      const got = openSync(file, 'a');
      if (got === fd) return got;
      others.push(got);
    }
    throw new Error(`descriptor ${fd} was not reused`);
  } finally {
    for (const other of others) closeSync(other);
  }
}

const onLinux = process.platform === 'linux';

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

  it('a path whose folder cannot be made, or that is a folder, is config_invalid naming auditLogPath and the system error', () => {
    const base = tempFile();
    mkdirSync(path.dirname(base), { recursive: true });
    writeFileSync(base, '');
    // The folder is a file (mkdir: EEXIST); the log is a folder (read: EISDIR).
    for (const [bad, errno] of [[path.join(base, 'audit.jsonl'), 'EEXIST'], [path.dirname(base), 'EISDIR']] as const) {
      let caught: unknown;
      try {
        openAuditLog({ path: bad, terminalId: 'OR-07' });
      } catch (error) {
        caught = error;
      }
      expect(isScrubInError(caught, 'config_invalid')).toBe(true);
      if (!isScrubInError(caught)) continue;
      expect(caught.detail).toContain('auditLogPath');
      expect(caught.detail).toContain(`(${errno})`);
      expect((caught.cause as NodeJS.ErrnoException).code).toBe(errno);
      expect(caught.userMessage).toContain('auditLogPath'); // what the person at the terminal can pass on to IT
    }
  });

  it('an edited last record (valid JSON, wrong self-hash) is not taken as the end of the chain: it is set aside as damaged', () => {
    const file = tempFile();
    writeSample(file);
    const text = readFileSync(file, 'utf8');
    const lines = text.trim().split('\n');
    const edited = lines[3]!.replace('"terminal":"OR-07"', '"terminal":"OR-08"');
    expect(edited).not.toBe(lines[3]);
    writeFileSync(file, `${[...lines.slice(0, 3), edited].join('\n')}\n`);
    const log = openAuditLog({ path: file, terminalId: 'OR-07' });
    expect(log.recovered).toEqual({ line: 4, bytes: Buffer.byteLength(edited) });
    expect(log.append(ENTRIES[0]!).seq).toBe(4); // the recovery record took seq 3, after the sign-in and the lock
    log.close();
    expect(verifyAuditLog(file)).toMatchObject({ ok: true, recovered: [{ line: 4 }], findings: [{ line: 4, kind: 'recovery' }] });
  });

  it.runIf(onLinux)('append after close writes nothing, even where its old descriptor now points at another file', () => {
    const log = openAuditLog({ path: tempFile(), terminalId: 'OR-07' });
    const fd = descriptorOf(log.path);
    expect(fd).toBeDefined();
    log.close();
    const other = path.join(path.dirname(log.path), 'other.txt');
    const reused = openOn(fd!, other);
    let caught: unknown;
    try {
      log.append(ENTRIES[0]!);
    } catch (error) {
      caught = error;
    } finally {
      closeSync(reused);
    }
    expect(isScrubInError(caught, 'internal')).toBe(true);
    if (isScrubInError(caught)) expect(caught.detail).toMatch(/\S/);
    expect(readFileSync(other, 'utf8')).toBe('');
    expect(verifyAuditLog(log.path)).toMatchObject({ ok: true, records: [{ seq: 0 }] });
  });

  it.runIf(onLinux)('a failed write is refused with internal, and every append after it is refused without writing anywhere', () => {
    const log = openAuditLog({ path: tempFile(), terminalId: 'OR-07' });
    log.append(ENTRIES[0]!);
    const fd = descriptorOf(log.path)!;
    closeSync(fd); // the next write fails (EBADF), as on a disk that went away
    const attempt = (): unknown => {
      try {
        log.append(ENTRIES[1]!);
      } catch (error) {
        return error;
      }
      return 'accepted';
    };
    const first = attempt();
    expect(isScrubInError(first, 'internal')).toBe(true);
    if (isScrubInError(first)) {
      expect(first.detail).toMatch(/\S/);
      expect((first.cause as NodeJS.ErrnoException).code).toBe('EBADF');
    }
    // Even once the descriptor number is valid again (another file), the log stays refused until a restart.
    const other = path.join(path.dirname(log.path), 'other.txt');
    const reused = openOn(fd, other);
    let second: unknown;
    try {
      second = attempt();
    } finally {
      closeSync(reused);
    }
    expect(isScrubInError(second, 'internal')).toBe(true);
    if (isScrubInError(second)) expect(second.detail).toMatch(/\S/);
    expect(readFileSync(other, 'utf8')).toBe('');
    expect(verifyAuditLog(log.path)).toMatchObject({ ok: true, records: [{ seq: 0 }, { seq: 1 }] });
    // (log.close() would close the descriptor number again: it is not this log's any more.)
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
    expect(reject({ event: 'lock', outcome: 'failed', user: nurse, reason: 'nap' })).toMatch(/\((outcome:\w+), (reason:\w+)\)$/);
    log.close();
  });
});
