/**
 * The audit whitelist, shape by shape (audit-record.ts `AuditEntrySchema`, and the header and recovery records that
 * only the writer makes): for every event a valid sample is stored and verifies, every value of every enum is
 * accepted, each field set to a neighbour value (another event's enum value, a wrong outcome, a bad identifier, a
 * number just past its bound) is refused AND named in the refusal, and every identifier pattern holds at its edges.
 * Refusals are checked through `append`, which names the offending fields (path:code), never the values.
 */
import { describe, expect, it } from 'vitest';
import { ERROR_CODES, isScrubInError, type ErrorCode } from '../../main/errors';
import { openAuditLog, verifyAuditLog, type AuditEntry, type AuditLog } from '../../main/terminal/audit';
import {
  AuditEntrySchema,
  AuditRecordSchema,
  AuditUserSchema,
  HeaderRecordSchema,
  RecoveredRecordSchema,
  SubSchema,
  UsernameSchema,
} from '../../main/terminal/audit-record';
import { nurse, surgeon, tempFile } from '../support/audit-sample';

const identity = 'us-east-1:6f1c2a3b-0000-4000-8000-0000000000af';
const badUser = { username: 'a b', sub: nurse.sub };

interface Shape {
  sample: AuditEntry;
  /** Values (besides the sample's) that the field must accept. */
  accept: Record<string, unknown[]>;
  /** Neighbour values that the field must refuse; the refusal names the field. */
  refuse: Record<string, unknown[]>;
}

