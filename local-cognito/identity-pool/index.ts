/**
 * local-cognito identity pool: an offline stand-in for Amazon Cognito identity pools
 * (cognito-identity), AWS JSON 1.1 over `POST /` with `X-Amz-Target: AWSCognitoIdentityService.<Op>`.
 *
 * Implements the three unsigned operations of the enhanced flow (GetId, GetCredentialsForIdentity,
 * GetOpenIdToken) with real Logins validation, guest identities, linking and merging, role
 * mapping, and credentials remembered for a later SigV4-checking front. See docs/local-cognito.md.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { CredentialIssuer } from './credentials';
import { MESSAGES, notAuthorized, IdentityPoolError, type IdentityErrorType } from './errors';
import { readJsonBody, sendError, sendJson } from './http';
import { createLoginVerifier } from './login-verifier';
import { OpenIdTokenSigner } from './openid-token';
import { authenticatedRole, guestRole } from './roles';
import { GetCredentialsForIdentityInput, GetIdInput, GetOpenIdTokenInput, parseInput } from './schemas';
import { IdentityStore } from './store';
import type { IdentityPoolOptions, IssuedCredentials } from './types';

export type {
  AmbiguousRoleResolution,
  IdentityPoolOptions,
  IdentityPoolProvider,
  IssuedCredentials,
  MappingRule,
  RoleMapping,
} from './types';
export { IdentityPoolError, type IdentityErrorType } from './errors';
export { OPENID_TOKEN_ISSUER } from './openid-token';

export const TARGET_PREFIX = 'AWSCognitoIdentityService.';

export interface IdentityPool {
  /** Serves one request (reads the body itself). Any path; the caller routes by X-Amz-Target. */
  handle(req: IncomingMessage, res: ServerResponse): Promise<void>;
  /** Identities and the provider keys (Logins keys) linked to them, for tests and debugging. */
  identities(): ReadonlyMap<string, { logins: string[]; guest: boolean }>;
  /** What was issued for an access key id (a copy), or undefined if never issued here. */
  describeCredentials(accessKeyId: string): IssuedCredentials | undefined;
  /** Public keys that verify GetOpenIdToken tokens. */
  openIdTokenJwks(): Promise<{ keys: JsonWebKey[] }>;
}

export function createIdentityPool(options: IdentityPoolOptions): IdentityPool {
  const now = options.now ?? Date.now;
  const store = new IdentityStore(options.region);
  const verifier = createLoginVerifier(options.providers, now);
  const issuer = new CredentialIssuer(now);
  const signer = new OpenIdTokenSigner(options.identityPoolId, options.region, now);
  const roleCtx = { authenticatedRoleArn: options.authenticatedRoleArn, unauthenticatedRoleArn: options.unauthenticatedRoleArn };

  const requireIdentity = (identityId: string): void => {
    if (!store.has(identityId)) throw new IdentityPoolError('ResourceNotFoundException', MESSAGES.identityNotFound(identityId));
  };
  const requireGuestAccess = (): void => {
    if (!options.allowUnauthenticated) throw notAuthorized(MESSAGES.unauthenticatedNotSupported);
  };

  const operations: Record<string, (body: unknown) => Promise<unknown>> = {
    async GetId(body) {
      const input = parseInput(GetIdInput, body);
      if (input.IdentityPoolId !== options.identityPoolId) {
        throw new IdentityPoolError('ResourceNotFoundException', MESSAGES.poolNotFound(input.IdentityPoolId));
      }
      const logins = await verifier.verifyAll(input.Logins);
      if (logins.length === 0) {
        requireGuestAccess();
        return { IdentityId: store.createGuest() };
      }
      const plan = store.planForLogins(logins);
      plan.commit();
      return { IdentityId: plan.identityId };
    },

    async GetCredentialsForIdentity(body) {
      const input = parseInput(GetCredentialsForIdentityInput, body);
      requireIdentity(input.IdentityId);
      const logins = await verifier.verifyAll(input.Logins);
      // No awaits from here on: checks, then the change, as one step.
      if (logins.length === 0) {
        requireIdentity(input.IdentityId);
        if (!store.isGuest(input.IdentityId)) throw notAuthorized(MESSAGES.accessForbidden(input.IdentityId));
        requireGuestAccess();
        const role = guestRole(roleCtx, input.CustomRoleArn);
        return credentialsResponse(issuer.issue(input.IdentityId, role, false));
      }
      const plan = store.planWithLogins(input.IdentityId, logins);
      const role = authenticatedRole(roleCtx, logins, input.CustomRoleArn);
      plan.commit();
      return credentialsResponse(issuer.issue(plan.identityId, role, true));
    },

    async GetOpenIdToken(body) {
      const input = parseInput(GetOpenIdTokenInput, body);
      requireIdentity(input.IdentityId);
      const logins = await verifier.verifyAll(input.Logins);
      let identityId = input.IdentityId;
      if (logins.length === 0) {
        requireIdentity(identityId);
        if (!store.isGuest(identityId)) throw notAuthorized(MESSAGES.accessForbidden(identityId));
        requireGuestAccess();
      } else {
        const plan = store.planWithLogins(identityId, logins);
        plan.commit();
        identityId = plan.identityId;
      }
      return { IdentityId: identityId, Token: await signer.sign(identityId, logins) };
    },
  };

  return {
    async handle(req, res) {
      try {
        const target = req.headers['x-amz-target'];
        const op = typeof target === 'string' && target.startsWith(TARGET_PREFIX) ? target.slice(TARGET_PREFIX.length) : undefined;
        const run = op !== undefined && Object.hasOwn(operations, op) ? operations[op] : undefined;
        if (req.method !== 'POST' || !run) {
          req.resume();
          throw new IdentityPoolError('UnknownOperationException', `Operation ${op ?? '(none)'} is not supported by local-cognito.`);
        }
        const body = await readJsonBody(req);
        sendJson(res, await run(body));
      } catch (error) {
        sendError(res, error);
      }
    },
    identities: () => store.snapshot(),
    describeCredentials: (accessKeyId) => issuer.describe(accessKeyId),
    openIdTokenJwks: () => signer.jwks(),
  };
}

/**
 * Writes an error exactly as this endpoint does (for a front's fault injection, e.g.
 * `TooManyRequestsException` / "Rate exceeded"), so the SDK throws the typed exception.
 */
export function sendIdentityPoolError(res: ServerResponse, type: IdentityErrorType, message: string, status = 400): void {
  sendError(res, new IdentityPoolError(type, message, status));
}

function credentialsResponse(c: IssuedCredentials): unknown {
  return {
    IdentityId: c.identityId,
    Credentials: {
      AccessKeyId: c.accessKeyId,
      SecretKey: c.secretAccessKey,
      SessionToken: c.sessionToken,
      // Epoch seconds on the wire (the SDK turns it into a Date).
      Expiration: Math.floor(c.expiresAt / 1000),
    },
  };
}
