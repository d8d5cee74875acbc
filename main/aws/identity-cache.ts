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
 */
import { readFile } from 'node:fs/promises';
import { writeJsonFile } from '../json-file';
import { join } from 'node:path';
import { z } from 'zod';

export const IDENTITY_CACHE_FILE = 'aws-identity-ids.json';
/** Upper bound of remembered users; the least recently used are forgotten first. */
export const MAX_CACHED_USERS = 2000;

const IdentityId = z.string().regex(/^[a-z]{2}(?:-[a-z]+)+-\d:[0-9a-f-]{36}$/);

const FileSchema = z.strictObject({
  version: z.literal(1),
  identityPoolId: z.string(),
  users: z.record(z.string().min(1).max(256), z.strictObject({ identityId: IdentityId, lastUsed: z.number() })),
  guest: IdentityId.optional(),
});
type CacheFile = z.infer<typeof FileSchema>;

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
  onProblem?: (problem: CacheProblem) => void;
}): IdentityCache {
  const path = join(options.dir, IDENTITY_CACHE_FILE);
  let state: CacheFile | undefined;
  let loading: Promise<CacheFile> | undefined;
  let writing: Promise<void> = Promise.resolve();

  const empty = (): CacheFile => ({ version: 1, identityPoolId: options.identityPoolId, users: {} });

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
        parsed = FileSchema.parse(JSON.parse(text));
      } catch {
        options.onProblem?.('corrupt');
        return (state = empty());
      }
      if (parsed.identityPoolId !== options.identityPoolId) {
        options.onProblem?.('other-pool');
        return (state = empty());
      }
      return (state = parsed);
    })();
    return loading;
  }

  function persist(snapshot: CacheFile): Promise<void> {
    writing = writing.then(() =>
      writeJsonFile(path, snapshot).catch(() => {
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
      return Object.hasOwn(file.users, sub) ? file.users[sub]?.identityId : undefined;
    },
    async set(sub, identityId) {
      const file = await load();
      let entries = Object.entries({ ...file.users, [sub]: { identityId, lastUsed: options.now() } });
      if (entries.length > MAX_CACHED_USERS) {
        entries.sort((a, b) => a[1].lastUsed - b[1].lastUsed);
        entries = entries.slice(entries.length - MAX_CACHED_USERS);
      }
      state = { ...file, users: Object.fromEntries(entries) };
      await persist(state);
    },
    async delete(sub) {
      const file = await load();
      if (!Object.hasOwn(file.users, sub)) return;
      state = { ...file, users: Object.fromEntries(Object.entries(file.users).filter(([key]) => key !== sub)) };
      await persist(state);
    },
    async getGuest() {
      return (await load()).guest;
    },
    async setGuest(identityId) {
      const file = await load();
      if (file.guest === identityId) return;
      const next: CacheFile = { version: 1, identityPoolId: file.identityPoolId, users: file.users };
      if (identityId !== undefined) next.guest = identityId;
      state = next;
      await persist(state);
    },
  };
}
