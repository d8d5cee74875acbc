/**
 * The diagnostics log of a full journey holds no secret: sign-in, AWS credentials (after a refused attempt), a
 * synced setting, a failed revocation at sign-out, wired exactly as main/index.ts wires it (diagnosticsHooks).
 * Real app (createApp), real local-cognito with its DynamoDB front; the browser part is plain HTTP.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startLocalCognito, type LocalCognito } from '../../local-cognito';
import { httpLogin } from '../../bench/http-login';
import { createApp } from '../../main/app';
import { MemorySecretStore } from '../../main/auth';
import { ConfigSchema } from '../../main/config';
import { diagnosticsHooks, LOG_FILE, openDiagnosticsLog } from '../../main/diagnostics';

let lc: LocalCognito;
beforeAll(async () => {
  lc = await startLocalCognito({ admin: true });
});
afterAll(async () => {
  await lc.stop();
});

it('a full journey with faults leaves a useful diagnostics log without any token, code, state or AWS key', async () => {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'scrubin-diag-journey-'));
  const config = ConfigSchema.parse({ ...lc.config, terminal: { mode: 'shared', terminalId: 'DIAG-01' } });
  const diagnostics = openDiagnosticsLog({ dir: path.join(dataDir, 'logs') });
  const store = new MemorySecretStore();
  const opened: string[] = [];
  const app = createApp({ config, dataDir, store, openBrowser: (url) => opened.push(url), ...diagnosticsHooks(diagnostics) });
  await app.session.start();
  await app.session.signIn();
  const authorizeUrl = new URL(opened.at(-1) ?? '');
  const callbackUrl = await httpLogin(authorizeUrl.toString(), { username: 'charge' });
  lc.admin.failNext('GetCredentialsForIdentity', { status: 400, error: 'NotAuthorizedException', message: 'Invalid login token.' });
  const view = await app.session.handleCallback(callbackUrl);
  expect(view.state).toBe('signed-in');
  const creds = await app.session.getCredentials();
  await app.session.setSetting('preferences', 'textSize', 'large');
  const sub = app.auth.currentSession()?.sub ?? '';
  const refreshToken = (await store.get(sub)) ?? '';
  const tokens = await app.auth.getTokens();
  lc.admin.failNext('revoke', { count: 10, status: 500, error: 'server_error' });
  await app.session.signOut();
  app.dispose();

  const text = readFileSync(path.join(diagnostics.dir, LOG_FILE), 'utf8');
  // Useful: the failures are there, by code.
  expect(text).toMatch(/\[error\] problem code=server_error detail=sign-out: the refresh token could not be revoked/);
  // (The sync engine's close comes after sign-out returns: its final flush runs in the background, bounded.)
  expect(text).toMatch(/\]\s+sync opened cache=empty\n/);
  // Secret-free: nothing a person or a process could sign in or call AWS with.
  const callback = new URL(callbackUrl);
  const secrets = {
    refreshToken,
    idToken: tokens.idToken,
    accessToken: tokens.accessToken,
    code: callback.searchParams.get('code') ?? '',
    state: authorizeUrl.searchParams.get('state') ?? '',
    codeChallenge: authorizeUrl.searchParams.get('code_challenge') ?? '',
    accessKeyId: creds.accessKeyId,
    secretAccessKey: creds.secretAccessKey,
    sessionToken: creds.sessionToken,
    identityId: creds.identityId,
  };
  for (const [name, secret] of Object.entries(secrets)) {
    expect(secret.length, name).toBeGreaterThan(8);
    expect(text.includes(secret), `${name} in the diagnostics log`).toBe(false);
  }
  expect(text).not.toMatch(/eyJ[\w-]{10,}/);
  expect(text).not.toMatch(/\b(AKIA|ASIA)[A-Z0-9]{12,}/);
});
