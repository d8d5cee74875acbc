/**
 * Wire errors of the identity-pool API (AWS JSON 1.1).
 *
 * The real service answers HTTP 400 with `{"__type": "<Name>", "message": "..."}` and an
 * `x-amzn-ErrorType: <Name>:<namespace url>` header. The AWS SDK v3 JSON-RPC parser takes the code
 * from `__type` first (then `code`, then the header), cuts at `:` / `,` and after `#`, and maps it to
 * the typed exception classes of `@aws-sdk/client-cognito-identity` (`NotAuthorizedException`, ...).
 * Names the model does not know (e.g. `ValidationException`) become the service's base exception
 * with that `name`.
 *
 * Messages never contain a token, a code or a credential.
 */

export type IdentityErrorType =
  | 'NotAuthorizedException'
  | 'ResourceNotFoundException'
  | 'InvalidIdentityPoolConfigurationException'
  | 'InvalidParameterException'
  | 'ResourceConflictException'
  | 'TooManyRequestsException'
  | 'ExternalServiceException'
  | 'InternalErrorException'
  | 'LimitExceededException'
  // Coral-level errors (not in the service model):
  | 'ValidationException'
  | 'SerializationException'
  | 'UnknownOperationException';

export class IdentityPoolError extends Error {
  constructor(
    readonly type: IdentityErrorType,
    message: string,
    readonly status = 400,
  ) {
    super(message);
    this.name = type;
  }
}

export const MESSAGES = {
  unauthenticatedNotSupported: 'Unauthenticated access is not supported for this identity pool.',
  unsupportedProvider: 'Token is not from a supported provider of this identity pool.',
  loginsDontMatch: 'Logins don\'t match. Please include at least one valid login for this identity or identity pool.',
  /** An authenticated identity asked for without any Logins (aws-amplify/aws-sdk-android#2964 shows the real text). */
  accessForbidden: (identityId: string) => `Access to Identity '${identityId}' is forbidden.`,
  couldNotVerify: 'Invalid login token. Couldn\'t verify signed token.',
  issuerMismatch: 'Invalid login token. Issuer doesn\'t match providerName',
  notAToken: 'Invalid login token. Not a valid OpenId Connect identity token.',
  badAudience: 'Invalid login token. Incorrect token audience.',
  missingClaim: (claim: string) => `Invalid login token. Missing a required claim: ${claim}`,
  notIdToken: 'Invalid login token. Token is not an ID token.',
  expired: (nowSeconds: number, exp: number) => `Invalid login token. Token expired: ${nowSeconds} >= ${exp}`,
  notYetValid: 'Invalid login token. Token is not yet valid.',
  ambiguousDenied: (provider: string) => `The ambiguous role mapping rules for: ${provider} denied this request.`,
  customRoleNotAllowed: 'Invalid CustomRoleArn. The role is not one of the roles (cognito:roles) in the token.',
  invalidPoolConfig: (kind: 'authenticated' | 'unauthenticated') =>
    `Invalid identity pool configuration. Check assigned IAM roles for this pool. (No ${kind} role is set.)`,
  poolNotFound: (id: string) => `IdentityPool '${id}' not found.`,
  identityNotFound: (id: string) => `Identity '${id}' not found.`,
  loginConflict: 'Logins already linked to another identity from the same provider.',
} as const;

export const notAuthorized = (message: string): IdentityPoolError => new IdentityPoolError('NotAuthorizedException', message);
