/**
 * The local cache: one JSON file per identity under the injected folder, so settings work offline.
 * Validated with zod on read (a damaged or foreign file is ignored, never trusted), written
 * atomically (main/lib/json-file.ts: temporary file, fsync, rename) with owner-only permissions. Not secret, but personal:
 * shared terminals remove it at sign-out (`removeCacheFile`).
 */
import { rmSync } from 'node:fs';
import { readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { ScrubInError } from '../errors';
import { writeJsonFile } from '../lib';
import { DATASET_NAME } from './limits';

export const CACHE_FILE_PREFIX = 'settings-';

const IDENTITY_ID = /^[a-z]{2}(-[a-z]+)+-\d:[0-9a-f-]{36}$/;

export const CachedRecord = z.strictObject({
  /** null = removed (a tombstone, synced so other terminals remove it too). */
  value: z.string().nullable(),
  lastModified: z.number().int().nonnegative(),
  deviceId: z.string().min(1).max(128),
  /** The remote version this record is based on (0 = never stored remotely). */
  version: z.number().int().nonnegative(),
  /** Changed here since the last successful push. */
  dirty: z.boolean(),
  /** Bytes the server counts for this record at `version` (0: absent or removed); what a push changes the usage by. */
  remoteBytes: z.number().int().nonnegative().optional(),
});
export type CachedRecord = z.infer<typeof CachedRecord>;

export const CachedDataset = z.strictObject({
  /** The dataset's remote syncCount this cache has seen everything up to. */
  lastSyncCount: z.number().int().nonnegative(),
  records: z.record(z.string().min(1), CachedRecord),
  /** Deleted here: the next sync deletes it on the server (records left here are changes made since). */
  deleting: z.literal(true).optional(),
});
export type CachedDataset = z.infer<typeof CachedDataset>;

export const CacheFile = z.strictObject({
  format: z.literal(1),
  identityId: z.string().regex(IDENTITY_ID),
  datasets: z.record(z.string().regex(DATASET_NAME), CachedDataset),
});
export type CacheFile = z.infer<typeof CacheFile>;

export function checkIdentityId(identityId: unknown): string {
  if (typeof identityId !== 'string' || !IDENTITY_ID.test(identityId)) {
    throw new ScrubInError('invalid_request', { detail: 'settings sync: not a Cognito identity id' });
  }
  return identityId;
}

/** `settings-us-east-1_<guid>.json` (no ':' so the name is valid on Windows too). */
export function cacheFileName(identityId: string): string {
  return `${CACHE_FILE_PREFIX}${checkIdentityId(identityId).replace(':', '_')}.json`;
}

export type CacheLoad = { file: CacheFile; problem?: undefined } | { file: CacheFile; problem: 'corrupt' | 'other-identity' | 'unreadable' };

export const emptyCache = (identityId: string): CacheFile => ({ format: 1, identityId, datasets: {} });

export async function loadCacheFile(dir: string, identityId: string): Promise<CacheLoad> {
  let text: string;
  try {
    text = await readFile(join(dir, cacheFileName(identityId)), 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { file: emptyCache(identityId) };
    return { file: emptyCache(identityId), problem: 'unreadable' };
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return { file: emptyCache(identityId), problem: 'corrupt' };
  }
  const parsed = CacheFile.safeParse(json);
  if (!parsed.success) return { file: emptyCache(identityId), problem: 'corrupt' };
  if (parsed.data.identityId !== identityId) return { file: emptyCache(identityId), problem: 'other-identity' };
  return { file: parsed.data };
}

export async function saveCacheFile(dir: string, file: CacheFile): Promise<void> {
  await writeJsonFile(join(dir, cacheFileName(file.identityId)), file);
}

/** Removes the entries of `dir` that `match` selects; a missing folder has nothing to remove. */
async function removeMatching(dir: string, match: (entry: string) => boolean): Promise<void> {
  let entries: string[];
  try {
    entries = await readdir(dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw error;
  }
  await Promise.all(entries.filter(match).map((e) => rm(join(dir, e), { force: true })));
}

/** Removes the identity's cache file and any temporary file left by an interrupted write. */
export function removeCacheFile(dir: string, identityId: string): Promise<void> {
  const name = cacheFileName(identityId);
  return removeMatching(dir, (e) => e === name || (e.startsWith(`${name}.`) && e.endsWith('.tmp')));
}

/**
 * Removes the identity's cache file synchronously: at sign-out it must be gone before the screen says so. One
 * unlink of a small local file; leftovers of interrupted writes go with `removeCacheFile` right after.
 */
export function removeCacheFileNow(dir: string, identityId: string): void {
  rmSync(join(dir, cacheFileName(identityId)), { force: true });
}

/** Removes every settings cache (and interrupted writes) in `dir`: shared terminals at start. */
export function removeAllCacheFiles(dir: string): Promise<void> {
  return removeMatching(dir, (e) => e.startsWith(CACHE_FILE_PREFIX));
}
