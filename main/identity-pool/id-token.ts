/**
 * The narrow view of the sign-in core that the credentials provider needs. The terminal layer adapts
 * the auth core to it; nothing here depends on the auth core's internals.
 */
import { z } from 'zod';
import { ScrubInError } from '../errors';

export interface IdToken {
  /** The user's `sub`: keys the identity-id cache. */
  sub: string;
  /** The raw ID token (JWT). Only ever sent as the `Logins` value; never logged. */
  idToken: string;
  /** When the ID token expires, in ms since the epoch. */
  expiresAt: number;
}

export interface IdTokenSource {
  /** The current user's ID token, possibly expired; `null` when nobody is signed in. */
  current(): IdToken | null;
  /** Refreshes the ID token (single-flight in the auth core) and returns the new one. */
  refresh(): Promise<IdToken>;
}

const ClaimsSchema = z.looseObject({
  sub: z.string().min(1).optional(),
  exp: z.number().optional(),
  'cognito:roles': z.array(z.string()).optional(),
  'cognito:preferred_role': z.string().optional(),
});

export interface RoleClaims {
  roles: string[];
  preferredRole: string | null;
}

/** The payload of a JWT, decoded without any signature check; null when it is not one. */
function decodeClaims(idToken: string): z.infer<typeof ClaimsSchema> | null {
  const payload = idToken.split('.')[1];
  if (payload === undefined) return null;
  try {
    return ClaimsSchema.parse(JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')));
  } catch {
    return null;
  }
}

/**
 * Reads the role claims of an ID token the auth core has already verified. Only the payload is decoded
 * (no signature check here: the token came from our own sign-in core, and the identity pool verifies it).
 */
export function roleClaims(idToken: string): RoleClaims {
  const claims = decodeClaims(idToken);
  // The parse error may quote the payload: it is not kept as a cause.
  if (!claims) throw new ScrubInError('token_invalid', { detail: 'the ID token payload could not be decoded for its role claims' });
  return { roles: claims['cognito:roles'] ?? [], preferredRole: claims['cognito:preferred_role'] ?? null };
}


/** The role credentials are reported for: the requested CustomRoleArn, else `cognito:preferred_role`, else null. */
export function reportedRole(customRole: string | null, idToken: string): string | null {
  return customRole ?? roleClaims(idToken).preferredRole;
}
