/**
 * Role choice for one GetCredentialsForIdentity call.
 *
 * Guests get the unauthenticated role. Authenticated identities follow the role mapping of the
 * provider of the first login in the request (default: Token with AuthenticatedRole):
 * - Token: `CustomRoleArn` if it is one of the token's `cognito:roles` (else refused), otherwise
 *   `cognito:preferred_role`, otherwise the ambiguous-role resolution;
 * - Rules: the first rule whose claim matches wins, otherwise the ambiguous-role resolution
 *   (a `CustomRoleArn` must then equal the chosen role);
 * - ambiguous: `AuthenticatedRole` -> the pool's authenticated role, `Deny` -> NotAuthorized.
 * A missing default role is an InvalidIdentityPoolConfigurationException.
 */
import { IdentityPoolError, MESSAGES, notAuthorized } from './errors';
import type { MappingRule, RoleMapping, VerifiedLogin } from './types';

const DEFAULT_MAPPING: RoleMapping = { type: 'Token', ambiguousRoleResolution: 'AuthenticatedRole' };

export interface RoleContext {
  authenticatedRoleArn: string | undefined;
  unauthenticatedRoleArn: string | undefined;
}

export function guestRole(ctx: RoleContext, customRoleArn: string | undefined): string {
  const role = ctx.unauthenticatedRoleArn;
  if (role === undefined) throw new IdentityPoolError('InvalidIdentityPoolConfigurationException', MESSAGES.invalidPoolConfig('unauthenticated'));
  if (customRoleArn !== undefined && customRoleArn !== role) throw notAuthorized(MESSAGES.customRoleNotAllowed);
  return role;
}

export function authenticatedRole(ctx: RoleContext, logins: readonly VerifiedLogin[], customRoleArn: string | undefined): string {
  const login = logins[0];
  if (!login) throw notAuthorized(MESSAGES.loginsDontMatch);
  const mapping = login.provider.roleMapping ?? DEFAULT_MAPPING;

  const ambiguous = (): string => {
    if (mapping.ambiguousRoleResolution === 'Deny') throw notAuthorized(MESSAGES.ambiguousDenied(login.provider.loginsKey));
    const role = ctx.authenticatedRoleArn;
    if (role === undefined) throw new IdentityPoolError('InvalidIdentityPoolConfigurationException', MESSAGES.invalidPoolConfig('authenticated'));
    return role;
  };

  if (mapping.type === 'Token') {
    const roles = stringList(login.claims['cognito:roles']);
    if (customRoleArn !== undefined) {
      if (!roles.includes(customRoleArn)) throw notAuthorized(MESSAGES.customRoleNotAllowed);
      return customRoleArn;
    }
    const preferred = login.claims['cognito:preferred_role'];
    if (typeof preferred === 'string' && preferred !== '') return preferred;
    return ambiguous();
  }

  const rule = mapping.rules.find((r) => ruleMatches(r, login.claims[r.claim]));
  const role = rule ? rule.roleArn : ambiguous();
  if (customRoleArn !== undefined && customRoleArn !== role) throw notAuthorized(MESSAGES.customRoleNotAllowed);
  return role;
}

function stringList(value: unknown): string[] {
  if (Array.isArray(value)) return value.filter((v): v is string => typeof v === 'string');
  return typeof value === 'string' ? [value] : [];
}

const claimText = (v: unknown): string =>
  typeof v === 'string' ? v : typeof v === 'number' || typeof v === 'boolean' ? String(v) : JSON.stringify(v);

/** Scalar claims compare as strings; for array claims (e.g. cognito:groups) any element may match. */
export function ruleMatches(rule: MappingRule, claim: unknown): boolean {
  if (claim === undefined || claim === null) return false;
  const values = Array.isArray(claim) ? claim.map(claimText) : [claimText(claim)];
  switch (rule.matchType) {
    case 'Equals':
      return values.includes(rule.value);
    case 'Contains':
      return Array.isArray(claim) ? values.includes(rule.value) : values.some((v) => v.includes(rule.value));
    case 'StartsWith':
      return values.some((v) => v.startsWith(rule.value));
    case 'NotEqual':
      return !values.includes(rule.value);
  }
}
