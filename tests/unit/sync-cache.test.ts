/** The settings cache file: round trip, permissions, distrust of what is on disk, removal. */
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

const tmp = (): Promise<string> => mkdtemp(join(tmpdir(), 'scrubin-cache-'));

describe('settings cache file', () => {
  it('a saved file loads back as it was', async () => {
    const dir = await tmp();
    await saveCacheFile(dir, file());
    expect(await loadCacheFile(dir, ID)).toEqual({ file: file() });
  });

  it('is owner-only (0600)', async () => {
    const dir = await tmp();
    await saveCacheFile(dir, file());
    expect((await stat(join(dir, cacheFileName(ID)))).mode & 0o777).toBe(0o600);
  });

  it('has a Windows-safe name, and no temporary file is left after a save', async () => {
    const dir = await tmp();
    await saveCacheFile(dir, file());
    expect(cacheFileName(ID)).toBe('settings-us-east-1_0f0e0d0c-0b0a-4909-8807-060504030201.json');
    expect(await readdir(dir)).toEqual([cacheFileName(ID)]);
  });

  it('a missing file is an empty cache', async () => {
    expect(await loadCacheFile(await tmp(), ID)).toEqual({ file: { format: 1, identityId: ID, datasets: {} } });
  });

  it('a file that is not JSON is ignored as corrupt', async () => {
    const dir = await tmp();
    await writeFile(join(dir, cacheFileName(ID)), '{"format":1,');
    expect(await loadCacheFile(dir, ID)).toEqual({ problem: 'corrupt', file: { format: 1, identityId: ID, datasets: {} } });
  });

  it('a file of the wrong shape is ignored as corrupt', async () => {
    const dir = await tmp();
    const bad = file();
    (bad.datasets.prefs!.records.textSize as { value: unknown }).value = 42;
    await writeFile(join(dir, cacheFileName(ID)), JSON.stringify(bad));
    expect(await loadCacheFile(dir, ID)).toEqual({ problem: 'corrupt', file: { format: 1, identityId: ID, datasets: {} } });
  });

  it("another identity's file under this name is ignored", async () => {
    const dir = await tmp();
    await writeFile(join(dir, cacheFileName(ID)), JSON.stringify(file(OTHER)));
    expect(await loadCacheFile(dir, ID)).toEqual({ problem: 'other-identity', file: { format: 1, identityId: ID, datasets: {} } });
  });

  it('removal takes the file and the leftovers of interrupted writes', async () => {
    const dir = await tmp();
    await saveCacheFile(dir, file());
    await writeFile(join(dir, `${cacheFileName(ID)}.abc123.tmp`), 'partial');
    await removeCacheFile(dir, ID);
    expect(await readdir(dir)).toEqual([]);
  });

  it("removal leaves other identities' files alone", async () => {
    const dir = await tmp();
    await saveCacheFile(dir, file());
    await saveCacheFile(dir, file(OTHER));
    await removeCacheFile(dir, ID);
    expect(await readdir(dir)).toEqual([cacheFileName(OTHER)]);
    expect(JSON.parse(await readFile(join(dir, cacheFileName(OTHER)), 'utf8'))).toMatchObject({ identityId: OTHER });
  });

  it('removal in a missing folder does nothing', async () => {
    await expect(removeCacheFile(join(await tmp(), 'missing'), ID)).resolves.toBeUndefined();
  });

  it('refuses names that are not identity ids (no path tricks)', () => {
    expect(() => cacheFileName('../../etc/passwd')).toThrow(expect.objectContaining({ code: 'invalid_request' }) as Error);
  });
});
