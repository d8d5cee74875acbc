/** Public configuration types of the identity-pool stand-in. */

export type AmbiguousRoleResolution = 'AuthenticatedRole' | 'Deny';

export interface MappingRule {
  claim: string;
  matchType: 'Equals' | 'Contains' | 'StartsWith' | 'NotEqual';
  value: string;
  roleArn: string;
}

export type RoleMapping =
  | { type: 'Token'; ambiguousRoleResolution: AmbiguousRoleResolution }
  | { type: 'Rules'; rules: MappingRule[]; ambiguousRoleResolution: AmbiguousRoleResolution };

export interface IdentityPoolProvider {
  /** The Logins map key, e.g. 'cognito-idp.us-east-1.amazonaws.com/us-east-1_LocalPool'. */
  loginsKey: string;
  /** The `iss` the provider's ID tokens carry (locally 'http://127.0.0.1:PORT/us-east-1_LocalPool'). */
  issuer: string;
  /** Allowed `aud` values (the user pool's app client ids). */
  clientIds: string[];
  /** Current public keys of the user pool; called again when a token names an unknown `kid`. */
  jwks: () => Promise<{ keys: JsonWebKey[] }>;
  /** Role mapping for this provider; default `{ type: 'Token', ambiguousRoleResolution: 'AuthenticatedRole' }`. */
  roleMapping?: RoleMapping;
}

export interface IdentityPoolOptions {
  /** '<region>:<guid>' */
  identityPoolId: string;
  region: string;
  allowUnauthenticated: boolean;
  /** Missing -> InvalidIdentityPoolConfigurationException for authenticated identities. */
  authenticatedRoleArn?: string;
  /** Missing -> InvalidIdentityPoolConfigurationException for guests. */
  unauthenticatedRoleArn?: string;
  providers: IdentityPoolProvider[];
  /** Milliseconds since the epoch; token expiry checks (5 min skew) and credential expiry use it. */
  now?: () => number;
}

/** A login whose ID token passed every check. */
export interface VerifiedLogin {
  provider: IdentityPoolProvider;
  sub: string;
  claims: Readonly<Record<string, unknown>>;
}

/** What was issued for one access key id (for a SigV4-checking front, e.g. local DynamoDB). */
export interface IssuedCredentials {
  identityId: string;
  roleArn: string;
  authenticated: boolean;
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken: string;
  /** Milliseconds since the epoch (the pool's clock). */
  expiresAt: number;
}
