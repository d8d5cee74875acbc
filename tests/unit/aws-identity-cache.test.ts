import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createIdentityCache, IDENTITY_CACHE_FILE, type CacheProblem } from '../../main/aws/identity-cache';

const POOL = 'us-east-1:7c1a9e4e-5c1b-4f3e-9a55-0d1c0ffee001';
const ID_A = 'us-east-1:11111111-2222-4333-8444-555555555555';
const ID_B = 'us-east-1:aaaaaaaa-2222-4333-8444-555555555555';

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
      [JSON.stringify({ version: 1, identityPoolId: POOL, users: { s: { identityId: 'evil', lastUsed: 0 } } }), 'corrupt'],
      [JSON.stringify({ version: 1, identityPoolId: 'us-east-1:00000000-0000-4000-8000-000000000000', users: {} }), 'other-pool'],
    ] as const) {
      const d = await dir();
      await writeFile(join(d, IDENTITY_CACHE_FILE), content);
      const problems: CacheProblem[] = [];
      const cache = createIdentityCache({ dir: d, identityPoolId: POOL, now: () => 1, onProblem: (p) => problems.push(p) });
      expect(await cache.get('s')).toBeUndefined();
      expect(problems).toEqual([expected]);
      await cache.set('s', ID_A);
      const text = await readFile(join(d, IDENTITY_CACHE_FILE), 'utf8');
      expect(JSON.parse(text)).toMatchObject({ version: 1, identityPoolId: POOL, users: { s: { identityId: ID_A } } });
    }
  });
});
