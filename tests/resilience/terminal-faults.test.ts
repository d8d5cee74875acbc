/**
 * Faults at the terminal-session level (createApp + local-cognito), for the cases tests/integration does not
 * already cover at the auth/aws level (see docs/resilience.md for the full list and where each case lives).
 * The browser part of each sign-in is driven over HTTP (bench/http-login.ts).
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalCognito, type LocalCognito } from '../../local-cognito/index';
import { isScrubInError } from '../../main/errors';
import { newTerminal, stageCallback } from '../../bench/live';

const rejects = async (p: Promise<unknown>): Promise<string> => {
  try {
    await p;
  } catch (error) {
    if (!isScrubInError(error)) throw error;
    return error.code;
  }
  throw new Error('expected a ScrubInError');
};

describe('terminal-session faults (createApp against local-cognito)', () => {
  let lc: LocalCognito;
  beforeAll(async () => {
    lc = await startLocalCognito({ admin: true });
  });
  afterAll(async () => {
    await lc.stop();
  });

  it('GetCredentialsForIdentity failing with 500 on every attempt at sign-in: signed in, credentials refused with server_error, served once the pool recovers', async () => {
    const t = newTerminal(lc);
    await t.core.session.start();
    const cb = await stageCallback(t, 'nurse');
    lc.admin.failNext('GetCredentialsForIdentity', { count: 20, status: 500, error: 'InternalErrorException' });
    const view = await t.core.session.handleCallback(cb);
    expect(view.state).toBe('signed-in');
    expect(await rejects(t.core.session.getCredentials())).toBe('server_error');
    lc.admin.clearFaults();
    const creds = await t.core.session.getCredentials();
    expect(creds.expiration).toBeGreaterThan(Date.now());
    await t.core.session.signOut();
    expect(await rejects(t.core.session.getCredentials())).toBe('signed_out');
    t.core.dispose();
  });

  it('GetId connection reset on every attempt: network error, nothing cached; next request recovers with one GetId', async () => {
    const t = newTerminal(lc);
    await t.core.session.start();
    const cb = await stageCallback(t, 'surgeon');
    lc.admin.failNext('GetId', { count: 20, reset: true });
    await t.core.session.handleCallback(cb);
    expect(await rejects(t.core.session.getCredentials())).toBe('network');
    lc.admin.clearFaults();
    lc.admin.resetCounts();
    await t.core.session.getCredentials();
    expect(lc.admin.counts().GetId).toBe(1);
    await t.core.session.signOut();
    t.core.dispose();
  });

  it('user disabled mid-session: the next token refresh ends the session, no credentials are served afterwards', async () => {
    const t = newTerminal(lc);
    await t.core.session.start();
    await t.core.session.handleCallback(await stageCallback(t, 'charge'));
    await t.core.session.getCredentials();
    lc.admin.disableUser('charge');
    try {
      // The path the credentials provider takes when it needs a fresh ID token.
      const code = await rejects(t.core.session.idTokens.refresh());
      expect(['refresh_rejected', 'account_disabled']).toContain(code);
      await new Promise<void>((resolve) => setImmediate(resolve)); // the session ends the person asynchronously
      expect(t.core.session.view().state).toBe('signed-out');
      expect(await rejects(t.core.session.getCredentials())).toBe('signed_out');
    } finally {
      lc.admin.enableUser('charge');
      t.core.dispose();
    }
  });

  it('cache folder unusable on a SHARED terminal: the sign-in is refused (storage_unavailable: nothing a crash could leave behind without a record), its token not kept', async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'scrubin-cachefault-'));
    writeFileSync(path.join(dataDir, 'cache'), 'not a folder');
    const t = newTerminal(lc, { dataDir });
    await t.core.session.start();
    const view = await t.core.session.handleCallback(await stageCallback(t, 'itadmin'));
    expect(view).toMatchObject({ state: 'signed-out', lastError: { code: 'storage_unavailable' } });
    expect((t.store as { entries?: Map<string, string> }).entries?.size).toBe(0);
    t.core.dispose();
  });

  it('cache folder unusable (a file where the folder should be: disk full, folder removed or not writable) on a personal terminal: the sign-in works, credentials are served, each failed write is reported and nothing throws', async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'scrubin-cachefault-'));
    writeFileSync(path.join(dataDir, 'cache'), 'not a folder');
    const problems: string[] = [];
    const t = newTerminal(lc, { dataDir, mode: 'personal', onProblem: (error) => problems.push(`${error.code}: ${error.detail ?? ''}`) });
    await t.core.session.start();
    lc.admin.resetCounts();
    const view = await t.core.session.handleCallback(await stageCallback(t, 'itadmin'));
    expect(view.state).toBe('signed-in');
    const creds = await t.core.session.getCredentials();
    expect(creds.expiration).toBeGreaterThan(Date.now());
    expect(lc.admin.counts()).toMatchObject({ GetId: 1, GetCredentialsForIdentity: 1 });
    // Each cache file the sign-in could not write is in the log, by name, with no token or key in it.
    expect(problems).toEqual(
      expect.arrayContaining([
        'internal: discovery cache file could not be written',
        'internal: signing keys (JWKS) cache file could not be written',
        'internal: write last-account pointer failed',
        'internal: the identity-id cache was not written',
      ]),
    );
    expect(problems.join('\n')).not.toMatch(/eyJ|ASIA|secret/i);
    // The IdentityId stays known in memory: the next credentials need no GetId.
    await t.core.session.signOut();
    lc.admin.resetCounts();
    await t.core.session.handleCallback(await stageCallback(t, 'itadmin'));
    await t.core.session.getCredentials();
    expect(lc.admin.counts()).toMatchObject({ GetId: 0, GetCredentialsForIdentity: 1 });
    await t.core.session.signOut();
    t.core.dispose();
  });

  it('discovery cache file corrupted and identity cache truncated on disk: ignored, refetched, the sign-in works and the files are rewritten valid', async () => {
    const first = newTerminal(lc);
    await first.core.session.start();
    await first.core.session.handleCallback(await stageCallback(first, 'itadmin'));
    await first.core.session.getCredentials();
    await first.core.session.signOut();
    first.core.dispose();
    const cache = path.join(first.dataDir, 'cache');
    writeFileSync(path.join(cache, 'discovery.json'), '{"issuer": "http://evil.example", "trunc');
    const idFile = path.join(cache, 'aws-identity-ids.json');
    writeFileSync(idFile, readFileSync(idFile, 'utf8').slice(0, 20));
    const second = newTerminal(lc, { dataDir: first.dataDir });
    await second.core.session.start();
    lc.admin.resetCounts();
    await second.core.session.handleCallback(await stageCallback(second, 'itadmin'));
    await second.core.session.getCredentials();
    const c = lc.admin.counts();
    expect(c.discovery).toBe(1);
    expect(c.GetId).toBe(1);
    expect(() => JSON.parse(readFileSync(path.join(cache, 'discovery.json'), 'utf8')) as unknown).not.toThrow();
    expect(JSON.parse(readFileSync(idFile, 'utf8'))).toMatchObject({ version: 2 });
    await second.core.session.signOut();
    second.core.dispose();
  });
});
