/**
 * Live fixtures of the benchmarks: a local-cognito on loopback (in this process, or in a child process so its
 * own work does not share the event loop and CPU profile with the code being timed), Scrub In cores (createApp,
 * MemorySecretStore), the HTTP-driven managed login, and the hand-written baseline (openid-client +
 * fromCognitoIdentityPool).
 */
import { buildAuthorization } from '../tests/support/local-cognito';
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as oidc from 'openid-client';
import { fromCognitoIdentityPool } from '@aws-sdk/credential-providers';
import { LOGINS_KEY, startLocalCognito, type LocalCognito } from '../local-cognito/index';
import { ConfigSchema, type Config } from '../main/config/schema';
import { createApp, type ScrubInApp } from '../main/app';
import type { ScrubInError } from '../main/errors';
import { MemorySecretStore, type SecretStore } from '../main/auth';
import { httpLogin } from './http-login';

/** What the fixtures need of a local-cognito, wherever it runs. */
export type CognitoEndpoint = Pick<LocalCognito, 'origin' | 'issuer' | 'clientId' | 'identityPoolId' | 'loginsKey' | 'config'>;

/**
 * local-cognito in a child process (`local-cognito/cli.ts`, first stdout line = its config). Used where the
 * measurement must not include local-cognito's own CPU work or the async_hooks its server stack installs (they
 * tax every promise in the process): the latency comparison and the leak check.
 */
export async function childCognito(args: readonly string[] = []): Promise<CognitoEndpoint & { stop: () => void }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'local-cognito/cli.ts', ...args], { stdio: ['ignore', 'pipe', 'ignore'] });
  const rl = createInterface({ input: child.stdout });
  const first = await new Promise<string>((resolve, reject) => {
    rl.once('line', resolve);
    child.once('exit', (code) => {
      reject(new Error(`local-cognito exited (${String(code)})`));
    });
  });
  rl.on('line', () => undefined);
  const kill = (): void => {
    child.kill();
  };
  process.once('exit', kill); // a bench that exits early (or forgets stop) leaves no local-cognito behind
  const config = ConfigSchema.parse(JSON.parse(first) as unknown);
  if (!config.identityPool) throw new Error('local-cognito printed a config without an identity pool');
  return {
    origin: config.userPool.domain,
    issuer: config.userPool.issuer,
    clientId: config.userPool.clientId,
    identityPoolId: config.identityPool.id,
    loginsKey: LOGINS_KEY,
    config,
    stop: () => {
      process.off('exit', kill);
      child.kill();
    },
  };
}

/** Runs `fn` with a child-process local-cognito (CLI `args`, e.g. `--latency=10`) and stops it afterwards. */
export async function withChildCognito<T>(fn: (lc: CognitoEndpoint) => Promise<T>, args: readonly string[] = []): Promise<T> {
  const lc = await childCognito(args);
  try {
    return await fn(lc);
  } finally {
    lc.stop();
  }
}

export interface Terminal {
  core: ScrubInApp;
  dataDir: string;
  store: SecretStore;
  /** Authorize/logout URLs the core asked to open. */
  opened: string[];
}

export function newTerminal(
  lc: CognitoEndpoint,
  overrides: { mode?: 'shared' | 'personal'; dataDir?: string; store?: SecretStore; onProblem?: (error: ScrubInError) => void } = {},
): Terminal {
  const dataDir = overrides.dataDir ?? mkdtempSync(path.join(tmpdir(), 'scrubin-bench-'));
  const config: Config = ConfigSchema.parse({
    ...lc.config,
    terminal: { mode: overrides.mode ?? 'shared', terminalId: 'BENCH-01', ...(overrides.mode === 'personal' ? { idleLockSeconds: 0 } : {}) },
  });
  const store = overrides.store ?? new MemorySecretStore();
  const opened: string[] = [];
  const core = createApp({ config, dataDir, store, openBrowser: (url) => opened.push(url), ...(overrides.onProblem ? { onProblem: overrides.onProblem } : {}) });
  return { core, dataDir, store, opened };
}

/** Starts a sign-in on the terminal and does the browser part over HTTP; returns the callback URL (not yet delivered). */
export async function stageCallback(t: Terminal, username: string): Promise<string> {
  await t.core.session.signIn();
  const authorize = t.opened.at(-1);
  if (!authorize?.includes('/oauth2/authorize')) throw new Error('no authorize URL was opened');
  return httpLogin(authorize, { username });
}

export interface Baseline {
  /** Discovery (each start), authorize URL, browser part: returns what the timed part needs. */
  prepare(username: string): Promise<{ callbackUrl: URL; verifier: string; state: string; nonce: string; config: oidc.Configuration }>;
  /** The timed part: code exchange + fromCognitoIdentityPool credentials. */
  complete(p: Awaited<ReturnType<Baseline['prepare']>>): Promise<{ accessKeyId: string }>;
}

/**
 * How most apps do it: discovery on each start, authorizationCodeGrant, then fromCognitoIdentityPool.
 * `verifySignature: true` is the FAIR baseline: the same ID-token signature check Scrub In does
 * (`enableNonRepudiationChecks`, RS256), with the JWKS kept in memory between sign-ins as Scrub In keeps it.
 */
export function baseline(lc: CognitoEndpoint, options: { verifySignature?: boolean } = {}): Baseline {
  let jwksCache: oidc.ExportedJWKSCache | undefined;
  return {
    async prepare(username) {
      // eslint-disable-next-line @typescript-eslint/no-deprecated -- plain http: loopback local-cognito only
      const config = await oidc.discovery(new URL(lc.issuer), lc.clientId, { id_token_signed_response_alg: 'RS256' }, oidc.None(), { execute: [oidc.allowInsecureRequests] });
      if (options.verifySignature) {
        oidc.enableNonRepudiationChecks(config);
        if (jwksCache) oidc.setJwksCache(config, jwksCache);
      }
      const { url, verifier, state, nonce } = await buildAuthorization(config, lc, { prompt: 'login' });
      const callbackUrl = new URL(await httpLogin(url.href, { username }));
      return { callbackUrl, verifier, state, nonce, config };
    },
    async complete(p) {
      const tokens = await oidc.authorizationCodeGrant(p.config, p.callbackUrl, {
        pkceCodeVerifier: p.verifier,
        expectedState: p.state,
        expectedNonce: p.nonce,
      });
      if (options.verifySignature) jwksCache = oidc.getJwksCache(p.config) ?? jwksCache;
      const idToken = tokens.id_token;
      if (!idToken) throw new Error('no ID token');
      const provider = fromCognitoIdentityPool({
        identityPoolId: lc.identityPoolId,
        logins: { [lc.loginsKey]: idToken },
        clientConfig: { endpoint: lc.config.identityPool?.endpoint ?? lc.origin, region: 'us-east-1' },
      });
      const creds = await provider();
      return { accessKeyId: creds.accessKeyId };
    },
  };
}

export { startLocalCognito };