const SHAPES: { [E in AuditEntry['event']]: Shape } = {
  'terminal-start': {
    sample: { event: 'terminal-start', outcome: 'ok', mode: 'shared' },
    accept: { mode: ['shared', 'personal'] },
    refuse: { outcome: ['failed', 'refused'], mode: ['kiosk', 'Shared', 'user'] },
  },
  'sign-in': {
    sample: { event: 'sign-in', outcome: 'ok', user: nurse, via: 'managed-login', forced: false },
    accept: { via: ['managed-login', 'federated', 'restore'], forced: [true, false] },
    refuse: { outcome: ['failed', 'partial'], user: [badUser, null, nurse.username], via: ['sign-in', 'password', 'unlock'], forced: ['true', 1, null] },
  },
  'sign-in-failed': {
    sample: { event: 'sign-in-failed', outcome: 'failed', during: 'sign-in', code: 'network', forUser: null },
    accept: { during: ['sign-in', 'unlock', 'switch', 'restore'], code: ['token_invalid', 'flow_cancelled'], forUser: [null, 'nurse', 'dr.smith@hospital.org'] },
    refuse: { outcome: ['ok', 'refused'], during: ['managed-login', 'lock', 'guest'], code: ['nope', 'Network', null], forUser: ['a b', nurse, ''] },
  },
  'sign-out': {
    sample: { event: 'sign-out', outcome: 'ok', user: nurse, reason: 'user', revoked: true, errors: [] },
    accept: {
      outcome: ['ok', 'partial'],
      reason: ['user', 'switch', 'session-cap', 'refresh-rejected', 'leftover'],
      revoked: [true, false],
      errors: [['network'], ['network', 'server_error', 'throttled', 'network', 'network', 'network', 'network', 'network']],
    },
    refuse: {
      outcome: ['failed', 'refused'],
      user: [badUser, null],
      reason: ['idle', 'manual', 'refresh_rejected'],
      revoked: ['no', 0],
      errors: [['nope'], Array.from({ length: 9 }, () => 'network'), 'network', null],
    },
  },
  lock: {
    sample: { event: 'lock', outcome: 'ok', user: nurse, reason: 'idle' },
    accept: { reason: ['idle', 'manual', 'suspend', 'screen-lock'] },
    refuse: { outcome: ['failed'], user: [badUser, { username: nurse.username }], reason: ['user', 'screen_lock', 'session-cap'] },
  },
  unlock: {
    sample: { event: 'unlock', outcome: 'ok', user: nurse },
    accept: { user: [surgeon] },
    refuse: { outcome: ['failed', 'refused'], user: [badUser, null, { ...nurse, extra: 'x' }] },
  },
  'pin-set': {
    sample: { event: 'pin-set', outcome: 'ok', user: nurse },
    accept: { user: [surgeon] },
    refuse: { outcome: ['failed'], user: [badUser, null] },
  },
  'quick-unlock': {
    sample: { event: 'quick-unlock', outcome: 'ok', user: nurse, result: 'ok', attempt: 1 },
    accept: { outcome: ['ok', 'failed', 'refused'], result: ['ok', 'wrong', 'exhausted', 'refused'], attempt: [0, 10] },
    refuse: { outcome: ['partial', 'wrong'], user: [badUser], result: ['failed', 'locked'], attempt: [-1, 11, 1.5, '1'] },
  },
  switch: {
    sample: { event: 'switch', outcome: 'ok', from: nurse, to: surgeon },
    accept: { from: [surgeon], to: [nurse] },
    refuse: { outcome: ['failed'], from: [badUser, null], to: [badUser, null] },
  },
  'session-cap': {
    sample: { event: 'session-cap', outcome: 'ok', user: nurse, capHours: 12 },
    accept: { capHours: [24, 0.5] },
    refuse: { outcome: ['failed'], user: [badUser], capHours: [0, -1, 24.5, 25, '12'] },
  },
  'refresh-failed': {
    sample: { event: 'refresh-failed', outcome: 'failed', user: nurse, code: 'refresh_rejected' },
    accept: { code: ['network', 'server_error'] },
    refuse: { outcome: ['ok', 'refused'], user: [badUser], code: ['refresh-rejected', null] },
  },
  'callback-dropped': {
    sample: { event: 'callback-dropped', outcome: 'refused', code: 'callback_rejected' },
    accept: { code: ['state_mismatch', 'no_pending_flow'] },
    refuse: { outcome: ['ok', 'failed'], code: ['code=abc123', null] },
  },
  'guest-start': {
    sample: { event: 'guest-start', outcome: 'ok', identityId: identity, code: null },
    accept: { outcome: ['ok', 'failed'], identityId: [null, identity], code: [null, 'identity_config'] },
    refuse: { outcome: ['refused', 'partial'], identityId: ['us-east-1', 'nurse', ''], code: ['nope', ''] },
  },
  'guest-end': {
    sample: { event: 'guest-end', outcome: 'ok' },
    accept: {},
    refuse: { outcome: ['failed', 'refused'] },
  },
  'guest-upgrade': {
    sample: { event: 'guest-upgrade', outcome: 'ok', user: nurse, linked: 'kept', identityId: identity, code: null },
    accept: { outcome: ['ok', 'failed'], linked: ['kept', 'merged', 'none', null], identityId: [null], code: [null, 'not_authorized'] },
    refuse: { outcome: ['refused'], user: [badUser, null], linked: ['linked', 'lost', ''], identityId: ['us-east-1:', 'x'], code: ['x'] },
  },
  'settings-not-saved': {
    sample: { event: 'settings-not-saved', outcome: 'failed', user: nurse, count: 3 },
    accept: { count: [1, 100_000] },
    refuse: { outcome: ['ok', 'partial'], user: [badUser], count: [0, -1, 100_001, 2.5, '3'] },
  },
  'credentials-refused': {
    sample: { event: 'credentials-refused', outcome: 'refused', user: nurse, reason: 'locked' },
    accept: { user: [null, surgeon], reason: ['locked', 'signed-out'] },
    refuse: { outcome: ['ok', 'failed'], user: [badUser], reason: ['signed-in', 'idle', 'lock'] },
  },
};

const EVENTS = Object.keys(SHAPES) as AuditEntry['event'][];

