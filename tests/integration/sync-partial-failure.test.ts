/**
 * Settings sync under partial failure (issue 24): two terminals of one person against the local DynamoDB, with
 * local-cognito faults (a request that fails, one whose answer is lost, two terminals syncing at once). What
 * reached the server becomes visible everywhere by itself; the limits hold across terminals, and an over-full
 * dataset left by an older version is no dead end; conflicts follow the server's order, never device clocks.
 * (The bounded sign-out with a hung DynamoDB is sync-sign-out.test.ts.)
 */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { SyncBench, T0, openAndSettle, type SyncTerminal, type TerminalExtra } from '../support/sync';

let bench: SyncBench;
beforeAll(async () => {
  bench = await SyncBench.start();
});
afterAll(() => bench.stop());
afterEach(() => bench.cleanup());

const person = (): Promise<string> => mkdtemp(join(tmpdir(), 'scrubin-sync-aws-'));

/** A terminal of the person whose guest identity lives in `awsDir`, opened (its sign-in sync succeeded). */
async function opened(awsDir: string, deviceId: string, extra: TerminalExtra = {}): Promise<SyncTerminal> {
  const t = await bench.terminal(await bench.guest(awsDir), deviceId, extra);
  await openAndSettle(t);
  return t;
}

describe('issue 24 #4: conflicts follow the server order, never device clocks, and the person is told', () => {
  it('a terminal whose clock runs 10 minutes fast cannot win with an older edit', async () => {
    const awsDir = await person();
    const fast = await opened(awsDir, 'terminal-fast', { startAt: T0 + 10 * 60_000 });
    const b = await opened(awsDir, 'terminal-b');
    // The fast terminal edits first, offline.
    bench.ld.failNext('DynamoDB.Query', { reset: true, count: 3 });
    await fast.sync.set('prefs', 'textSize', 'large');
    expect(await fast.syncNow()).toMatchObject({ type: 'sync-failed', code: 'network' });
    // A minute later another terminal changes the same preference; its change reaches the server first.
    b.clock.advance(60_000);
    await b.sync.set('prefs', 'textSize', 'x-large');
    expect(await b.syncNow()).toMatchObject({ type: 'synced', pushed: 1 });
    // The fast terminal comes back: the server's order decides, and its person is told their change was replaced.
    expect(await fast.syncNow()).toMatchObject({ type: 'synced', pushed: 0, conflicts: 1 });
    expect(await b.syncNow()).toMatchObject({ type: 'synced' });
    expect(fast.sync.get('prefs', 'textSize')).toBe('x-large');
    expect(b.sync.get('prefs', 'textSize')).toBe('x-large');
    expect(fast.events).toContainEqual({ type: 'conflict', dataset: 'prefs', key: 'textSize', resolution: 'remote', by: 'default' });
    expect(fast.changes).toContainEqual({ kind: 'record', identityId: fast.identityId, dataset: 'prefs', key: 'textSize', value: 'x-large', source: 'remote', overridden: true });
  });
});
