/**
 * Identities of the pool and the logins linked to them.
 *
 * A login is (provider Logins key, `sub`). An identity without logins is a guest. Linking and
 * merging follow the service:
 * - GetId with logins returns the identity that owns them, or a new one;
 * - an identity plus logins (GetCredentialsForIdentity / GetOpenIdToken): a guest gets the logins
 *   linked, or, when a login already belongs to another identity, the guest is merged into that
 *   one (it survives, the guest id is gone); an authenticated identity must be named by at least
 *   one of the logins ("Logins don't match").
 * Every operation checks first and mutates after, all synchronously, so concurrent requests never
 * see a half-merged state.
 */
import { randomUUID } from 'node:crypto';
import { IdentityPoolError, MESSAGES, notAuthorized } from './errors';
import type { VerifiedLogin } from './types';

interface IdentityRecord {
  /** provider Logins key -> sub */
  logins: Map<string, string>;
}

/** A checked change: `identityId` is the id to answer with; `commit` applies it (synchronously, no checks left). */
export interface Plan {
  identityId: string;
  commit(): void;
}

const loginId = (providerKey: string, sub: string): string => `${providerKey}\u0000${sub}`;

export class IdentityStore {
  private readonly byId = new Map<string, IdentityRecord>();
  private readonly byLogin = new Map<string, string>();

  constructor(private readonly region: string) {}

  has(id: string): boolean {
    return this.byId.has(id);
  }

  isGuest(id: string): boolean {
    return (this.byId.get(id)?.logins.size ?? 0) === 0;
  }

  createGuest(): string {
    const id = `${this.region}:${randomUUID()}`;
    this.byId.set(id, { logins: new Map() });
    return id;
  }

  /** GetId with logins: the owner of the logins (merging owners if several), else a new identity. */
  planForLogins(logins: readonly VerifiedLogin[]): Plan {
    const owners = this.ownersOf(logins);
    const survivor = owners[0];
    if (survivor === undefined) {
      const id = `${this.region}:${randomUUID()}`;
      const combined = this.combine(new Map(), [], logins);
      return {
        identityId: id,
        commit: () => {
          this.byId.set(id, { logins: new Map() });
          this.apply(id, [], combined);
        },
      };
    }
    return this.planMerge(survivor, owners.slice(1), logins);
  }

  /**
   * An identity presented with logins (already verified, non-empty): checks, and returns the
   * identity id to use from now on (the same one, or the surviving one after a merge) with the
   * change to commit once the rest of the call has succeeded.
   */
  planWithLogins(identityId: string, logins: readonly VerifiedLogin[]): Plan {
    const record = this.byId.get(identityId);
    if (!record) throw new IdentityPoolError('ResourceNotFoundException', MESSAGES.identityNotFound(identityId));
    const owners = this.ownersOf(logins);
    if (record.logins.size > 0) {
      // Authenticated: one of the logins must be this identity's own.
      if (!owners.includes(identityId)) throw notAuthorized(MESSAGES.loginsDontMatch);
      return this.planMerge(identityId, owners.filter((o) => o !== identityId), logins);
    }
    // Guest: link, or merge into the identity that already owns a login.
    const survivor = owners[0] ?? identityId;
    const merged = [...owners.filter((o) => o !== survivor), ...(survivor === identityId ? [] : [identityId])];
    return this.planMerge(survivor, merged, logins);
  }

  snapshot(): ReadonlyMap<string, { logins: string[]; guest: boolean }> {
    const out = new Map<string, { logins: string[]; guest: boolean }>();
    for (const [id, record] of this.byId) {
      out.set(id, { logins: [...record.logins.keys()], guest: record.logins.size === 0 });
    }
    return out;
  }

  private ownersOf(logins: readonly VerifiedLogin[]): string[] {
    const owners: string[] = [];
    for (const login of logins) {
      const owner = this.byLogin.get(loginId(login.provider.loginsKey, login.sub));
      if (owner !== undefined && !owners.includes(owner)) owners.push(owner);
    }
    return owners;
  }

  private combine(base: ReadonlyMap<string, string>, others: readonly string[], logins: readonly VerifiedLogin[]): Map<string, string> {
    const combined = new Map(base);
    const add = (providerKey: string, sub: string): void => {
      const existing = combined.get(providerKey);
      if (existing !== undefined && existing !== sub) {
        throw new IdentityPoolError('ResourceConflictException', MESSAGES.loginConflict);
      }
      combined.set(providerKey, sub);
    };
    for (const other of others) {
      for (const [providerKey, sub] of this.byId.get(other)?.logins ?? []) add(providerKey, sub);
    }
    for (const login of logins) add(login.provider.loginsKey, login.sub);
    return combined;
  }

  /** Checks now; the returned commit moves the logins of `others` and `logins` onto `survivor` and deletes `others`. */
  private planMerge(survivor: string, others: readonly string[], logins: readonly VerifiedLogin[]): Plan {
    const target = this.byId.get(survivor);
    if (!target) throw new IdentityPoolError('ResourceNotFoundException', MESSAGES.identityNotFound(survivor));
    const combined = this.combine(target.logins, others, logins);
    return { identityId: survivor, commit: () => this.apply(survivor, others, combined) };
  }

  private apply(survivor: string, others: readonly string[], combined: Map<string, string>): void {
    const target = this.byId.get(survivor);
    if (!target) return;
    for (const other of others) this.byId.delete(other);
    target.logins = combined;
    for (const [providerKey, sub] of combined) this.byLogin.set(loginId(providerKey, sub), survivor);
  }
}
