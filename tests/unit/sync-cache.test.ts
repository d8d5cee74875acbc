import { mkdtemp, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cacheFileName, loadCacheFile, removeCacheFile, saveCacheFile, type CacheFile } from '../../main/sync/cache';

const ID = 'us-east-1:0f0e0d0c-0b0a-4909-8807-060504030201';
const OTHER = 'us-east-1:11111111-2222-4333-8444-555555555555';
const file = (identityId = ID): CacheFile => ({
  format: 1,
  identityId,
  datasets: { prefs: { lastSyncCount: 3, records: { textSize: { value: 'large', lastModified: 5, deviceId: 'd', version: 2, dirty: true } } } },
});

describe('settings cache file', () => {
  it('round-trips, owner-only, with a Windows-safe name and no temporary file left', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'scrubin-cache-'));
    await saveCacheFile(dir, file());
    expect(cacheFileName(ID)).toBe('settings-us-east-1_0f0e0d0c-0b0a-4909-8807-060504030201.json');
    expect(await readdir(dir)).toEqual([cacheFileName(ID)]);
    expect((await stat(join(dir, cacheFileName(ID)))).mode & 0o777).toBe(0o600);
    expect(await loadCacheFile(dir, ID)).toEqual({ file: file() });
  });

  it('a missing file is an empty cache; a damaged, invalid or foreign one is ignored, never trusted', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'scrubin-cache-'));
    expect(await loadCacheFile(dir, ID)).toEqual({ file: { format: 1, identityId: ID, datasets: {} } });
    const path = join(dir, cacheFileName(ID));
    await writeFile(path, '{"format":1,');
    expect((await loadCacheFile(dir, ID)).problem).toBe('corrupt');
    const bad = file();
    (bad.datasets.prefs!.records.textSize as { value: unknown }).value = 42;
    await writeFile(path, JSON.stringify(bad));
    expect((await loadCacheFile(dir, ID)).problem).toBe('corrupt');
    await writeFile(path, JSON.stringify({ ...file(OTHER) }));
    expect(await loadCacheFile(dir, ID)).toMatchObject({ problem: 'other-identity', file: { identityId: ID, datasets: {} } });
  });

  it('removal takes the file and leftovers of interrupted writes, and only that identity', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'scrubin-cache-'));
    await saveCacheFile(dir, file());
    await saveCacheFile(dir, file(OTHER));
    await writeFile(join(dir, `${cacheFileName(ID)}.abc123.tmp`), 'partial');
    await removeCacheFile(dir, ID);
    expect(await readdir(dir)).toEqual([cacheFileName(OTHER)]);
    expect(JSON.parse(await readFile(join(dir, cacheFileName(OTHER)), 'utf8'))).toMatchObject({ identityId: OTHER });
    await removeCacheFile(join(dir, 'missing'), ID); // no folder: nothing to do
  });

  it('refuses names that are not identity ids (no path tricks)', () => {
    expect(() => cacheFileName('../../etc/passwd')).toThrow(expect.objectContaining({ code: 'invalid_request' }) as Error);
  });
});
