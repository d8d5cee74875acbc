/**
 * More faults at the terminal level, each its own test: clock skew, signing-key rotation, JWKS down on a cold
 * start, revoke failing at sign-out, token endpoint resets, the audit log unwritable. Every test checks the typed
 * error or the recovery, that no stale or expired credentials are served, that no secret reaches an error or the
 * audit log, and that local state is consistent afterwards. Cores come from `createApp` where the fault needs no
 * retry backoff; where it does, the same parts are composed here with a `sleep` that returns at once.
 * See docs/resilience.md.
 */
import { closeSync, mkdtempSync, openSync, readdirSync, readFileSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalCognito, type LocalCognito } from '../../local-cognito/index';
import { MemorySecretStore, type UserPoolAuthOptions } from '../../main/auth';
import { IDENTITY_CACHE_FILE } from '../../main/identity-pool';
import { cachedIdentityId } from '../support/identity-cache';
import { ManualClock } from '../../main/clock';
import { createApp } from '../../main/app';
import { isScrubInError, type ScrubInError } from '../../main/errors';
import { verifyAuditLog } from '../../main/terminal';
import { httpLogin } from '../../bench/http-login';
import { rawRefresh } from '../support/local-cognito';
import { auditClean, callback, codeOf, codeParam, composed, configFor, viaCore } from '../support/terminal';

