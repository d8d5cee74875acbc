/**
 * Refresh-token rotation with Cognito's retry grace period, driven by local-cognito's injected clock
 * (no sleeping): the old token works within the grace period and is refused after it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import * as client from 'openid-client';
import { launchChromium } from '../support/browser';
import { demoUser, oidcConfig, postForm, signIn, withLocalCognito, type LocalCognito } from '../support/local-cognito';

let browser: Browser;
const started: LocalCognito[] = [];

beforeAll(async () => {
  browser = await launchChromium();
});

afterAll(async () => {
  await browser.close();
  await Promise.all(started.map((lc) => lc.stop()));
});

async function refreshRaw(lc: LocalCognito, refreshToken: string) {
  return postForm(`${lc.origin}/oauth2/token`, { grant_type: 'refresh_token', refresh_token: refreshToken, client_id: lc.clientId });
}

describe('refresh-token rotation', () => {
  it('issues a new refresh token on each refresh; the old one is accepted within the grace period and refused after it', async () => {
    let clock = Date.UTC(2026, 0, 1, 7, 0, 0);
    const lc = await withLocalCognito({ rotation: { graceSeconds: 10 }, now: () => clock });
    started.push(lc);
    const config = await oidcConfig(lc);
    const context = await browser.newContext();
    const { tokens } = await signIn(lc, config, context, demoUser('nurse'));
    await context.close();
    const rt1 = tokens.refresh_token!;

    const first = await client.refreshTokenGrant(config, rt1);
    const rt2 = first.refresh_token!;
    expect(rt2).toBeTruthy();
    expect(rt2).not.toBe(rt1);
    expect(first.claims()!.auth_time).toBe(tokens.claims()!.auth_time);

    clock += 9_000; // within the 10 s grace period
    const retry = await refreshRaw(lc, rt1);
    expect(retry.status).toBe(200);
    expect(retry.json()).toMatchObject({ token_type: 'Bearer', expires_in: 3600 });
    expect((retry.json() as { refresh_token?: string }).refresh_token).toBeTruthy();

    clock += 2_000; // 11 s after the first rotation: past the grace period
    const late = await refreshRaw(lc, rt1);
    expect(late.status).toBe(400);
    expect(late.json()).toMatchObject({ error: 'invalid_grant' });

    // The newest token of the family is unaffected by the refused retry.
    const next = await client.refreshTokenGrant(config, rt2);
    expect(next.refresh_token).toBeTruthy();
    expect(next.claims()!['cognito:username']).toBe('nurse');
  });

  it('with a grace period of 0 the old token is refused at once; admin.setClockOffset moves the clock too', async () => {
    const lc = await withLocalCognito({ rotation: { graceSeconds: 0 }, admin: true });
    started.push(lc);
    const config = await oidcConfig(lc);
    const context = await browser.newContext();
    const { tokens } = await signIn(lc, config, context, demoUser('surgeon'));
    await context.close();
    const rotated = await client.refreshTokenGrant(config, tokens.refresh_token!);
    expect(rotated.refresh_token).toBeTruthy();
    const old = await refreshRaw(lc, tokens.refresh_token!);
    expect(old.status).toBe(400);
    expect(old.json()).toMatchObject({ error: 'invalid_grant' });

    const before = lc.admin.now();
    lc.admin.setClockOffset(120);
    expect(lc.admin.now() - before).toBeGreaterThanOrEqual(120_000);
    expect((await client.refreshTokenGrant(config, rotated.refresh_token!)).refresh_token).toBeTruthy();
  });

  it('refuses a grace period outside Cognito\'s 0..60 seconds', async () => {
    await expect(withLocalCognito({ rotation: { graceSeconds: 61 } })).rejects.toThrow(/0 to 60/);
  });
});
