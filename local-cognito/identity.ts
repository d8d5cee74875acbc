/**
 * Wiring of the identity-pool endpoint (local-cognito/identity-pool/) into the front: the user pool
 * is its only Logins provider, verified against the user pool's current public keys (in-process).
 */
import { createIdentityPool, type IdentityPool } from './identity-pool/index';
import type { KeyRing } from './keys';
import { AUTHENTICATED_ROLE_ARN, GUEST_ROLE_ARN } from './seed';

export type { IdentityPool };

export interface IdentityWiring {
  identityPoolId: string;
  region: string;
  allowGuest: boolean;
  loginsKey: string;
  issuer: string;
  clientId: string;
  keys: KeyRing;
  now: () => number;
}

export function wireIdentityPool(w: IdentityWiring): IdentityPool {
  return createIdentityPool({
    identityPoolId: w.identityPoolId,
    region: w.region,
    allowUnauthenticated: w.allowGuest,
    authenticatedRoleArn: AUTHENTICATED_ROLE_ARN,
    unauthenticatedRoleArn: GUEST_ROLE_ARN,
    providers: [
      {
        loginsKey: w.loginsKey,
        issuer: w.issuer,
        clientIds: [w.clientId],
        jwks: () => Promise.resolve(w.keys.publicJwks()),
        // Cognito's "Choose role from token": CustomRoleArn if in cognito:roles, else cognito:preferred_role.
        roleMapping: { type: 'Token', ambiguousRoleResolution: 'AuthenticatedRole' },
      },
    ],
    now: w.now,
  });
}