/** Appends `entry`; returns the fields the refusal names (`path` of each `path:code`), or 'accepted'. */
function refusedFields(log: AuditLog, entry: unknown): string[] | 'accepted' {
  let caught: unknown;
  try {
    log.append(entry as AuditEntry);
    return 'accepted';
  } catch (error) {
    caught = error;
  }
  expect(isScrubInError(caught, 'internal'), String(caught)).toBe(true);
  const detail = isScrubInError(caught) ? (caught.detail ?? '') : '';
  const list = detail.slice(detail.indexOf('(') + 1, -1);
  return list.split(', ').map((item) => item.slice(0, item.lastIndexOf(':')));
}

function openLog(): AuditLog {
  return openAuditLog({ path: tempFile(), terminalId: 'OR-07' });
}

describe('audit whitelist: every event shape', () => {
  it('the table covers exactly the events of the whitelist', () => {
    expect(AuditEntrySchema.options.map((option) => option.shape.event.value).sort()).toEqual([...EVENTS].sort());
  });

  it('a valid sample of every event is stored as that event and the file verifies', () => {
    const log = openLog();
    const stored = EVENTS.map((event) => log.append(SHAPES[event].sample));
    log.close();
    expect(stored.map((record) => record.event)).toEqual(EVENTS);
    stored.forEach((record, i) => expect(record).toMatchObject({ ...SHAPES[EVENTS[i]!].sample, seq: i + 1, terminal: 'OR-07' }));
    const result = verifyAuditLog(log.path);
    expect(result).toMatchObject({ ok: true, findings: [] });
    expect(result.records.map((record) => record.event)).toEqual(['audit-log-created', ...EVENTS]);
  });

  it.each(EVENTS)('%s: every allowed value of every field is accepted', (event) => {
    const { sample, accept } = SHAPES[event];
    for (const [field, values] of Object.entries(accept)) {
      for (const value of values) {
        const entry = { ...sample, [field]: value };
        expect(AuditEntrySchema.safeParse(entry).success, `${event}.${field} = ${JSON.stringify(value)}`).toBe(true);
      }
    }
  });

  it.each(EVENTS)('%s: a neighbour value of each field, a missing field and an extra field are refused, naming the field', (event) => {
    const { sample, refuse } = SHAPES[event];
    const log = openLog();
    for (const [field, values] of Object.entries(refuse)) {
      for (const value of values) {
        const fields = refusedFields(log, { ...sample, [field]: value });
        expect(fields, `${event}.${field} = ${JSON.stringify(value)}`).not.toBe('accepted');
        expect((fields as string[]).some((path) => path === field || path.startsWith(`${field}.`)), `${event}.${field}: ${String(fields)}`).toBe(true);
      }
    }
    for (const field of Object.keys(sample).filter((key) => key !== 'event')) {
      const entry = Object.fromEntries(Object.entries(sample).filter(([key]) => key !== field));
      expect(refusedFields(log, entry), `${event} without ${field}`).toEqual([field]);
    }
    expect(refusedFields(log, { ...sample, note: 'free text' })).toEqual(['(root)']);
    log.close();
    expect(verifyAuditLog(log.path).records).toHaveLength(1); // nothing refused reached the file
  });

  it('an unknown or missing event is refused at the event field', () => {
    const log = openLog();
    expect(refusedFields(log, { event: 'note', outcome: 'ok' })).toEqual(['event']);
    expect(refusedFields(log, { outcome: 'ok', mode: 'shared' })).toEqual(['event']);
    expect(refusedFields(log, { event: 'audit-log-created', outcome: 'ok' })).toEqual(['event']); // only the writer makes headers
    expect(refusedFields(log, { event: 'recovered', outcome: 'ok' })).toEqual(['event']);
    log.close();
  });

  it('every error code is accepted where a code is recorded', () => {
    for (const code of Object.keys(ERROR_CODES) as ErrorCode[]) {
      expect(AuditEntrySchema.safeParse({ event: 'callback-dropped', outcome: 'refused', code }).success, code).toBe(true);
    }
  });
});

