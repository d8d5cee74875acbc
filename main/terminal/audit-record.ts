/**
 * The audit record: a closed, whitelisted shape (zod, strict objects, enums and tight patterns).
 * Callers pick an event and fill typed fields; there is no free-form text and no place where a token,
 * authorization code, password or AWS credential could be put (every string is an enum or a short
 * identifier pattern that a JWT, a code or a secret key does not fit).
 *
 * One record is one line of JSON. Its last member is always `"hash":"<sha256 hex>"`, the SHA-256 of the
 * line's bytes before `,"hash":` with a closing `}` (so each line checks itself), and `prev` is the `hash`
 * of the record before it (so the lines form a chain). See docs/terminal-policy.md.
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { ERROR_CODES, type ErrorCode } from '../errors';

export const AUDIT_FORMAT = 'scrubin-audit/1';

const hex64 = z.string().regex(/^[0-9a-f]{64}$/);
/** Cognito user names: letters, digits and `_.@+-` (the pool's alias rules), short. */
export const UsernameSchema = z.string().regex(/^[\w.@+-]{1,128}$/);
/** Cognito `sub` (a UUID) or any short identifier of that alphabet. */
export const SubSchema = z.string().regex(/^[\w-]{1,64}$/);
const identityId = z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d:[0-9a-f-]{36}$/);
const terminalId = z.string().regex(/^[\w.-]{1,64}$/);
const errorCode = z.enum(Object.keys(ERROR_CODES) as [ErrorCode, ...ErrorCode[]]);

export const AuditUserSchema = z.strictObject({ username: UsernameSchema, sub: SubSchema });
export type AuditUser = z.infer<typeof AuditUserSchema>;

/** What a caller may append: one of these events with exactly these fields. */
export const AuditEntrySchema = z.discriminatedUnion('event', [
  z.strictObject({ event: z.literal('terminal-start'), outcome: z.literal('ok'), mode: z.enum(['shared', 'personal']) }),
  z.strictObject({
    event: z.literal('sign-in'),
    outcome: z.literal('ok'),
    user: AuditUserSchema,
    via: z.enum(['managed-login', 'federated', 'restore']),
    forced: z.boolean(),
  }),
  z.strictObject({
    event: z.literal('sign-in-failed'),
    outcome: z.literal('failed'),
    during: z.enum(['sign-in', 'unlock', 'switch', 'restore']),
    code: errorCode,
    /** The person the flow was started for (unlock), when known. */
    forUser: UsernameSchema.nullable(),
  }),
  z.strictObject({
    event: z.literal('sign-out'),
    outcome: z.enum(['ok', 'partial']),
    user: AuditUserSchema,
    reason: z.enum(['user', 'switch', 'session-cap', 'refresh-rejected', 'leftover']),
    /** Whether the refresh token was revoked at the service (false e.g. offline; local state is wiped anyway). */
    revoked: z.boolean(),
    errors: z.array(errorCode).max(8),
  }),
  z.strictObject({ event: z.literal('lock'), outcome: z.literal('ok'), user: AuditUserSchema, reason: z.enum(['idle', 'manual', 'suspend', 'screen-lock']) }),
  z.strictObject({ event: z.literal('unlock'), outcome: z.literal('ok'), user: AuditUserSchema }),
  /** The person set a quick-unlock PIN (never the PIN nor its hash). */
  z.strictObject({ event: z.literal('pin-set'), outcome: z.literal('ok'), user: AuditUserSchema }),
  /**
   * One PIN attempt at the lock screen (never the PIN): `ok` unlocked; `wrong`; `exhausted` = the wrong PIN that used
   * the last try (the PIN is gone, only the full sign-in unlocks); `refused` = no PIN unlock possible at that moment.
   */
  z.strictObject({
    event: z.literal('quick-unlock'),
    outcome: z.enum(['ok', 'failed', 'refused']),
    user: AuditUserSchema,
    result: z.enum(['ok', 'wrong', 'exhausted', 'refused']),
    attempt: z.number().int().min(0).max(10),
  }),
  z.strictObject({ event: z.literal('switch'), outcome: z.literal('ok'), from: AuditUserSchema, to: AuditUserSchema }),
  z.strictObject({ event: z.literal('session-cap'), outcome: z.literal('ok'), user: AuditUserSchema, capHours: z.number().positive().max(24) }),
  z.strictObject({ event: z.literal('refresh-failed'), outcome: z.literal('failed'), user: AuditUserSchema, code: errorCode }),
  z.strictObject({ event: z.literal('callback-dropped'), outcome: z.literal('refused'), code: errorCode }),
  z.strictObject({ event: z.literal('guest-start'), outcome: z.enum(['ok', 'failed']), identityId: identityId.nullable(), code: errorCode.nullable() }),
  z.strictObject({ event: z.literal('guest-end'), outcome: z.literal('ok') }),
  z.strictObject({
    event: z.literal('guest-upgrade'),
    outcome: z.enum(['ok', 'failed']),
    user: AuditUserSchema,
    linked: z.enum(['kept', 'merged', 'none']).nullable(),
    identityId: identityId.nullable(),
    code: errorCode.nullable(),
  }),
  /** Setting changes of the person that could not be pushed before their settings were closed, gone with the cache. */
  z.strictObject({ event: z.literal('settings-not-saved'), outcome: z.literal('failed'), user: AuditUserSchema, count: z.number().int().min(1).max(100_000) }),
  z.strictObject({
    event: z.literal('credentials-refused'),
    outcome: z.literal('refused'),
    user: AuditUserSchema.nullable(),
    reason: z.enum(['locked', 'signed-out']),
  }),
]);
export type AuditEntry = z.infer<typeof AuditEntrySchema>;
export type AuditEventName = AuditEntry['event'] | 'audit-log-created' | 'recovered';

