import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createIdentityCache, IDENTITY_CACHE_FILE, type CacheProblem } from '../../main/identity-pool/identity-cache';
import { cachedIdentityId } from '../support/identity-cache';

const POOL = 'us-east-1:7c1a9e4e-5c1b-4f3e-9a55-0d1c0ffee001';
const ID_A = 'us-east-1:11111111-2222-4333-8444-555555555555';
const ID_B = 'us-east-1:aaaaaaaa-2222-4333-8444-555555555555';
const SALT = 'ab'.repeat(32);

async function dir(): Promise<string> {
  return mkdtemp(join(tmpdir(), 'scrubin-aws-cache-'));
}

describe('identity-id cache', () => {
  it('persists per-user ids and the guest id across instances', async () => {
    const d = await dir();
    const a = createIdentityCache({ dir: d, identityPoolId: POOL, now: () => 1 });
    await a.set('sub-1', ID_A);
    await a.setGuest(ID_B);
    const b = createIdentityCache({ dir: d, identityPoolId: POOL, now: () => 2 });
    expect(await b.get('sub-1')).toBe(ID_A);
    expect(await b.get('sub-2')).toBeUndefined();
    expect(await b.getGuest()).toBe(ID_B);
    await b.delete('sub-1');
    await b.setGuest(undefined);
    const c = createIdentityCache({ dir: d, identityPoolId: POOL, now: () => 3 });
    expect(await c.get('sub-1')).toBeUndefined();
    expect(await c.getGuest()).toBeUndefined();
  });

  it('a write that fails (folder unusable) is reported and never fails the caller; memory keeps the state, and the next change writes all of it once the folder is usable', async () => {
    const parent = await dir();
    const d = join(parent, 'cache');
    await writeFile(d, 'a file where the folder should be');
    const problems: CacheProblem[] = [];
    const cache = createIdentityCache({ dir: d, identityPoolId: POOL, now: () => 1, onProblem: (p) => problems.push(p) });
    await cache.set('sub-1', ID_A);
    await cache.setGuest(ID_B);
    expect(await cache.get('sub-1')).toBe(ID_A);
    expect(await cache.getGuest()).toBe(ID_B);
    expect(problems).toEqual(['unreadable', 'unwritable', 'unwritable']);
    await rm(d);
    await cache.set('sub-2', ID_B);
    const again = createIdentityCache({ dir: d, identityPoolId: POOL, now: () => 2 });
    expect([await again.get('sub-1'), await again.get('sub-2'), await again.getGuest()]).toEqual([ID_A, ID_B, ID_B]);
  });

  it('ignores a corrupted file and a file for another pool, and rewrites it on the next change', async () => {
    for (const [content, expected] of [
      ['{not json', 'corrupt'],
      [JSON.stringify({ version: 2, identityPoolId: POOL, salt: SALT, users: { [SALT]: { identityId: 'evil', expires: 0 } } }), 'corrupt'],
      [JSON.stringify({ version: 2, identityPoolId: 'us-east-1:00000000-0000-4000-8000-000000000000', salt: SALT, users: {} }), 'other-pool'],
    ] as const) {
      const d = await dir();
      await writeFile(join(d, IDENTITY_CACHE_FILE), content);
      const problems: CacheProblem[] = [];
      const cache = createIdentityCache({ dir: d, identityPoolId: POOL, now: () => 1, onProblem: (p) => problems.push(p) });
      expect(await cache.get('s')).toBeUndefined();
      expect(problems).toEqual([expected]);
      await cache.set('s', ID_A);
      const text = await readFile(join(d, IDENTITY_CACHE_FILE), 'utf8');
      const written = JSON.parse(text) as { version: number; identityPoolId: string; users: Record<string, { identityId: string }> };
      expect(written).toMatchObject({ version: 2, identityPoolId: POOL });
      expect(Object.values(written.users)).toEqual([expect.objectContaining({ identityId: ID_A })]);
    }
  });
});

