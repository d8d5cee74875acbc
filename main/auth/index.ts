/**
 * Owns sign-in against the Cognito user pool (OIDC + PKCE on openid-client, usable without Electron): discovery,
 * callback checks, code exchange, refresh, revocation, the keychain vault. See docs/sign-in-core.md.
 */
import { OidcUserPoolAuth } from './user-pool-auth';
import type { UserPoolAuth, UserPoolAuthOptions } from './types';

export type { UserPoolAuth, UserPoolAuthOptions, AuthEvent, AuthSession, BeginSignInOptions, SignOutResult, StagedSignIn, StageOptions, Tokens } from './types';
export { KeytarSecretStore, MemorySecretStore, TokenVault, KEYCHAIN_SERVICE, type SecretStore } from './vault';
export { DEFAULTS } from './user-pool-auth';
export { DEFAULT_RETRY } from './map-error';
export { cognitoLogoutUrl } from './logout-url';
export { ScrubInError as AuthError } from '../errors';

export function createUserPoolAuth(options: UserPoolAuthOptions): UserPoolAuth {
  return new OidcUserPoolAuth(options);
}