const common = {
  seq: z.number().int().min(0),
  time: z.iso.datetime(),
  terminal: terminalId,
  prev: hex64,
  hash: hex64,
};

export const HeaderRecordSchema = z.strictObject({
  ...common,
  event: z.literal('audit-log-created'),
  outcome: z.literal('ok'),
  format: z.literal(AUDIT_FORMAT),
  /** Per-file random seed; the header's `prev` is SHA-256 of `format:seed`, anchoring the chain. */
  seed: hex64,
  /**
   * Why a chain starts here: the first start of Scrub In on this data folder, or a log that was missing or
   * empty although the folder had been used before (deleted or emptied: the verifier reports it as a finding).
   */
  reason: z.enum(['first-start', 'log-missing', 'log-emptied']),
});
export type ChainStartReason = z.infer<typeof HeaderRecordSchema>['reason'];

export const RecoveredRecordSchema = z.strictObject({
  ...common,
  event: z.literal('recovered'),
  outcome: z.literal('ok'),
  /** The torn line (1-based line number in the file, and how many bytes it held: dropped from the chain). Its SHA-256 is this record's `prev`. */
  torn: z.strictObject({ line: z.number().int().min(2), bytes: z.number().int().min(0) }),
  /** `hash` of the last whole record before the torn line: the chain resumes from it. */
  resume: hex64,
});

/** Every line of a valid file, after the self-hash check (keyed by `event`: one lookup, not a trial of each shape). */
export const AuditRecordSchema = z.discriminatedUnion('event', [
  HeaderRecordSchema,
  RecoveredRecordSchema,
  ...AuditEntrySchema.options.map((option) => option.extend(common)),
]);
export type AuditRecord = z.infer<typeof AuditRecordSchema>;
export type HeaderRecord = z.infer<typeof HeaderRecordSchema>;
export type RecoveredRecord = z.infer<typeof RecoveredRecordSchema>;

// ---------- line encoding (shared by the writer and the verifier) ----------

const HASH_KEY = Buffer.from(',"hash":"', 'utf8');
/** `,"hash":"` + 64 hex + `"}` */
export const HASH_SUFFIX_BYTES = HASH_KEY.length + 64 + 2;

export function sha256(data: Buffer | string): string {
  return createHash('sha256').update(data).digest('hex');
}

export function anchorOf(seed: string): string {
  return sha256(`${AUDIT_FORMAT}:${seed}`);
}

/** Serialises `body` (all fields but `hash`, ending with `prev`) and appends its self-hash as the last member. */
export function encodeLine(body: Record<string, unknown>): { line: string; hash: string } {
  const json = JSON.stringify(body);
  const hash = sha256(json);
  return { line: `${json.slice(0, -1)},"hash":"${hash}"}`, hash };
}

/**
 * Checks the self-hash of one line (bytes, without the newline). Returns the declared hash when the line
 * is well formed and its bytes match it, else a reason.
 */
export function checkLineHash(line: Buffer): { ok: true; hash: string } | { ok: false; reason: string } {
  if (line.length <= HASH_SUFFIX_BYTES + 2) return { ok: false, reason: 'line too short to be a record' };
  const suffixStart = line.length - HASH_SUFFIX_BYTES;
  const suffix = line.subarray(suffixStart).toString('latin1');
  const match = /^,"hash":"([0-9a-f]{64})"\}$/.exec(suffix);
  if (!match?.[1]) return { ok: false, reason: 'line does not end with its "hash" member' };
  const body = Buffer.concat([line.subarray(0, suffixStart), Buffer.from('}')]);
  const actual = sha256(body);
  if (actual !== match[1]) return { ok: false, reason: 'record content does not match its hash (edited)' };
  return { ok: true, hash: match[1] };
}