describe('identity-id cache on a shared terminal tells nobody who used it, or when (security defect 7)', () => {
  const DAY = 86_400_000;
  const T0 = Date.UTC(2026, 11, 4, 7, 30);

  it('the file holds no sub, no user name and no time of use: keys are salted hashes, the only date is the expiry day', async () => {
    const d = await dir();
    const cache = createIdentityCache({ dir: d, identityPoolId: POOL, now: () => T0 });
    await cache.set('6f1c2a3b-0000-4000-8000-000000000001', ID_A);
    const text = await readFile(join(d, IDENTITY_CACHE_FILE), 'utf8');
    expect(text).not.toContain('6f1c2a3b-0000-4000-8000-000000000001');
    expect(text).not.toContain('lastUsed');
    expect(text).not.toContain(String(T0));
    const file = JSON.parse(text) as { salt: string; users: Record<string, { identityId: string; expires: number }> };
    expect(file.salt).toMatch(/^[0-9a-f]{64}$/);
    const [key, entry] = Object.entries(file.users)[0]!;
    expect(key).toBe(createHash('sha256').update(`${file.salt}:6f1c2a3b-0000-4000-8000-000000000001`).digest('hex'));
    expect(entry).toEqual({ identityId: ID_A, expires: Math.floor(T0 / DAY) + 30 });
  });

  it('two terminals salt differently: the same person has different keys', async () => {
    const keys: string[] = [];
    for (let i = 0; i < 2; i++) {
      const d = await dir();
      await createIdentityCache({ dir: d, identityPoolId: POOL, now: () => T0 }).set('sub-1', ID_A);
      keys.push(...Object.keys((JSON.parse(await readFile(join(d, IDENTITY_CACHE_FILE), 'utf8')) as { users: object }).users));
    }
    expect(keys[0]).not.toBe(keys[1]);
  });

  it('entries expire after the configured days; using one again does not extend it (no last-use time)', async () => {
    const d = await dir();
    let now = T0;
    const cache = createIdentityCache({ dir: d, identityPoolId: POOL, now: () => now, expiresDays: 10 });
    await cache.set('sub-1', ID_A);
    now = T0 + 9 * DAY;
    await cache.set('sub-1', ID_A); // used again
    expect(await cache.get('sub-1')).toBe(ID_A);
    now = T0 + 11 * DAY;
    expect(await cache.get('sub-1')).toBeUndefined();
    const later = createIdentityCache({ dir: d, identityPoolId: POOL, now: () => now, expiresDays: 10 });
    expect(await later.get('sub-1')).toBeUndefined();
  });

  it('0 days keeps nothing on disk (memory still serves this run)', async () => {
    const d = await dir();
    const cache = createIdentityCache({ dir: d, identityPoolId: POOL, now: () => T0, expiresDays: 0 });
    await cache.set('sub-1', ID_A);
    expect(JSON.parse(await readFile(join(d, IDENTITY_CACHE_FILE), 'utf8'))).toMatchObject({ users: {} });
  });

  it('a version-1 file (raw subs, last-used times) is overwritten at once, before any change', async () => {
    const d = await dir();
    await writeFile(join(d, IDENTITY_CACHE_FILE), JSON.stringify({ version: 1, identityPoolId: POOL, users: { 'sub-nurse': { identityId: ID_A, lastUsed: T0 } } }));
    const cache = createIdentityCache({ dir: d, identityPoolId: POOL, now: () => T0 });
    expect(await cache.get('sub-nurse')).toBeUndefined();
    await expect.poll(async () => readFile(join(d, IDENTITY_CACHE_FILE), 'utf8')).not.toContain('sub-nurse');
  });
});

describe('tests/support/identity-cache (how resilience tests look a person up)', () => {
  it('finds a cached person by sub, and nobody else', async () => {
    const dataDir = await dir();
    await createIdentityCache({ dir: join(dataDir, 'cache'), identityPoolId: POOL, now: () => 1 }).set('sub-1', ID_A);
    expect(cachedIdentityId(dataDir, 'sub-1')).toBe(ID_A);
    expect(cachedIdentityId(dataDir, 'sub-2')).toBeUndefined();
  });
});
