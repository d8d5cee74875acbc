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
    const store = this;
    return {
      async upsert(id, payload, expiresIn) {
        const t = store.table(model);
        const previous = t.get(id);
        t.set(id, {
          payload: { ...payload },
          expiresAt: expiresIn ? Date.now() + expiresIn * 1000 : undefined,
          ...(previous?.consumedAt !== undefined ? { consumedAt: previous.consumedAt } : {}),
        });
      },
      async find(id) {
        const entry = store.live(model, id);
        if (!entry) return undefined;
        if (model === 'RefreshToken' && entry.consumedAt !== undefined) {
          const grace = store.options.graceSeconds();
          if (grace !== undefined && store.options.now() < entry.consumedAt + grace * 1000) {
            // Within the grace period the old token is accepted again (and rotated again).
            const { consumed: _consumed, ...rest } = entry.payload;
            return { ...rest };
          }
          return undefined;
        }
        return { ...entry.payload };
      },
      async findByUserCode(userCode) {
        for (const [id, entry] of store.table(model)) {
          if (entry.payload.userCode === userCode && store.live(model, id)) return { ...entry.payload };
        }
        return undefined;
      },
      async findByUid(uid) {
        for (const [id, entry] of store.table(model)) {
          if (entry.payload.uid === uid && store.live(model, id)) return { ...entry.payload };
        }
        return undefined;
      },
      async consume(id) {
        const entry = store.live(model, id);
        if (!entry) return;
        entry.payload.consumed = Math.floor(Date.now() / 1000);
        entry.consumedAt ??= store.options.now();
      },
      async destroy(id) {
        store.table(model).delete(id);
      },
      async revokeByGrantId(grantId) {
        store.revokeGrant(grantId);
      },
    };
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

  /** Whether the access token with this jti is still stored (not revoked, not expired). */
  hasAccessToken(jti: string): boolean {
    return this.live('AccessToken', jti) !== undefined;
  }
}
