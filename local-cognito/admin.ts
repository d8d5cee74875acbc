/**
 * Test and admin controls (`admin: true` / `--admin` only): request counts and fault injection per
 * endpoint, user and signing-key management, local-cognito's clock. The same functions in process
 * (`LocalCognito.admin`) and over HTTP under `/__admin/` (JSON bodies).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { z } from 'zod';
import { ENDPOINTS, isEndpointName, type EndpointName } from './endpoints';
import { FaultSchema, type FaultBook, type FaultInput } from './faults';
import { readBody, sendJson } from './http';
import type { KeyRing } from './keys';
import type { DemoUser } from './seed';
import type { MemoryStore } from './store';

/** Re-exported for callers that name faults next to the admin controls (tests/resilience). */
export type { FaultInput };

export interface LocalCognitoAdmin {
  /** Requests per endpoint name since start or the last reset. */
  counts(): Record<string, number>;
  resetCounts(): void;
  /** Makes the next `count` requests to `endpoint` fail (or be delayed, or have their socket destroyed). */
  failNext(endpoint: EndpointName, fault?: FaultInput): void;
  clearFaults(): void;
  /** Revokes every refresh token (grant) of the user and ends their managed-login sessions. Returns the grants revoked. */
  revokeUserSessions(username: string): number;
  disableUser(username: string): void;
  enableUser(username: string): void;
  /** New signing keys for new tokens; previous keys stay in the JWKS. Returns the new kids. */
  rotateSigningKeys(): { idTokenKid: string; accessTokenKid: string };
  /** Shifts local-cognito's clock (rotation grace, identity pool expiry, `auth_time`, the `Date` header) by `seconds`. */
  setClockOffset(seconds: number): void;
  /**
   * Misbehaves like a browser or IdP that ignores `prompt=login`: while on, authorize requests lose their
   * `prompt=login`, so a live managed-login session signs the person in without a password (old `auth_time`).
   */
  ignorePromptLogin(on: boolean): void;
  /** local-cognito's current time in ms (after the offset). */
  now(): number;
}

export interface AdminDeps {
  book: FaultBook<EndpointName>;
  store: MemoryStore;
  keys: KeyRing;
  userByName(username: string): DemoUser | undefined;
  /** Rebuilds the user pool's provider (it reads the signing keys once). */
  rebuildProvider(): void;
  clock: { now(): number; setOffsetMs(ms: number): void };
  /** Misbehaviours the routes read on every request. */
  behaviour: { ignorePromptLogin: boolean };
}

export function createAdmin(deps: AdminDeps): LocalCognitoAdmin {
  const requireUser = (username: string): DemoUser => {
    const u = deps.userByName(username);
    if (!u) throw new Error(`unknown demo user "${username}"`);
    return u;
  };
  return {
    counts: () => deps.book.counts(ENDPOINTS),
    resetCounts: () => deps.book.resetCounts(),
    failNext: (endpoint, fault) => {
      if (!isEndpointName(endpoint)) throw new Error(`unknown endpoint "${String(endpoint)}"`);
      deps.book.failNext(endpoint, fault);
    },
    clearFaults: () => deps.book.clearFaults(),
    revokeUserSessions: (username) => deps.store.revokeAccount(requireUser(username).sub),
    disableUser: (username) => {
      requireUser(username).enabled = false;
    },
    enableUser: (username) => {
      requireUser(username).enabled = true;
    },
    rotateSigningKeys: () => {
      const pair = deps.keys.rotate();
      deps.rebuildProvider();
      return { idTokenKid: pair.id.kid, accessTokenKid: pair.access.kid };
    },
    setClockOffset: (seconds) => {
      if (!Number.isFinite(seconds)) throw new RangeError('seconds must be a finite number');
      deps.clock.setOffsetMs(seconds * 1000);
    },
    now: () => deps.clock.now(),
    ignorePromptLogin: (on) => {
      deps.behaviour.ignorePromptLogin = on;
    },
  };
}

/** The admin object of an instance started without `admin`: every function throws. */
export function disabledAdmin(admin: LocalCognitoAdmin): LocalCognitoAdmin {
  return new Proxy(admin, {
    get(target, prop, receiver) {
      const value: unknown = Reflect.get(target, prop, receiver);
      if (typeof value !== 'function') return value;
      return () => {
        throw new Error('local-cognito admin controls are disabled: start it with { admin: true } (CLI --admin)');
      };
    },
  });
}

const UsernameBody = z.strictObject({ username: z.string().min(1).max(128) });

type Action = (admin: LocalCognitoAdmin, body: unknown) => unknown;

const POST_ACTIONS: Record<string, Action> = {
  'reset-counts': (admin) => {
    admin.resetCounts();
    return {};
  },
  'fail-next': (admin, body) => {
    const { endpoint, ...fault } = FaultSchema.extend({ endpoint: z.string() }).parse(body);
    if (!isEndpointName(endpoint)) throw new Error(`unknown endpoint "${endpoint}"`);
    admin.failNext(endpoint, fault);
    return {};
  },
  'clear-faults': (admin) => {
    admin.clearFaults();
    return {};
  },
  'revoke-user-sessions': (admin, body) => ({ revokedGrants: admin.revokeUserSessions(UsernameBody.parse(body).username) }),
  'disable-user': (admin, body) => {
    admin.disableUser(UsernameBody.parse(body).username);
    return {};
  },
  'enable-user': (admin, body) => {
    admin.enableUser(UsernameBody.parse(body).username);
    return {};
  },
  'rotate-signing-keys': (admin) => admin.rotateSigningKeys(),
  'ignore-prompt-login': (admin, body) => {
    admin.ignorePromptLogin(z.strictObject({ on: z.boolean() }).parse(body).on);
    return {};
  },
  'clock-offset': (admin, body) => {
    admin.setClockOffset(z.strictObject({ seconds: z.number() }).parse(body).seconds);
    return { now: admin.now() };
  },
};

/** `/__admin/*` over HTTP; 404 for everything when the controls are disabled. */
export function createAdminHttp(admin: LocalCognitoAdmin, enabled: boolean): (req: IncomingMessage, res: ServerResponse, path: string) => Promise<void> {
  return async (req, res, path) => {
    const name = path.slice('/__admin/'.length);
    const action = Object.hasOwn(POST_ACTIONS, name) ? POST_ACTIONS[name] : undefined;
    if (enabled && req.method === 'GET' && name === 'counts') {
      sendJson(res, 200, admin.counts());
      return;
    }
    if (!enabled || req.method !== 'POST' || !action) {
      req.resume();
      sendJson(res, 404, { error: 'not_found' });
      return;
    }
    let body: unknown = {};
    try {
      const text = await readBody(req, 16 * 1024);
      body = text ? JSON.parse(text) : {};
    } catch {
      sendJson(res, 400, { error: 'invalid_json' });
      return;
    }
    try {
      sendJson(res, 200, action(admin, body));
    } catch (error) {
      sendJson(res, 400, { error: 'invalid_request', error_description: error instanceof z.ZodError ? z.prettifyError(error) : (error as Error).message });
    }
  };
}
