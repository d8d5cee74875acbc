/**
 * Every step of a sign-in and a session against every kind of fault, injected through local-cognito's admin
 * controls: discovery, JWKS, token (code exchange), refresh, revoke, GetId and GetCredentialsForIdentity, each
 * answering HTTP 500, not answering in time, throttling (HTTP 429 / TooManyRequestsException) and resetting the
 * connection, on every attempt. Each cell checks the typed error (or the recovery where the step is allowed to
 * fail), that no credentials are served that should not be, that no token, code or key reaches an error, a
 * reported problem or the audit log, that the keychain and the audit log are consistent afterwards, and that the
 * terminal works again once the fault is gone. Terminals are composed with retry waits that return at once and
 * short request timeouts (1 s to the user pool, 250 ms to the identity pool). See docs/resilience.md.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { FaultInput } from '../../local-cognito/admin';
import { startLocalCognito, type LocalCognito } from '../../local-cognito/index';
import { IDENTITY_CACHE_FILE } from '../../main/identity-pool';
import { cachedIdentityId } from '../support/identity-cache';
import { auditClean, callback, codeOf, codeParam, composed, type T } from '../support/terminal';

type Step = 'discovery' | 'jwks' | 'token' | 'refresh' | 'revoke' | 'GetId' | 'GetCredentialsForIdentity';
type FaultKind = 'HTTP 500' | 'timeout' | 'throttling' | 'connection reset';

const USER_POOL_TIMEOUT_S = 1;
const IDENTITY_TIMEOUT_MS = 250;
/** More than every attempt of one operation (retries included): the fault holds until it is cleared. */
const EVERY_ATTEMPT = 50;

const identityStep = (step: Step) => step === 'GetId' || step === 'GetCredentialsForIdentity';

function faultFor(step: Step, kind: FaultKind): FaultInput {
  switch (kind) {
    case 'HTTP 500':
      return { count: EVERY_ATTEMPT, status: 500 };
    case 'timeout':
      // Answered only after the client has given up (and then normally: the server did its work).
      return { count: EVERY_ATTEMPT, delayMs: identityStep(step) ? IDENTITY_TIMEOUT_MS * 3 : USER_POOL_TIMEOUT_S * 1000 + 600 };
    case 'throttling':
      return identityStep(step)
        ? { count: EVERY_ATTEMPT, error: 'TooManyRequestsException', message: 'Rate exceeded' }
        : { count: EVERY_ATTEMPT, status: 429, error: 'too_many_requests' };
    case 'connection reset':
      return { count: EVERY_ATTEMPT, reset: true };
  }
}

/** The endpoint name local-cognito counts and faults for a step (a refresh is a token-endpoint request). */
const endpointOf = (step: Step) => (step === 'refresh' ? 'token' : step);

/** The typed error a step's caller sees for each fault, where the step fails the caller. */
function expectedCode(step: Step, kind: FaultKind): string {
  if (step === 'discovery' || step === 'jwks') return 'discovery_failed';
  return { 'HTTP 500': 'server_error', timeout: 'network', throttling: 'throttled', 'connection reset': 'network' }[kind];
}

/** No token, code, refresh token or AWS key in `text`. */
function noSecrets(text: string, secrets: string[]): void {
  expect(text).not.toMatch(/eyJ[\w-]{10,}\.[\w-]{10,}/);
  expect(text).not.toMatch(/ASIA[A-Z0-9]{8,}/);
  for (const s of secrets) if (s.length > 8) expect(text).not.toContain(s);
}

const STEPS: Step[] = ['discovery', 'jwks', 'token', 'refresh', 'revoke', 'GetId', 'GetCredentialsForIdentity'];
const KINDS: FaultKind[] = ['HTTP 500', 'timeout', 'throttling', 'connection reset'];
const CELLS = STEPS.flatMap((step) => KINDS.map((kind) => ({ step, kind })));

