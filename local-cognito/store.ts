/**
 * In-memory storage for oidc-provider's models (sessions, grants, codes, tokens, interactions).
 *
 * Besides plain storage it carries two Cognito behaviours oidc-provider does not have:
 * - refresh-token rotation grace: a rotated (consumed) refresh token stays usable for
 *   `graceSeconds` of local-cognito's own clock (`now()`, which tests can move), then it is simply
 *   unknown (invalid_grant) instead of triggering oidc-provider's reuse detection, which would
 *   revoke the whole grant;
 * - lookups by account, for the admin "revoke user sessions" control.
 */
import type { Adapter, AdapterPayload } from 'oidc-provider';

interface Entry {
  payload: AdapterPayload;
  /** Expiry in oidc-provider's (wall-clock) milliseconds, or undefined for none. */
  expiresAt: number | undefined;
  /** local-cognito clock time of the first consumption. */
  consumedAt?: number;
}

export interface StoreOptions {
  now: () => number;
  /** Rotation grace in seconds, or undefined when rotation is off. */
  graceSeconds: () => number | undefined;
}

export class MemoryStore {
  private readonly models = new Map<string, Map<string, Entry>>();

  constructor(private readonly options: StoreOptions) {}

  private table(model: string): Map<string, Entry> {
    let t = this.models.get(model);
    if (!t) {
      t = new Map();
      this.models.set(model, t);
    }
    return t;
  }

  private live(model: string, id: string): Entry | undefined {
    const t = this.table(model);
    const entry = t.get(id);
    if (entry && entry.expiresAt !== undefined && entry.expiresAt <= Date.now()) {
      t.delete(id);
      return undefined;
    }
    return entry;
  }

  adapterFor(model: string): Adapter {
    return {
      upsert: (id, payload, expiresIn) => {
        const t = this.table(model);
        const previous = t.get(id);
        t.set(id, {
          payload: { ...payload },
          expiresAt: expiresIn ? Date.now() + expiresIn * 1000 : undefined,
          ...(previous?.consumedAt !== undefined ? { consumedAt: previous.consumedAt } : {}),
        });
        return Promise.resolve();
      },
      find: (id) => Promise.resolve(this.find(model, id)),
      findByUserCode: (userCode) => Promise.resolve(this.findBy(model, (p) => p.userCode === userCode)),
      findByUid: (uid) => Promise.resolve(this.findBy(model, (p) => p.uid === uid)),
      consume: (id) => {
        const entry = this.live(model, id);
        if (entry) {
          entry.payload.consumed = Math.floor(Date.now() / 1000);
          entry.consumedAt ??= this.options.now();
        }
        return Promise.resolve();
      },
      destroy: (id) => {
        this.table(model).delete(id);
        return Promise.resolve();
      },
      revokeByGrantId: (grantId) => {
        this.revokeGrant(grantId);
        return Promise.resolve();
      },
    };
  }

  private find(model: string, id: string): AdapterPayload | undefined {
    const entry = this.live(model, id);
    if (!entry) return undefined;
    if (model === 'RefreshToken' && entry.consumedAt !== undefined) {
      const grace = this.options.graceSeconds();
      if (grace !== undefined && this.options.now() < entry.consumedAt + grace * 1000) {
        // Within the grace period the old token is accepted again (and rotated again).
        const copy = { ...entry.payload };
        delete copy.consumed;
        return copy;
      }
      return undefined;
    }
    return { ...entry.payload };
  }

  private findBy(model: string, match: (payload: AdapterPayload) => boolean): AdapterPayload | undefined {
    for (const [id, entry] of this.table(model)) {
      if (match(entry.payload) && this.live(model, id)) return { ...entry.payload };
    }
    return undefined;
  }

  /** Removes every record that belongs to the grant (codes, tokens, the grant itself). */
  revokeGrant(grantId: string): void {
    for (const [model, t] of this.models) {
      for (const [id, entry] of t) {
        if (entry.payload.grantId === grantId || (model === 'Grant' && id === grantId)) t.delete(id);
      }
    }
  }

  /** Ends every session and grant of the account (AdminUserGlobalSignOut-like). Returns grants revoked. */
  revokeAccount(accountId: string): number {
    const grants = new Set<string>();
    for (const [model, t] of this.models) {
      for (const [id, entry] of t) {
        if (entry.payload.accountId !== accountId) continue;
        if (model === 'Grant') grants.add(id);
        if (typeof entry.payload.grantId === 'string') grants.add(entry.payload.grantId);
        if (model === 'Session') t.delete(id);
      }
    }
    for (const g of grants) this.revokeGrant(g);
    return grants.size;
  }

  /** Destroys a session by its cookie id (the value of the `cognito` cookie). */
  destroySessionByUid(uid: string): boolean {
    const t = this.table('Session');
    let found = false;
    for (const [id, entry] of t) {
      if (entry.payload.uid === uid || id === uid) {
        t.delete(id);
        found = true;
      }
    }
    return found;
  }

  /** Spends an authorization code (a failed exchange consumes it, as Cognito does). */
  destroyCode(code: string): void {
    this.table('AuthorizationCode').delete(code);
  }

  /** The grant and client of a usable refresh token (rotation grace included), or undefined. */
  refreshTokenOwner(value: string): { grantId: string; clientId: string } | undefined {
    const payload = this.find('RefreshToken', value);
    const { grantId, clientId } = payload ?? {};
    return typeof grantId === 'string' && typeof clientId === 'string' ? { grantId, clientId } : undefined;
  }

  /** Whether the grant still exists (not revoked, not expired): JWT access tokens are not stored, their grant is. */
  hasGrant(grantId: string): boolean {
    return this.live('Grant', grantId) !== undefined;
  }
}