describe('audit whitelist: identifier patterns at their edges', () => {
  it('user names: letters, digits and _.@+- only, 1 to 128 characters', () => {
    for (const name of ['n', 'N9', 'dr.smith@hospital.org', 'first+tag', 'anne-marie', 'under_score', 'a'.repeat(128)]) {
      expect(UsernameSchema.safeParse(name).success, name).toBe(true);
    }
    for (const name of ['', 'a'.repeat(129), 'a b', ' nurse', 'nurse ', 'nurse\n', 'x/y', 'a:b', 'émile', 'a"b']) {
      expect(UsernameSchema.safeParse(name).success, JSON.stringify(name)).toBe(false);
    }
  });

  it('subs: letters, digits, _ and - only, 1 to 64 characters', () => {
    for (const sub of [nurse.sub, 'x', 'A_b-9', 'f'.repeat(64)]) expect(SubSchema.safeParse(sub).success, sub).toBe(true);
    for (const sub of ['', 'f'.repeat(65), 'a.b', 'a@b', 'a+b', ' x', 'x ', 'a b']) expect(SubSchema.safeParse(sub).success, JSON.stringify(sub)).toBe(false);
  });

  it('a user is exactly a user name and a sub', () => {
    expect(AuditUserSchema.safeParse(nurse).success).toBe(true);
    expect(AuditUserSchema.safeParse({ username: nurse.username }).success).toBe(false);
    expect(AuditUserSchema.safeParse({ sub: nurse.sub }).success).toBe(false);
    expect(AuditUserSchema.safeParse({ ...nurse, sub: 'a.b' }).success).toBe(false);
    expect(AuditUserSchema.safeParse({ ...nurse, email: 'n@h.org' }).success).toBe(false);
  });

  it('identity ids: region, a colon and a 36-character lower-case UUID', () => {
    const uuid = '6f1c2a3b-0000-4000-8000-0000000000af';
    const guest = (identityId: string) => ({ event: 'guest-start', outcome: 'ok', identityId, code: null });
    for (const region of ['us-east-1', 'eu-central-1', 'us-gov-west-1', 'ap-southeast-2', 'cn-north-1']) {
      expect(AuditEntrySchema.safeParse(guest(`${region}:${uuid}`)).success, region).toBe(true);
    }
    const refused = [
      `us-east-1:${uuid.slice(1)}`, // 35 characters
      `us-east-1:${uuid}0`, // 37
      `us-east-1:${uuid.toUpperCase()}`,
      `us-east-1:${uuid.replace('f', 'g')}`,
      `us-east-1:${uuid.replace(/-/g, '_')}`,
      `us-east-x:${uuid}`,
      `us-east-12:${uuid}`,
      `us-east:${uuid}`,
      `useast-1:${uuid}`,
      `u-east-1:${uuid}`,
      `use-east-1:${uuid}`,
      `US-EAST-1:${uuid}`,
      `us-east1-1:${uuid}`,
      `us-east-1${uuid}`,
      `x:us-east-1:${uuid}`,
      ` us-east-1:${uuid}`,
      `us-east-1:${uuid} `,
      `us-east-1:${uuid}\n`,
    ];
    for (const id of refused) expect(AuditEntrySchema.safeParse(guest(id)).success, JSON.stringify(id)).toBe(false);
  });
});

