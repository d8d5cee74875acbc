/**
 * The sign-in core: one object that owns the pending flow, the in-memory tokens and the session, on top of
 * openid-client (discovery, PKCE, code exchange, ID-token validation, refresh, revocation). It wires the parts:
 *
 * - operations.ts    openid-client configured per operation; what the token endpoint's answers mean
 * - sign-in.ts       authorize URL, callback checks, code exchange, staged sign-ins
 * - held-session.ts  the session in memory, its refresh token in the keychain, the last-account pointer
 * - refresh.ts       tokens refreshed ahead of expiry (single flight), rotation, restore
 * - sign-out.ts      revoke, keychain delete, pointer; each step even if an earlier one fails
 *
 * Plain Node: no Electron here. Every failure is a ScrubInError; no token, code or verifier ever goes into an
 * error, an event or a log line.
 */
import type * as oidc from 'openid-client';
import { systemClock } from '../clock';
import { createNodeTransport } from '../net';
import { allowsInsecure, DiscoveryCache } from './discovery';
import { HeldSession } from './held-session';
import { JwksStore } from './jwks-store';
import { LastAccountPointer } from './last-account';
import { Operations } from './operations';
import { PendingFlows } from './pending-flow';
import { Refresher } from './refresh';
import { callSafely, clockSleep, resolveRetry } from '../lib';
import { DEFAULT_RETRY } from './map-error';
import { SignInFlow } from './sign-in';
import { endLeftovers, signOut } from './sign-out';
import type { UserPoolAuth, UserPoolAuthOptions, AuthEvent, AuthSession, BeginSignInOptions, LeftoverResult, SignOutResult, StagedSignIn, StageOptions, Tokens } from './types';
import { TokenVault } from './vault';

export const DEFAULTS = {
  pendingFlowTimeoutMs: 10 * 60_000,
  refreshMarginMs: 5 * 60_000,
  discoveryTtlMs: 24 * 3_600_000,
  clockToleranceSeconds: 120,
} as const;

/** Per-request time limit for token, JWKS and revocation requests (discovery uses the same). */
const REQUEST_TIMEOUT_SECONDS = 15;

export class OidcUserPoolAuth implements UserPoolAuth {
  private readonly discovery: DiscoveryCache;
  private readonly held: HeldSession;
  private readonly signIn: SignInFlow;
  private readonly refresher: Refresher;
  private readonly signOutParts: Parameters<typeof signOut>[0];

  constructor(options: UserPoolAuthOptions) {
    const { config, cacheDir } = options;
    const clock = options.clock ?? systemClock;
    const random = options.random ?? Math.random;
    const sleep = options.sleep ?? clockSleep(clock);
    const retry = resolveRetry(options.retry, DEFAULT_RETRY);
    const ttlMs = options.discoveryTtlMs ?? DEFAULTS.discoveryTtlMs;
    const timeoutSeconds = options.requestTimeoutSeconds ?? REQUEST_TIMEOUT_SECONDS;
    // A failing audit listener must not break sign-in; the listener owns its own error reporting.
    const emit = (event: AuthEvent): void => callSafely(options.onEvent, event);
    const { issuer, clientId } = config.userPool;
    const transportFetch = (options.transport ?? createNodeTransport(config.network)).fetch;
    const fetchFn: oidc.CustomFetch = options.fetch ?? ((url, init) => transportFetch(url, init as RequestInit));
    this.discovery = new DiscoveryCache({ issuer, domain: config.userPool.domain, clientId, cacheDir, clock, ttlMs, fetch: fetchFn, retry, random, sleep, timeoutSeconds, onEvent: emit });
    const jwks = new JwksStore(
      cacheDir,
      clock,
      ttlMs,
      (url) =>
        fetchFn(url, { method: 'GET', headers: { accept: 'application/json' }, body: undefined, redirect: 'manual', signal: AbortSignal.timeout(timeoutSeconds * 1000) }),
      () => {
        emit({ type: 'discovery-refresh-failed', reason: 'signing keys (JWKS) cache file could not be written' });
      },
    );
    const operations = new Operations({
      config,
      clock,
      toleranceSeconds: options.clockToleranceSeconds ?? DEFAULTS.clockToleranceSeconds,
      requestTimeoutSeconds: timeoutSeconds,
      insecure: allowsInsecure(issuer),
      fetch: fetchFn,
      discovery: this.discovery,
      jwks,
      retry,
      random,
      sleep,
      emit,
    });
    const flows = new PendingFlows(clock, options.pendingFlowTimeoutMs ?? DEFAULTS.pendingFlowTimeoutMs, (reason) => {
      emit({ type: 'sign-in-ended', reason });
    });
    const lastAccount = new LastAccountPointer(cacheDir, issuer, clientId);
    this.held = new HeldSession({ vault: new TokenVault(options.store), lastAccount, operations, clock, emit, requirePointer: config.terminal.mode === 'shared' });
    this.signIn = new SignInFlow({ config, clock, operations, discovery: this.discovery, jwks, flows, held: this.held, emit });
    this.refresher = new Refresher({ held: this.held, operations, clock, marginMs: options.refreshMarginMs ?? DEFAULTS.refreshMarginMs, emit });
    this.signOutParts = { config, held: this.held, operations, flows, emit };
  }

  beginSignIn(options?: BeginSignInOptions): Promise<{ authorizeUrl: string; expiresAt: number }> {
    return this.signIn.begin(options);
  }

  completeSignIn(callbackUrl: string): Promise<AuthSession>;
  completeSignIn(callbackUrl: string, options: StageOptions): Promise<StagedSignIn>;
  completeSignIn(callbackUrl: string, options?: StageOptions): Promise<AuthSession | StagedSignIn> {
    return this.signIn.complete(callbackUrl, options?.stage === true);
  }

  cancelSignIn(): boolean {
    return this.signIn.cancel();
  }

  pendingFlow(): { expiresAt: number } | null {
    return this.signIn.pendingFlow();
  }

  currentSession(): AuthSession | null {
    return this.held.current();
  }

  getTokens(): Promise<Tokens> {
    return this.refresher.getTokens();
  }

  refresh(options?: { force?: boolean }): Promise<AuthSession> {
    return this.refresher.refresh(options);
  }

  restore(): Promise<AuthSession | null> {
    return this.refresher.restore();
  }

  async leftoverAccount(): Promise<{ sub: string; username: string } | null> {
    if (this.held.session) return null;
    const pointer = await this.held.lastAccount.read().catch(() => undefined);
    return pointer ? { sub: pointer.sub, username: pointer.username } : null;
  }

  signOut(): Promise<SignOutResult> {
    return signOut(this.signOutParts);
  }

  endLeftovers(): Promise<LeftoverResult> {
    return endLeftovers(this.signOutParts);
  }

  /** Test and shutdown hook: resolves when no background discovery revalidation is running. */
  whenIdle(): Promise<void> {
    return this.discovery.whenIdle();
  }
}
