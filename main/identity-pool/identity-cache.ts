/**
 * Per-user IdentityId cache, persisted so a returning user needs only GetCredentialsForIdentity.
 *
 * IdentityIds are not secret (they are identifiers, useless without a valid login), so a plain JSON file
 * in the app's data folder is fine. The file is validated with zod on read; a corrupted or foreign file is
 * ignored (and rewritten on the next change), never trusted. Writes are atomic (temp file + rename) and
 * serialized. The cache is scoped to one identity pool: a file written for another pool is ignored.
 * It only saves requests: a write that fails (disk full, folder gone or not writable) is reported
 * (`onProblem('unwritable')`) and never fails the caller; this process goes on from memory, and the next change
 * writes the whole state again.
 *
 * On a shared terminal the file must not tell who used the terminal, or when (security defect 7): users are keyed
 * by a SALTED hash of their `sub` (a per-file random salt, so a list of subs cannot be checked against it), there
 * are no user names, and the only time kept is the DAY an entry expires (`expiresDays` after it was cached, default
 * 30); expired entries are dropped when the file is read. A version-1 file (raw subs and last-used times) is
 * replaced at once.
 */
import { createHash, randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { writeJsonFile } from '../lib';
import { join } from 'node:path';
import { z } from 'zod';

export const IDENTITY_CACHE_FILE = 'aws-identity-ids.json';
/** Upper bound of remembered users; the least recently used are forgotten first. */
export const MAX_CACHED_USERS = 2000;

const IdentityId = z.string().regex(/^[a-z]{2}(?:-[a-z]+)+-\d:[0-9a-f-]{36}$/);

const DAY_MS = 86_400_000;
const Hex64 = z.string().regex(/^[0-9a-f]{64}$/);

const FileSchema = z.strictObject({
  version: z.literal(2),
  identityPoolId: z.string(),
  /** Random per file: the keys of `users` are SHA-256(salt:sub). */
  salt: Hex64,
  /** `expires`: the day (days since 1970-01-01, UTC) after which the entry is dropped. */
  users: z.record(Hex64, z.strictObject({ identityId: IdentityId, expires: z.number().int().nonnegative() })),
  guest: IdentityId.optional(),
});
type CacheFile = z.infer<typeof FileSchema>;

/** An earlier format that kept raw subs and last-used times: recognised only to be replaced. */
const LegacyFileSchema = z.looseObject({ version: z.literal(1) });

export type CacheProblem = 'corrupt' | 'other-pool' | 'unreadable' | 'unwritable';

export interface IdentityCache {
  /** Reads the file now (it is read once, on first use, anyway): a sign-in then finds it in memory. */
  preload(): Promise<void>;
  get(sub: string): Promise<string | undefined>;
  /** Remembers `identityId` (in memory at once); settles once the file is written or the write was reported failed. */
  set(sub: string, identityId: string): Promise<void>;
  delete(sub: string): Promise<void>;
  getGuest(): Promise<string | undefined>;
  setGuest(identityId: string | undefined): Promise<void>;
}

export function createIdentityCache(options: {
  dir: string;
  identityPoolId: string;
  now: () => number;
  /** Days an entry is kept after it was cached (default 30); 0 keeps nothing on disk. */
  expiresDays?: number;
  onProblem?: (problem: CacheProblem) => void;
}): IdentityCache {
  const days = options.expiresDays ?? 30;
  const today = (): number => Math.floor(options.now() / DAY_MS);
  const keyOf = (file: CacheFile, sub: string): string => createHash('sha256').update(`${file.salt}:${sub}`).digest('hex');
  const path = join(options.dir, IDENTITY_CACHE_FILE);
  let state: CacheFile | undefined;
  let loading: Promise<CacheFile> | undefined;
  let writing: Promise<void> = Promise.resolve();

  const empty = (): CacheFile => ({ version: 2, identityPoolId: options.identityPoolId, salt: randomBytes(32).toString('hex'), users: {} });
  /** The entries still valid today. */
  const fresh = (file: CacheFile): CacheFile => ({ ...file, users: Object.fromEntries(Object.entries(file.users).filter(([, entry]) => entry.expires >= today())) });

  async function load(): Promise<CacheFile> {
    if (state) return state;
    loading ??= (async () => {
      let text: string;
      try {
        text = await readFile(path, 'utf8');
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT') options.onProblem?.('unreadable');
        return (state = empty());
      }
      let parsed: CacheFile;
      try {
        const json: unknown = JSON.parse(text);
        if (LegacyFileSchema.safeParse(json).success) {
          // Raw subs and last-used times on disk: overwrite them now, not at the next change.
          state = empty();
          void persist(state);
          return state;
        }
        parsed = FileSchema.parse(json);
      } catch {
        options.onProblem?.('corrupt');
        return (state = empty());
      }
      if (parsed.identityPoolId !== options.identityPoolId) {
        options.onProblem?.('other-pool');
        return (state = empty());
      }
      return (state = fresh(parsed));
    })();
    return loading;
  }

  function persist(snapshot: CacheFile): Promise<void> {
    const onDisk = days > 0 ? snapshot : { ...snapshot, users: {} };
    writing = writing.then(() =>
      writeJsonFile(path, onDisk).catch(() => {
        options.onProblem?.('unwritable');
      }),
    );
    return writing;
  }

  return {
    async preload() {
      await load();
    },
    async get(sub) {
      const file = await load();
      const key = keyOf(file, sub);
      const entry = Object.hasOwn(file.users, key) ? file.users[key] : undefined;
      return entry && entry.expires >= today() ? entry.identityId : undefined;
    },
    async set(sub, identityId) {
      const file = await load();
      const key = keyOf(file, sub);
      const known = Object.hasOwn(file.users, key) ? file.users[key] : undefined;
      // The expiry counts from when the id was first cached: re-using it does not move it (no last-used time).
      const expires = known?.identityId === identityId ? known.expires : today() + days;
      let entries = Object.entries({ ...file.users, [key]: { identityId, expires } });
      if (entries.length > MAX_CACHED_USERS) {
        entries.sort((a, b) => a[1].expires - b[1].expires);
        entries = entries.slice(entries.length - MAX_CACHED_USERS);
      }
      // Keys sorted: the order of the file says nothing about who came when.
      entries.sort(([a], [b]) => (a < b ? -1 : 1));
      state = { ...file, users: Object.fromEntries(entries) };
      if (known?.identityId === identityId) return;
      await persist(state);
    },
    async delete(sub) {
      const file = await load();
      const key = keyOf(file, sub);
      if (!Object.hasOwn(file.users, key)) return;
      state = { ...file, users: Object.fromEntries(Object.entries(file.users).filter(([k]) => k !== key)) };
      await persist(state);
    },
    async getGuest() {
      return (await load()).guest;
    },
    async setGuest(identityId) {
      const file = await load();
      if (file.guest === identityId) return;
      const next: CacheFile = { version: 2, identityPoolId: file.identityPoolId, salt: file.salt, users: file.users };
      if (identityId !== undefined) next.guest = identityId;
      state = next;
      await persist(state);
    },
  };
}