describe('fault matrix: every step x every fault (local-cognito admin faults, composed terminal)', () => {
  let lc: LocalCognito;
  const open: T[] = [];
  beforeAll(async () => {
    lc = await startLocalCognito({ admin: true });
  });
  afterEach(() => {
    lc.admin.clearFaults();
    for (const t of open.splice(0)) t.dispose();
  });
  afterAll(async () => {
    await lc.stop();
  });

  const terminal = (): T => {
    const t = composed(lc, { requestTimeoutSeconds: USER_POOL_TIMEOUT_S, identityTimeoutMs: IDENTITY_TIMEOUT_MS });
    open.push(t);
    return t;
  };
  const inject = (step: Step, kind: FaultKind) => {
    lc.admin.failNext(endpointOf(step), faultFor(step, kind));
  };
  const signedIn = async (t: T, username: string): Promise<string> => {
    const cb = await callback(t, username);
    expect((await t.session.handleCallback(cb)).state).toBe('signed-in');
    return cb;
  };
  /** Signed in as the nurse with credentials in hand; what must never leak is added to `secrets`. */
  const withCredentials = async (t: T, secrets: string[]) => {
    const cb = await signedIn(t, 'nurse');
    secrets.push(codeParam(cb), ...t.store.entries.values());
    const creds = await t.session.getCredentials();
    secrets.push(creds.secretAccessKey, creds.sessionToken);
    return creds;
  };
  /** The terminal is usable again: a sign-out, a fresh sign-in and credentials. */
  const recovers = async (t: T, username: string) => {
    lc.admin.clearFaults();
    if (t.session.view().state !== 'signed-out') await t.session.signOut();
    await signedIn(t, username);
    const creds = await t.session.getCredentials();
    expect(creds.expiration).toBeGreaterThan(Date.now());
    await t.session.signOut();
    expect(t.store.entries.size).toBe(0);
  };

  it.each(CELLS)('$step answering with $kind', async ({ step, kind }) => {
    const t = terminal();
    await t.session.start();
    const code = expectedCode(step, kind);
    const secrets: string[] = [];

    if (step === 'discovery') {
      // A brand-new terminal: nothing cached, so the sign-in cannot even start.
      // Since issue 21 a sign-in service that does not answer discovery is the offline screen (SI-OFFLINE, re-checked
      // with backoff), not an error line: the sign-in returns, still signed out, and no browser opens.
      inject(step, kind);
      const shown = await t.session.signIn();
      noSecrets(JSON.stringify(shown), secrets);
      expect(t.opened).toEqual([]); // no authorize URL went to the browser
      expect(t.session.view()).toMatchObject({ state: 'signed-out', offline: { target: 'sign-in', during: 'sign-in' } });
      expect(t.store.entries.size).toBe(0);
    } else if (step === 'jwks') {
      // The keys are fetched before the single-use code is spent; without them the code is never redeemed.
      inject(step, kind);
      const cb = await callback(t, 'nurse');
      secrets.push(codeParam(cb));
      lc.admin.resetCounts();
      const view = await t.session.handleCallback(cb);
      expect(view).toMatchObject({ state: 'signed-out', lastError: { code } });
      expect(lc.admin.counts().token).toBe(0);
      expect(t.store.entries.size).toBe(0);
      expect((await codeOf(t.session.getCredentials())).code).toBe('signed_out');
    } else if (step === 'token') {
      const cb = await callback(t, 'nurse');
      secrets.push(codeParam(cb));
      inject(step, kind);
      const view = await t.session.handleCallback(cb);
      expect(view).toMatchObject({ state: 'signed-out', lastError: { code } });
      noSecrets(JSON.stringify(view), secrets);
      expect(t.store.entries.size).toBe(0); // nothing in the keychain
      expect((await codeOf(t.session.getCredentials())).code).toBe('signed_out');
    } else if (step === 'refresh') {
      const before = await withCredentials(t, secrets);
      inject(step, kind);
      const failed = await codeOf(t.session.idTokens.refresh());
      expect(failed.code).toBe(code);
      noSecrets(failed.text, secrets);
      // A passing fault ends nobody's session: still signed in, refresh token kept, the held credentials served.
      expect(t.session.view().state).toBe('signed-in');
      expect(t.store.entries.size).toBe(1);
      const held = await t.session.getCredentials();
      expect(held.accessKeyId).toBe(before.accessKeyId);
      expect(held.expiration).toBeGreaterThan(Date.now());
      lc.admin.clearFaults();
      await t.session.idTokens.refresh(); // and the next refresh works
    } else if (step === 'revoke') {
      await withCredentials(t, secrets);
      inject(step, kind);
      const view = await t.session.signOut();
      // Signed out for real on this terminal although the service could not revoke the token.
      expect(view.state).toBe('signed-out');
      expect(t.store.entries.size).toBe(0);
      expect((await codeOf(t.session.getCredentials())).code).toBe('signed_out');
      expect(t.opened.some((u) => u.includes('/logout?'))).toBe(true);
      const signOut = auditClean(t, secrets)
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line) as { event: string; outcome: string; revoked?: boolean })
        .filter((r) => r.event === 'sign-out')
        .at(-1);
      expect(signOut).toMatchObject({ outcome: 'partial', revoked: false });
    } else {
      // GetId / GetCredentialsForIdentity for a user new to this terminal: signed in, AWS access refused, typed.
      inject(step, kind);
      const cb = await signedIn(t, 'nurse');
      secrets.push(codeParam(cb), ...t.store.entries.values());
      const failed = await codeOf(t.session.getCredentials());
      expect(failed.code).toBe(code);
      noSecrets(failed.text, secrets);
      expect(t.session.view().state).toBe('signed-in');
      if (step === 'GetId') {
        // No IdentityId was learnt, so none is cached.
        const sub = t.auth?.currentSession()?.sub ?? 'no-sub';
        expect(cachedIdentityId(t.dataDir, sub)).toBeUndefined();
        expect(readFileSafe(path.join(t.dataDir, 'cache', IDENTITY_CACHE_FILE))).not.toContain(sub);
      }
      lc.admin.clearFaults();
      lc.admin.resetCounts();
      const creds = await t.session.getCredentials();
      expect(creds.expiration).toBeGreaterThan(Date.now());
      // Recovered with the fewest requests: GetId only if it never succeeded.
      expect(lc.admin.counts()).toMatchObject({ GetId: step === 'GetId' ? 1 : 0, GetCredentialsForIdentity: 1 });
    }

    for (const problem of t.problems) noSecrets(`${problem.message} ${problem.detail ?? ''}`, secrets);
    auditClean(t, secrets);
    await recovers(t, 'surgeon');
  });
});

function readFileSafe(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}