describe('terminal-session faults, part 2 (local-cognito, MemorySecretStore)', () => {
  let lc: LocalCognito;
  beforeAll(async () => {
    lc = await startLocalCognito({ admin: true });
  });
  afterAll(async () => {
    await lc.stop();
  });

  it('terminal clock 10 min AHEAD: within what the core compensates (openid-client gets the offset as clockSkew): sign-in works, credentials valid on the terminal clock', async () => {
    const clock = new ManualClock(Date.now() + 10 * 60_000);
    const t = viaCore(lc, { clock });
    try {
      await t.session.start();
      const cb = await callback(t, 'nurse');
      const view = await t.session.handleCallback(cb);
      expect(view.state).toBe('signed-in');
      const creds = await t.session.getCredentials();
      expect(creds.expiration).toBeGreaterThan(clock.now());
      expect(t.store.entries.size).toBe(1);
      await t.session.signOut();
      expect(t.store.entries.size).toBe(0);
      expect((await codeOf(t.session.getCredentials())).code).toBe('signed_out');
      auditClean(t, [codeParam(cb), creds.secretAccessKey, creds.sessionToken]);
    } finally {
      t.dispose();
    }
  });

  it('terminal clock 10 min BEHIND: the ID token looks issued in the future -> clock_skew, no session, nothing stored, nothing served', async () => {
    const clock = new ManualClock(Date.now() - 10 * 60_000);
    const t = viaCore(lc, { clock });
    try {
      await t.session.start();
      const cb = await callback(t, 'surgeon');
      const outcome = await t.session.handleCallback(cb).then(
        (v) => ({ state: v.state, error: v.lastError?.code ?? null }),
        (e: unknown) => ({ state: t.session.view().state, error: isScrubInError(e) ? e.code : 'untyped' }),
      );
      expect(outcome.error).toBe('clock_skew');
      expect(t.session.view().state).not.toBe('signed-in');
      expect(t.core?.auth.currentSession()).toBeNull();
      expect(t.store.entries.size).toBe(0);
      expect((await codeOf(t.session.getCredentials())).code).toBe('signed_out');
      const text = auditClean(t, [codeParam(cb)]);
      expect(text).toContain('clock_skew');
    } finally {
      t.dispose();
    }
  });

  it('signing keys rotated mid-session: the refresh brings a token with a new kid, exactly one extra JWKS fetch; new credentials work', async () => {
    const t = viaCore(lc);
    try {
      await t.session.start();
      await t.session.handleCallback(await callback(t, 'charge'));
      const before = await t.session.getCredentials();
      const { idTokenKid } = lc.admin.rotateSigningKeys();
      lc.admin.resetCounts();
      const fresh = await t.session.idTokens.refresh();
      expect(JSON.parse(Buffer.from(fresh.idToken.split('.')[0] ?? '', 'base64url').toString('utf8'))).toMatchObject({ kid: idTokenKid });
      expect(lc.admin.counts()).toMatchObject({ jwks: 1, token: 1 });
      // The new keys are persisted next to the discovery cache (written in the background).
      await expect.poll(() => readFileSync(path.join(t.dataDir, 'cache', 'jwks.json'), 'utf8')).toContain(idTokenKid);
      // New credentials with the new token: the next person on this terminal (new sign-in, same keys: no JWKS).
      await t.session.signOut();
      expect(t.store.entries.size).toBe(0);
      await t.session.handleCallback(await callback(t, 'nurse'));
      const after = await t.session.getCredentials();
      expect(after.accessKeyId).not.toBe(before.accessKeyId);
      expect(after.expiration).toBeGreaterThan(Date.now());
      expect(lc.admin.counts().jwks).toBe(1);
      await t.session.signOut();
      auditClean(t, [after.secretAccessKey, before.secretAccessKey]);
    } finally {
      t.dispose();
    }
  });

  it('JWKS endpoint answering 500 on a cold start: the sign-in fails with a typed error and leaves nothing; once the fault clears the next sign-in works', async () => {
    const t = composed(lc);
    try {
      await t.session.start();
      lc.admin.failNext('jwks', { count: 50, status: 500 });
      const cb = await callback(t, 'itadmin');
      lc.admin.resetCounts();
      const outcome = await t.session.handleCallback(cb).then(
        (v) => v.lastError?.code ?? 'no-error',
        (e: unknown) => (isScrubInError(e) ? e.code : 'untyped'),
      );
      // The keys are fetched BEFORE the single-use code is spent: the token endpoint is never called, the error is
      // the retryable discovery_failed, and no code is ever replayed.
      expect(outcome).toBe('discovery_failed');
      expect(lc.admin.counts().token ?? 0).toBe(0);
      expect(t.session.view().state).not.toBe('signed-in');
      expect(t.store.entries.size).toBe(0);
      expect((await codeOf(t.session.getCredentials())).code).toBe('signed_out');
      lc.admin.clearFaults();
      await t.session.handleCallback(await callback(t, 'itadmin'));
      expect(t.session.view().state).toBe('signed-in');
      expect((await t.session.getCredentials()).expiration).toBeGreaterThan(Date.now());
      await t.session.signOut();
      const text = auditClean(t, [codeParam(cb)]);
      expect(text).toContain(outcome);
    } finally {
      lc.admin.clearFaults();
      t.dispose();
    }
  });

  it('revoke failing at sign-out (500): local state wiped anyway, credentials refused, audit says partial with revoked=false', async () => {
    const t = viaCore(lc);
    try {
      await t.session.start();
      await t.session.handleCallback(await callback(t, 'float'));
      const creds = await t.session.getCredentials();
      lc.admin.failNext('revoke', { count: 5, status: 500 });
      const view = await t.session.signOut();
      expect(view.state).toBe('signed-out');
      expect(t.store.entries.size).toBe(0);
      expect(t.core?.auth.currentSession()).toBeNull();
      expect((await codeOf(t.session.getCredentials())).code).toBe('signed_out');
      expect(t.opened.some((u) => u.includes('/logout'))).toBe(true);
      const text = auditClean(t, [creds.secretAccessKey, creds.sessionToken]);
      const signOut = text.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>).filter((r) => r.event === 'sign-out').at(-1);
      expect(signOut).toMatchObject({ outcome: 'partial', revoked: false });
    } finally {
      lc.admin.clearFaults();
      t.dispose();
    }
  });

  it('token endpoint resetting the connection on every attempt: network error after bounded retries, no session; one reset then success recovers', async () => {
    const t = composed(lc);
    try {
      await t.session.start();
      const cb = await callback(t, 'anesthesiologist');
      lc.admin.resetCounts();
      lc.admin.failNext('token', { count: 4, reset: true });
      const outcome = await t.session.handleCallback(cb).then(
        (v) => v.lastError?.code ?? 'no-error',
        (e: unknown) => (isScrubInError(e) ? e.code : 'untyped'),
      );
      expect(outcome).toBe('network');
      expect(lc.admin.counts().token).toBe(4);
      expect(t.session.view().state).not.toBe('signed-in');
      expect(t.store.entries.size).toBe(0);
      lc.admin.clearFaults();
      const cb2 = await callback(t, 'anesthesiologist');
      lc.admin.failNext('token', { count: 1, reset: true });
      await t.session.handleCallback(cb2);
      expect(t.session.view().state).toBe('signed-in');
      expect((await t.session.getCredentials()).expiration).toBeGreaterThan(Date.now());
      await t.session.signOut();
      auditClean(t, [codeParam(cb), codeParam(cb2)]);
    } finally {
      lc.admin.clearFaults();
      t.dispose();
    }
  });

  it('audit log path unusable at start (its parent is a regular FILE: ENOTDIR, root cannot bypass it): createApp refuses to start; once fixed the log starts and verifies', () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'scrubin-res-audit-'));
    const blocker = path.join(dataDir, 'logs');
    writeFileSync(blocker, 'not a directory');
    const auditLogPath = path.join(blocker, 'audit.jsonl');
    const config = configFor(lc, dataDir, auditLogPath);
    const store = new MemorySecretStore();
    let thrown: unknown;
    try {
      createApp({ config, dataDir, store, openBrowser: () => undefined }).dispose();
    } catch (error) {
      thrown = error;
    }
    // A typed configuration error that names the path and tells IT what to check, not a raw Node error.
    expect(isScrubInError(thrown, 'config_invalid')).toBe(true);
    const err = thrown as ScrubInError;
    expect(err.detail).toContain(auditLogPath);
    expect(err.detail).toMatch(/ENOTDIR|EEXIST/);
    expect(err.userMessage).toMatch(/audit log/);
    expect(store.calls).toHaveLength(0);
    rmSync(blocker);
    const core = createApp({ config, dataDir, store, openBrowser: () => undefined });
    core.dispose();
    expect(verifyAuditLog(auditLogPath).ok).toBe(true);
  });

  it('audit log failing mid-session (disk full: the log fd now points at /dev/full, ENOSPC): the session keeps working and reports through onProblem; sign-out still wipes; after a restart the log verifies', async () => {
    const t = viaCore(lc);
    try {
      await t.session.start();
      await t.session.handleCallback(await callback(t, 'nurse'));
      const creds = await t.session.getCredentials();
      // Swap the log's open descriptor for /dev/full (same number): every further write fails with ENOSPC.
      const fdDir = '/proc/self/fd';
      const fd = readdirSync(fdDir).map(Number).find((n) => {
        try {
          return readlinkSync(`${fdDir}/${String(n)}`) === t.auditPath;
        } catch {
          return false;
        }
      });
      expect(fd).toBeDefined();
      closeSync(fd ?? -1);
      const full = openSync('/dev/full', 'w');
      expect(full).toBe(fd);
      t.session.lock();
      expect(t.problems.length).toBeGreaterThan(0);
      expect(t.problems[0]?.code).toBe('internal');
      expect(t.problems.map((p) => `${p.message} ${p.detail ?? ''}`).join(' ')).not.toContain(creds.secretAccessKey);
      expect((await codeOf(t.session.getCredentials())).code).toBe('locked');
      await t.session.signOut();
      expect(t.session.view().state).toBe('signed-out');
      expect(t.store.entries.size).toBe(0);
      t.dispose();
      // Restart: the log (untouched since the fault) verifies and takes new records.
      expect(verifyAuditLog(t.auditPath).ok).toBe(true);
      const again = viaCore(lc, { dataDir: t.dataDir });
      await again.session.start();
      again.dispose();
      expect(verifyAuditLog(t.auditPath).ok).toBe(true);
    } finally {
      t.dispose();
    }
  });
  it('an ID token whose signature does not match (payload swapped): a switch keeps the previous person signed in; a sign-in ends with token_invalid; nothing stored, no credentials for it', async () => {
    let tamper = false;
    const issued: string[] = [];
    // Swaps the ID token's payload under the original signature in code-exchange answers while `tamper` is on.
    const fetchFn: NonNullable<UserPoolAuthOptions['fetch']> = async (url, init) => {
      const res = await fetch(url, init as RequestInit);
      const codeGrant = init.body instanceof URLSearchParams && init.body.get('grant_type') === 'authorization_code';
      if (!tamper || !codeGrant || !res.ok) return res;
      const body = (await res.json()) as Record<string, unknown>;
      issued.push(String(body.refresh_token));
      const [header = '', payload = '', signature = ''] = String(body.id_token).split('.');
      const claims = { ...(JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Record<string, unknown>), 'cognito:groups': ['it-admins'] };
      body.id_token = `${header}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.${signature}`;
      const headers = new Headers(res.headers);
      headers.delete('content-length');
      return new Response(JSON.stringify(body), { status: res.status, headers });
    };
    const t = composed(lc, { fetch: fetchFn });
    try {
      await t.session.start();
      await t.session.handleCallback(await callback(t, 'nurse'));
      const nurseToken = [...t.store.entries.values()][0];
      expect(nurseToken).toBeDefined();

      tamper = true;
      t.session.lock();
      await t.session.switchUser();
      const cb = await httpLogin(t.opened.at(-1) ?? '', { username: 'surgeon' });
      await t.session.handleCallback(cb);
      // The nurse was NOT signed out for a sign-in that failed its signature check: still there, locked.
      expect(t.session.view()).toMatchObject({ state: 'locked', user: { username: 'nurse' }, lastError: { code: 'token_invalid' } });
      expect([...t.store.entries.values()]).toEqual([nurseToken]);
      expect((await codeOf(t.session.getCredentials())).code).toBe('locked');

      await t.session.signOut();
      const surgeonCallback = await callback(t, 'surgeon');
      lc.admin.resetCounts();
      await t.session.handleCallback(surgeonCallback);
      expect(t.session.view()).toMatchObject({ state: 'signed-out', user: null, lastError: { code: 'token_invalid' } });
      // The forged token never reached the identity pool: no GetId, no credentials, no IdentityId kept for the surgeon.
      expect(lc.admin.counts().GetId ?? 0).toBe(0);
      expect(lc.admin.counts().GetCredentialsForIdentity ?? 0).toBe(0);
      const surgeonSub = lc.users.find((u) => u.username === 'surgeon')?.sub ?? '';
      expect(surgeonSub).not.toBe('');
      expect(cachedIdentityId(t.dataDir, surgeonSub)).toBeUndefined();
      expect(readFileSync(path.join(t.dataDir, 'cache', IDENTITY_CACHE_FILE), 'utf8')).not.toContain(surgeonSub);
      expect((await codeOf(t.session.getCredentials())).code).toBe('signed_out');
      expect(t.store.entries.size).toBe(0);
      // The refresh tokens that came with the refused ID tokens were revoked at the pool, not left valid.
      expect(issued).toHaveLength(2);
      for (const token of issued) {
        await expect.poll(async () => (await rawRefresh(lc, token)).status).toBe(400);
      }
      const text = auditClean(t, issued);
      expect(text).toMatch(/"event":"sign-in-failed","outcome":"failed","during":"switch","code":"token_invalid"/);
    } finally {
      t.dispose();
    }
  });

  it('keychain locked AT sign-in: no session, no credentials requested, refresh token revoked; the next sign-in gets its own', async () => {
    const t = viaCore(lc);
    try {
      await t.session.start();
      // Warm: the identity id is cached, so a sign-in needs one GetCredentialsForIdentity.
      await t.session.handleCallback(await callback(t, 'charge'));
      await t.session.signOut();

      const cb = await callback(t, 'charge');
      t.store.state = 'locked';
      lc.admin.resetCounts();
      await t.session.handleCallback(cb);
      expect(t.session.view()).toMatchObject({ state: 'signed-out', user: null, lastError: { code: 'keychain_locked' } });
      // Credentials are asked for only once the sign-in is committed: none for a sign-in that could not be stored.
      expect(lc.admin.counts().token).toBe(1);
      expect(lc.admin.counts().GetCredentialsForIdentity ?? 0).toBe(0);
      expect(lc.admin.counts().revoke ?? 0).toBeGreaterThanOrEqual(1); // the refresh token that could not be stored
      expect((await codeOf(t.session.getCredentials())).code).toBe('signed_out');
      expect(t.store.entries.size).toBe(0);
      auditClean(t, [codeParam(cb)]);

      t.store.state = 'open';
      lc.admin.resetCounts();
      await t.session.handleCallback(await callback(t, 'charge'));
      const creds = await t.session.getCredentials();
      expect(creds.expiration).toBeGreaterThan(Date.now());
      expect(lc.admin.counts()).toMatchObject({ token: 1, GetCredentialsForIdentity: 1 });
    } finally {
      t.dispose();
    }
  });

  it('keychain locked mid-session: sign-out wipes memory, reports keychain_locked, audits partial; the next start (keychain back) revokes and deletes the token', async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'scrubin-res-'));
    const t = viaCore(lc, { dataDir });
    let sub = '';
    let refreshToken = '';
    try {
      await t.session.start();
      const cb = await callback(t, 'anesthesiologist');
      await t.session.handleCallback(cb);
      expect(t.session.view().state).toBe('signed-in');
      sub = t.core!.auth.currentSession()?.sub ?? '';
      refreshToken = t.store.entries.get(sub) ?? '';
      expect(refreshToken).not.toBe('');

      t.store.state = 'locked'; // the OS keyring locks (screen lock policy, keyring timeout)
      await t.session.signOut();
      expect(t.session.view()).toMatchObject({ state: 'signed-out', user: null });
      expect(t.core!.auth.currentSession()).toBeNull();
      expect((await codeOf(t.session.getCredentials())).code).toBe('signed_out');
      const text = auditClean(t, [refreshToken, codeParam(cb)]);
      expect(text).toMatch(/"event":"sign-out","outcome":"partial"/);
      expect(text).toContain('keychain_locked');
      expect(t.store.entries.get(sub)).toBe(refreshToken); // still there: it could not be deleted while locked
    } finally {
      t.dispose();
    }

    t.store.state = 'open'; // the keychain is back; the terminal restarts
    const next = viaCore(lc, { dataDir });
    next.store.entries.set(sub, refreshToken); // same OS keychain across the restart
    try {
      const view = await next.session.start();
      expect(view).toMatchObject({ state: 'signed-out', user: null });
      expect(next.store.entries.size).toBe(0);
      expect((await rawRefresh(lc, refreshToken)).status).toBe(400);
      expect(auditClean(next, [refreshToken])).toMatch(/"reason":"leftover"/);
    } finally {
      next.dispose();
    }
  });
});
