/**
 * local-cognito's admin controls (counts, fault injection, user and key management), the identity
 * pool wired into the same front, and the CLI.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { Browser } from 'playwright-core';
import * as client from 'openid-client';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import {
  CognitoIdentityClient,
  GetCredentialsForIdentityCommand,
  GetIdCommand,
  NotAuthorizedException,
  TooManyRequestsException,
} from '@aws-sdk/client-cognito-identity';
import { ConfigSchema } from '../../main/config/schema';
import { launchChromium } from '../support/browser';
import { demoUser, jwtHeader, oidcConfig, postForm, signIn, withLocalCognito, type LocalCognito } from '../support/local-cognito';

let lc: LocalCognito;
let browser: Browser;
let config: client.Configuration;
let identity: CognitoIdentityClient;

beforeAll(async () => {
  lc = await withLocalCognito({ admin: true });
  browser = await launchChromium();
  config = await oidcConfig(lc);
  identity = new CognitoIdentityClient({ region: 'us-east-1', endpoint: lc.origin, maxAttempts: 1 });
});

afterAll(async () => {
  identity.destroy();
  await browser.close();
  await lc.stop();
});

const refreshRaw = (refreshToken: string) =>
  postForm(`${lc.origin}/oauth2/token`, { grant_type: 'refresh_token', refresh_token: refreshToken, client_id: lc.clientId });

describe('counts', () => {
  it('counts requests per endpoint name, including identity operations, and resets', async () => {
    lc.admin.resetCounts();
    const context = await browser.newContext();
    const { tokens } = await signIn(lc, config, context, demoUser('nurse'));
    await context.close();
    await client.refreshTokenGrant(config, tokens.refresh_token!);
    await fetch(`${lc.issuer}/.well-known/openid-configuration`);
    const { IdentityId } = await identity.send(new GetIdCommand({ IdentityPoolId: lc.identityPoolId, Logins: { [lc.loginsKey]: tokens.id_token! } }));
    await identity.send(new GetCredentialsForIdentityCommand({ IdentityId, Logins: { [lc.loginsKey]: tokens.id_token! } }));
    expect(lc.admin.counts()).toMatchObject({
      discovery: 1,
      authorize: 1,
      login: 2, // the form, then its post
      token: 2,
      GetId: 1,
      GetCredentialsForIdentity: 1,
      GetOpenIdToken: 0,
      logout: 0,
    });
    const overHttp = (await (await fetch(`${lc.origin}/__admin/counts`)).json()) as Record<string, number>;
    expect(overHttp).toEqual(lc.admin.counts());
    await fetch(`${lc.origin}/__admin/reset-counts`, { method: 'POST' });
    expect(Object.values(lc.admin.counts()).every((n) => n === 0)).toBe(true);
  });
});

describe('fault injection', () => {
  it('fails the next token requests with OAuth-shaped errors, then recovers', async () => {
    const context = await browser.newContext();
    const { tokens } = await signIn(lc, config, context, demoUser('surgeon'));
    await context.close();
    lc.admin.failNext('token', { error: 'invalid_grant', message: 'Refresh Token has been revoked' });
    lc.admin.failNext('token', { status: 503 });
    const first = await refreshRaw(tokens.refresh_token!);
    expect(first.status).toBe(400);
    expect(first.json()).toEqual({ error: 'invalid_grant', error_description: 'Refresh Token has been revoked' });
    const second = await refreshRaw(tokens.refresh_token!);
    expect(second.status).toBe(503);
    expect(second.json()).toEqual({ error: 'server_error' });
    expect((await refreshRaw(tokens.refresh_token!)).status).toBe(200);
  });

  it('shapes identity-operation faults as AWS JSON 1.1 so the SDK raises typed exceptions', async () => {
    lc.admin.failNext('GetId', { error: 'TooManyRequestsException', message: 'Rate exceeded', count: 2 });
    for (let i = 0; i < 2; i++) {
      const error = await identity.send(new GetIdCommand({ IdentityPoolId: lc.identityPoolId })).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(TooManyRequestsException);
      expect((error as Error).message).toBe('Rate exceeded');
    }
    const guest = await identity.send(new GetIdCommand({ IdentityPoolId: lc.identityPoolId }));
    expect(guest.IdentityId).toMatch(/^us-east-1:[0-9a-f-]{36}$/);
  });

  it('can destroy the socket (network failure) and be set over HTTP', async () => {
    const res = await fetch(`${lc.origin}/__admin/fail-next`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ endpoint: 'discovery', reset: true }),
    });
    expect(res.status).toBe(200);
    await expect(fetch(`${lc.issuer}/.well-known/openid-configuration`)).rejects.toThrow();
    expect((await fetch(`${lc.issuer}/.well-known/openid-configuration`)).status).toBe(200);

    const bad = await fetch(`${lc.origin}/__admin/fail-next`, { method: 'POST', body: JSON.stringify({ endpoint: 'nope' }) });
    expect(bad.status).toBe(400);
  });

  it('turns an authorize fault with an error into an error redirect to the app', async () => {
    lc.admin.failNext('authorize', { error: 'server_error' });
    const url = new URL(`${lc.origin}/oauth2/authorize`);
    url.search = new URLSearchParams({ client_id: lc.clientId, redirect_uri: 'app.scrubin:/callback', response_type: 'code', state: 'st-1' }).toString();
    const res = await fetch(url, { redirect: 'manual' });
    expect(res.status).toBe(302);
    const location = new URL(res.headers.get('location')!);
    expect(location.searchParams.get('error')).toBe('server_error');
    expect(location.searchParams.get('state')).toBe('st-1');
  });
});

describe('user and key management', () => {
  it('revokeUserSessions ends refresh tokens and the managed-login session of that user', async () => {
    const context = await browser.newContext();
    const { tokens } = await signIn(lc, config, context, demoUser('anesthesiologist'));
    expect(lc.admin.revokeUserSessions('anesthesiologist')).toBeGreaterThanOrEqual(1);
    expect((await refreshRaw(tokens.refresh_token!)).json()).toMatchObject({ error: 'invalid_grant' });
    const again = await signIn(lc, config, context, demoUser('anesthesiologist'));
    expect(again.formShown).toBe(true);
    await context.close();
  });

  it('disableUser refuses refresh and sign-in; enableUser restores them', async () => {
    const context = await browser.newContext();
    const { tokens } = await signIn(lc, config, context, demoUser('itadmin'));
    await context.close();
    lc.admin.disableUser('itadmin');
    try {
      const refused = await refreshRaw(tokens.refresh_token!);
      expect(refused.status).toBe(400);
      expect(refused.json()).toMatchObject({ error: 'invalid_grant' });
      const page = await (await browser.newContext()).newPage();
      const pending = (await import('../support/local-cognito')).buildAuthorization(config, lc);
      await page.goto((await pending).url.href);
      await page.fill('input[name="username"]', 'itadmin');
      await page.fill('input[name="password"]', demoUser('itadmin').password);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await expect.poll(() => page.getByRole('alert').textContent()).toContain('User is disabled.');
      await page.context().close();
    } finally {
      lc.admin.enableUser('itadmin');
    }
    expect((await refreshRaw(tokens.refresh_token!)).status).toBe(200);
  });

  it('rotateSigningKeys signs new tokens with a new kid, keeps the old key published, and the identity pool follows', async () => {
    const context = await browser.newContext();
    const before = await signIn(lc, config, context, demoUser('charge'));
    const kids = lc.admin.rotateSigningKeys();
    const after = await client.refreshTokenGrant(config, before.tokens.refresh_token!);
    await context.close();
    expect(jwtHeader(after.id_token!).kid).toBe(kids.idTokenKid);
    expect(jwtHeader(after.access_token).kid).toBe(kids.accessTokenKid);
    expect(jwtHeader(before.tokens.id_token!).kid).not.toBe(kids.idTokenKid);
    const jwks = createRemoteJWKSet(new URL(`${lc.issuer}/.well-known/jwks.json`));
    await jwtVerify(before.tokens.id_token!, jwks, { issuer: lc.issuer, audience: lc.clientId });
    await jwtVerify(after.id_token!, jwks, { issuer: lc.issuer, audience: lc.clientId });
    const { IdentityId } = await identity.send(new GetIdCommand({ IdentityPoolId: lc.identityPoolId, Logins: { [lc.loginsKey]: after.id_token! } }));
    expect(IdentityId).toBeTruthy();
  });

  it('the identity pool refuses an access token in Logins (it is not an ID token)', async () => {
    const context = await browser.newContext();
    const { tokens } = await signIn(lc, config, context, demoUser('nurse'));
    await context.close();
    const error = await identity.send(new GetIdCommand({ IdentityPoolId: lc.identityPoolId, Logins: { [lc.loginsKey]: tokens.access_token } })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NotAuthorizedException);
  });
});

describe('admin disabled', () => {
  it('answers 404 under /__admin/ and the in-process admin throws', async () => {
    const plain = await withLocalCognito();
    try {
      for (const path of ['/__admin/counts', '/__admin/fail-next']) {
        const res = await fetch(`${plain.origin}${path}`, { method: path.endsWith('counts') ? 'GET' : 'POST', body: path.endsWith('counts') ? undefined : '{}' });
        expect(res.status).toBe(404);
      }
      expect(() => plain.admin.counts()).toThrow(/admin controls are disabled/);
      expect(() => plain.admin.failNext('token')).toThrow(/admin controls are disabled/);
    } finally {
      await plain.stop();
    }
  });
});

describe('CLI', () => {
  it('parses --latency (emulated round trip before every answer) and refuses out-of-range values, like the option', async () => {
    const { parseArgs } = await import('../../local-cognito/cli');
    expect(parseArgs(['--latency=10'])).toMatchObject({ latencyMs: 10 });
    expect(parseArgs(['--latency', '0'])).toMatchObject({ latencyMs: 0 });
    for (const bad of ['--latency=-1', '--latency=5001', '--latency=ten', '--latency=1.5']) {
      expect(() => parseArgs([bad])).toThrow(/--latency=<ms> expects 0 to 5000/);
    }
    const { startLocalCognito } = await import('../../local-cognito/index');
    await expect(startLocalCognito({ latencyMs: 9999 })).rejects.toThrow(/latencyMs must be an integer from 0 to 5000/);
  });

  it('prints a valid Scrub In config as its first stdout line, then stops on SIGTERM', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'local-cognito/cli.ts', '--admin', '--rotation=5', '--no-guest'], {
      cwd: process.cwd(),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    try {
      const lines = createInterface({ input: child.stdout });
      const [first] = (await once(lines, 'line')) as [string];
      const parsed = ConfigSchema.parse(JSON.parse(first));
      expect(parsed.userPool.issuer).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/us-east-1_LocalPool$/);
      expect(parsed.identityPool?.allowGuest).toBe(false);
      const discovery = await fetch(`${parsed.userPool.issuer}/.well-known/openid-configuration`);
      expect(discovery.status).toBe(200);
      const counts = await fetch(`${parsed.userPool.domain}/__admin/counts`);
      expect(counts.status).toBe(200);
      lines.close();
    } finally {
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      const [code] = (await exited) as [number | null];
      expect(code).toBe(0);
    }
  });

  it('the documented `npm run --silent local-cognito | head -1 > scrubin.local.json` saves the config (and only it)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'local-cognito-cli-'));
    const file = join(dir, 'scrubin.local.json');
    // Its own process group, so that the whole pipeline (sh, npm, tsx, head) is stopped by its id afterwards.
    const pipeline = spawn('sh', ['-c', `npm run --silent local-cognito | head -1 > '${file}'`], { cwd: process.cwd(), detached: true, stdio: 'ignore' });
    try {
      await expect.poll(async () => (await readFile(file, 'utf8').catch(() => '')).endsWith('\n'), { timeout: 60_000 }).toBe(true);
      const text = await readFile(file, 'utf8');
      expect(text.trimEnd().split('\n')).toHaveLength(1);
      const parsed = ConfigSchema.parse(JSON.parse(text));
      expect((await fetch(`${parsed.userPool.issuer}/.well-known/openid-configuration`)).status).toBe(200);
    } finally {
      const exited = once(pipeline, 'exit');
      if (pipeline.pid !== undefined) process.kill(-pipeline.pid, 'SIGTERM');
      await exited;
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('parses --strict (all) and --strict=<list>', async () => {
    const { parseArgs } = await import('../../local-cognito/cli');
    expect(parseArgs(['--strict']).strict).toBe(true);
    expect(parseArgs(['--strict=pkce,openid']).strict).toEqual({ pkce: true, openid: true });
    expect(() => parseArgs(['--strict=nonce'])).toThrow(/--strict=<list> expects some of pkce,scope,openid/);
  });
});
