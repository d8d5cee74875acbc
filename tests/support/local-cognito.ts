/**
 * Thin test helpers around local-cognito (the logic lives in local-cognito/): start an instance,
 * look demo users up, and drive a full managed login with openid-client + Chromium.
 */
import type { BrowserContext } from 'playwright-core';
import * as client from 'openid-client';
import { startLocalCognito, DEMO_USERS, type LocalCognito, type LocalCognitoOptions } from '../../local-cognito/index';
import { completeManagedLogin, type DemoCredentials } from './browser';

export type { LocalCognito, LocalCognitoOptions };

export function demoUser(username: string): DemoCredentials {
  const user = DEMO_USERS.find((u) => u.username === username);
  if (!user) throw new Error(`no demo user "${username}"`);
  return { username: user.username, password: user.password };
}

export async function withLocalCognito(options: LocalCognitoOptions = {}): Promise<LocalCognito & { demoUser: typeof demoUser }> {
  const lc = await startLocalCognito(options);
  return Object.assign(lc, { demoUser });
}

/** openid-client configuration for the instance (plain http is allowed: loopback only). */
export async function oidcConfig(lc: LocalCognito): Promise<client.Configuration> {
  // eslint-disable-next-line @typescript-eslint/no-deprecated -- plain http is what a loopback test server speaks
  return client.discovery(new URL(lc.issuer), lc.clientId, undefined, client.None(), { execute: [client.allowInsecureRequests] });
}

export interface PendingAuthorization {
  url: URL;
  verifier: string;
  state: string;
  nonce: string;
}

export async function buildAuthorization(config: client.Configuration, lc: Pick<LocalCognito, 'config'>, extra: Record<string, string> = {}): Promise<PendingAuthorization> {
  const verifier = client.randomPKCECodeVerifier();
  const state = client.randomState();
  const nonce = client.randomNonce();
  const url = client.buildAuthorizationUrl(config, {
    redirect_uri: lc.config.redirectUri,
    scope: 'openid email profile',
    code_challenge: await client.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
    state,
    nonce,
    ...extra,
  });
  return { url, verifier, state, nonce };
}

/** Full sign-in in `context`: authorize, managed login (when shown), code exchange. */
export async function signIn(
  lc: LocalCognito,
  config: client.Configuration,
  context: BrowserContext,
  credentials?: DemoCredentials,
  extra: Record<string, string> = {},
): Promise<{ tokens: client.TokenEndpointResponse & client.TokenEndpointResponseHelpers; formShown: boolean; callbackUrl: string }> {
  const pending = await buildAuthorization(config, lc, extra);
  const { callbackUrl, formShown, page } = await completeManagedLogin(context, pending.url.href, lc.config.redirectUri, credentials);
  await page.close();
  const tokens = await client.authorizationCodeGrant(config, new URL(callbackUrl), {
    pkceCodeVerifier: pending.verifier,
    expectedState: pending.state,
    expectedNonce: pending.nonce,
  });
  return { tokens, formShown, callbackUrl };
}

/** Decodes a JWT payload without verifying it (tests verify signatures separately). */
export function jwtPayload(token: string): Record<string, unknown> {
  const part = token.split('.')[1];
  if (!part) throw new Error('not a JWT');
  return JSON.parse(Buffer.from(part, 'base64url').toString('utf8')) as Record<string, unknown>;
}

export function jwtHeader(token: string): Record<string, unknown> {
  const part = token.split('.')[0];
  if (!part) throw new Error('not a JWT');
  return JSON.parse(Buffer.from(part, 'base64url').toString('utf8')) as Record<string, unknown>;
}

/** A raw form POST (for asserting exact wire responses without a client library in between). */
export async function postForm(url: string, form: Record<string, string>): Promise<{ status: number; body: string; json: () => unknown }> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(form) });
  const body = await res.text();
  return { status: res.status, body, json: () => JSON.parse(body) as unknown };
}

/** A raw refresh attempt outside the core (proves what the service accepts): status and OAuth error, if any. */
export async function rawRefresh(lc: Pick<LocalCognito, 'origin' | 'clientId'>, refreshToken: string): Promise<{ status: number; error?: string }> {
  const res = await postForm(`${lc.origin}/oauth2/token`, { grant_type: 'refresh_token', refresh_token: refreshToken, client_id: lc.clientId });
  let error: unknown;
  try {
    error = (res.json() as { error?: unknown }).error;
  } catch {
    error = undefined;
  }
  return { status: res.status, ...(typeof error === 'string' ? { error } : {}) };
}