describe('the records only the writer makes, and the fields every record carries', () => {
  const hash = 'a'.repeat(64);
  const common = { seq: 1, time: '2026-01-01T07:00:00.000Z', terminal: 'OR-07', prev: '0123456789abcdef'.repeat(4), hash: 'fedcba9876543210'.repeat(4) };
  const header = { ...common, seq: 0, event: 'audit-log-created', outcome: 'ok', format: 'scrubin-audit/1', seed: '9'.repeat(64), reason: 'first-start' };
  const recovered = { ...common, event: 'recovered', outcome: 'ok', torn: { line: 2, bytes: 0 }, resume: hash };
  const unlock = { ...common, event: 'unlock', outcome: 'ok', user: nurse };

  it('the header: this format, a 64-hex seed and one of the three reasons', () => {
    for (const reason of ['first-start', 'log-missing', 'log-emptied']) {
      expect(HeaderRecordSchema.safeParse({ ...header, reason }).success, reason).toBe(true);
      expect(AuditRecordSchema.safeParse({ ...header, reason }).success, reason).toBe(true);
    }
    for (const change of [{ reason: 'deleted' }, { reason: 'user' }, { format: 'scrubin-audit/2' }, { outcome: 'failed' }, { seed: 'A'.repeat(64) }, { seed: 'a'.repeat(63) }, { extra: 1 }]) {
      expect(HeaderRecordSchema.safeParse({ ...header, ...change }).success, JSON.stringify(change)).toBe(false);
      expect(AuditRecordSchema.safeParse({ ...header, ...change }).success, JSON.stringify(change)).toBe(false);
    }
  });

  it('the recovery: a torn line from line 2 on, a byte count from 0, and the hash it resumes from', () => {
    for (const torn of [{ line: 2, bytes: 0 }, { line: 9, bytes: 300 }]) {
      expect(RecoveredRecordSchema.safeParse({ ...recovered, torn }).success, JSON.stringify(torn)).toBe(true);
      expect(AuditRecordSchema.safeParse({ ...recovered, torn }).success, JSON.stringify(torn)).toBe(true);
    }
    for (const change of [
      { torn: { line: 1, bytes: 0 } },
      { torn: { line: 2, bytes: -1 } },
      { torn: { line: 2.5, bytes: 0 } },
      { torn: { line: 2 } },
      { torn: { line: 2, bytes: 0, text: 'x' } },
      { resume: 'a'.repeat(65) },
      { resume: 'g'.repeat(64) },
      { outcome: 'failed' },
    ]) {
      expect(RecoveredRecordSchema.safeParse({ ...recovered, ...change }).success, JSON.stringify(change)).toBe(false);
      expect(AuditRecordSchema.safeParse({ ...recovered, ...change }).success, JSON.stringify(change)).toBe(false);
    }
  });

  it('every record: seq from 0, an ISO time, a terminal id of _.- and letters or digits (1 to 64), 64-hex prev and hash', () => {
    expect(AuditRecordSchema.safeParse(unlock).success).toBe(true);
    for (const terminal of ['x', 'OR-07', 'ward_3.bed-12', 'T'.repeat(64)]) {
      expect(AuditRecordSchema.safeParse({ ...unlock, terminal }).success, terminal).toBe(true);
    }
    for (const change of [
      { seq: -1 },
      { seq: 1.5 },
      { time: '2026-01-01 07:00' },
      { terminal: '' },
      { terminal: 'T'.repeat(65) },
      { terminal: 'OR 07' },
      { terminal: 'OR/07' },
      { terminal: ' OR-07' },
      { terminal: 'OR-07 ' },
      { prev: hash.slice(1) },
      { prev: hash.toUpperCase() },
      { prev: ` ${hash}` },
      { hash: `${hash}0` },
      { hash: `${hash.slice(1)}g` },
      { hash: `${hash} ` },
    ]) {
      expect(AuditRecordSchema.safeParse({ ...unlock, ...change }).success, JSON.stringify(change)).toBe(false);
    }
    expect(AuditRecordSchema.safeParse({ ...unlock, seq: 0 }).success).toBe(true);
  });

  it('every entry shape is also a record shape once the common fields are added', () => {
    for (const event of EVENTS) {
      const record = { ...common, ...SHAPES[event].sample };
      expect(AuditRecordSchema.safeParse(record).success, event).toBe(true);
      expect(AuditRecordSchema.safeParse({ ...record, outcome: 'bogus' }).success, event).toBe(false);
    }
  });
});
