/**
 * Terminals for the resilience suites: the real core (createApp) or the same parts composed by hand when a test
 * needs retry waits that return at once and short request timeouts; plus the checks every fault test makes (typed
 * error, clean audit log). Driven against local-cognito; the browser part of a sign-in is plain HTTP.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect } from 'vitest';
import type { LocalCognito } from '../../local-cognito/index';
import { httpLogin } from '../../bench/http-login';
import { createUserPoolAuth, MemorySecretStore, type UserPoolAuth, type UserPoolAuthOptions } from '../../main/auth';
import { createCredentialsProvider } from '../../main/identity-pool';
import type { ManualClock } from '../../main/clock';
import { ConfigSchema, type Config } from '../../main/config/schema';
import { createApp, type ScrubInApp } from '../../main/app';
import { isScrubInError, type ScrubInError } from '../../main/errors';
import { createTerminalSession, openAuditLog, verifyAuditLog, type TerminalSession } from '../../main/terminal';

export interface T {
  session: TerminalSession;
  store: MemorySecretStore;
  dataDir: string;
  auditPath: string;
  opened: string[];
  problems: ScrubInError[];
  core?: ScrubInApp;
  auth?: UserPoolAuth;
  dispose(): void;
}

/** Resolves with the code and the full text (message, detail, view) of the ScrubInError `p` rejects with. */
export async function codeOf(p: Promise<unknown>): Promise<{ code: string; text: string }> {
  try {
    await p;
  } catch (error) {
    if (!isScrubInError(error)) throw error;
    return { code: error.code, text: `${error.message} ${error.detail ?? ''} ${JSON.stringify(error.toView())}` };
  }
  throw new Error('expected a ScrubInError');
}

export function configFor(lc: LocalCognito, dataDir: string, auditLogPath?: string): Config {
  return ConfigSchema.parse({ ...lc.config, terminal: { mode: 'shared', terminalId: 'RES-01' }, auditLogPath: auditLogPath ?? path.join(dataDir, 'audit.jsonl') });
}

/** A terminal through createApp (real clock unless given). */
export function viaCore(lc: LocalCognito, options: { clock?: ManualClock; dataDir?: string } = {}): T {
  const dataDir = options.dataDir ?? mkdtempSync(path.join(tmpdir(), 'scrubin-res-'));
  const store = new MemorySecretStore();
  const opened: string[] = [];
  const problems: ScrubInError[] = [];
  const config = configFor(lc, dataDir);
  const core = createApp({ config, dataDir, store, openBrowser: (u) => opened.push(u), onProblem: (e) => problems.push(e), ...(options.clock ? { clock: options.clock } : {}) });
  return { session: core.session, store, dataDir, auditPath: core.audit.path, opened, problems, core, auth: core.auth, dispose: () => core.dispose() };
}

export interface ComposedOptions {
  /** The auth core's fetch (to observe or break its requests). */
  fetch?: UserPoolAuthOptions['fetch'];
  /** Cut for each user-pool request (discovery, JWKS, token, revoke), in seconds. */
  requestTimeoutSeconds?: number;
  /** Cut for each identity-pool request, in ms. */
  identityTimeoutMs?: number;
}

/** The same parts as createApp, with retry waits that return at once (and optionally short request timeouts). */
export function composed(lc: LocalCognito, options: ComposedOptions = {}): T {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'scrubin-res-'));
  const cacheDir = path.join(dataDir, 'cache');
  const config = configFor(lc, dataDir);
  const store = new MemorySecretStore();
  const opened: string[] = [];
  const problems: ScrubInError[] = [];
  const sleep = () => Promise.resolve();
  const auth = createUserPoolAuth({
    config,
    store,
    cacheDir,
    sleep,
    ...(options.fetch ? { fetch: options.fetch } : {}),
    ...(options.requestTimeoutSeconds ? { requestTimeoutSeconds: options.requestTimeoutSeconds } : {}),
  });
  const auditPath = path.join(dataDir, 'audit.jsonl');
  const audit = openAuditLog({ path: auditPath, terminalId: 'RES-01' });
  const session = createTerminalSession({
    config,
    auth,
    audit,
    terminalId: 'RES-01',
    openBrowser: (u) => opened.push(u),
    onProblem: (e) => problems.push(e),
    credentials: ({ gate, idTokens }) =>
      createCredentialsProvider({ config, idTokens, gate, cacheDir, sleep, ...(options.identityTimeoutMs ? { requestTimeoutMs: options.identityTimeoutMs } : {}) }),
  });
  return {
    session,
    store,
    dataDir,
    auditPath,
    opened,
    problems,
    auth,
    dispose: () => {
      session.dispose();
      audit.close();
    },
  };
}

/** Starts a sign-in and does the browser part over HTTP; returns the callback URL (not yet delivered). */
export async function callback(t: T, username: string): Promise<string> {
  await t.session.signIn();
  return httpLogin(t.opened.at(-1) ?? '', { username });
}

/** The audit log verifies and holds no token, code or credential. */
export function auditClean(t: T, secrets: string[]): string {
  const result = verifyAuditLog(t.auditPath);
  expect(result.ok).toBe(true);
  const text = readFileSync(t.auditPath, 'utf8');
  for (const s of secrets) if (s.length > 8) expect(text).not.toContain(s);
  expect(text).not.toMatch(/eyJ[\w-]{10,}\.[\w-]{10,}/); // no JWT
  return text;
}

/** The single-use code in a callback URL. */
export const codeParam = (url: string) => new URL(url).searchParams.get('code') ?? 'no-code-in-url';
