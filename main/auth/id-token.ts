/**
 * Turns validated ID-token claims (openid-client has checked signature, iss, aud, exp, nonce) into an
 * AuthSession, after the checks openid-client does not do: `token_use === "id"` (Cognito's access
 * token is a JWT from the same keys) and an `iat` not in the future beyond the tolerance.
 */
import { z } from 'zod';
import type { AuthSession } from './types';

const stringList = z.array(z.string()).default([]);

export const IdTokenClaimsSchema = z.looseObject({
  sub: z.string().min(1),
  iss: z.string(),
  aud: z.union([z.string(), z.array(z.string())]),
  exp: z.number(),
  iat: z.number(),
  auth_time: z.number().optional(),
  token_use: z.string().optional(),
  'cognito:username': z.string().optional(),
  username: z.string().optional(),
  name: z.string().optional(),
  given_name: z.string().optional(),
  family_name: z.string().optional(),
  email: z.string().optional(),
  'cognito:groups': stringList,
  'cognito:roles': stringList,
  'cognito:preferred_role': z.string().optional(),
});

export type IdTokenClaims = z.output<typeof IdTokenClaimsSchema>;

export type ClaimsCheck =
  | { ok: true; claims: IdTokenClaims }
  | { ok: false; problem: 'invalid'; detail: string }
  | { ok: false; problem: 'future-iat'; detail: string };

/** Checks the claims; a future `iat` is reported apart (the caller decides between token_invalid and clock_skew). */
export function checkIdTokenClaims(raw: unknown, nowMs: number, toleranceSeconds: number): ClaimsCheck {
  const parsed = IdTokenClaimsSchema.safeParse(raw);
  if (!parsed.success) {
    const field = parsed.error.issues[0]?.path.join('.') ?? 'claims';
    return { ok: false, problem: 'invalid', detail: `ID token claim "${field}" missing or malformed` };
  }
  const claims = parsed.data;
  if (claims.token_use !== 'id') return { ok: false, problem: 'invalid', detail: 'ID token token_use is not "id"' };
  if (claims.iat * 1000 > nowMs + toleranceSeconds * 1000) return { ok: false, problem: 'future-iat', detail: 'ID token issued in the future' };
  return { ok: true, claims };
}

export function sessionFromClaims(claims: IdTokenClaims, signedInAt: number): AuthSession {
  const username = claims['cognito:username'] ?? claims.username ?? claims.sub;
  const fullName = [claims.given_name, claims.family_name].filter(Boolean).join(' ');
  const session: AuthSession = {
    sub: claims.sub,
    username,
    displayName: claims.name ?? (fullName || username),
    groups: [...claims['cognito:groups']],
    roles: [...claims['cognito:roles']],
    authTime: (claims.auth_time ?? claims.iat) * 1000,
    signedInAt,
    idTokenExpiresAt: claims.exp * 1000,
  };
  if (claims.email !== undefined) session.email = claims.email;
  if (claims['cognito:preferred_role'] !== undefined) session.preferredRole = claims['cognito:preferred_role'];
  return session;
}
