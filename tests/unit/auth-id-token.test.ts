/**
 * The ID-token checks openid-client does not make (token_use, iat not in the future beyond the tolerance) and the
 * session built from the claims. Pure functions: no keys, no network.
 */
import { describe, expect, it } from 'vitest';
import { checkIdTokenClaims, sessionFromClaims, type ClaimsCheck, type IdTokenClaims } from '../../main/auth/id-token';

const NOW_MS = 1_790_000_000_000;
const NOW_S = NOW_MS / 1000;
const TOLERANCE_S = 60;

const base = {
  sub: '6f1c2a3b-0000-4000-8000-000000000001',
  iss: 'https://cognito-idp.us-east-1.amazonaws.com/us-east-1_X',
  aud: 'client',
  exp: NOW_S + 3600,
  iat: NOW_S,
  token_use: 'id',
};

function claims(over: Record<string, unknown> = {}): IdTokenClaims {
  const checked = checkIdTokenClaims({ ...base, ...over }, NOW_MS, TOLERANCE_S);
  if (!checked.ok) throw new Error(`claims refused: ${checked.detail}`);
  return checked.claims;
}

/** A refusal: its problem, and that it names the claim at fault (when one is given). */
function expectRefused(check: ClaimsCheck, problem: 'invalid' | 'future-iat', claim?: string): void {
  expect(check.ok).toBe(false);
  if (check.ok) return;
  expect(check.problem).toBe(problem);
  expect(check.detail).toMatch(/\S/);
  if (claim !== undefined) expect(check.detail).toContain(`"${claim}"`);
}

describe('ID token claims', () => {
  it('accepts a Cognito ID token; groups and roles default to empty lists', () => {
    const checked = checkIdTokenClaims({ ...base, aud: ['client', 'other'], extra: 1 }, NOW_MS, TOLERANCE_S);
    expect(checked).toEqual({ ok: true, claims: { ...base, aud: ['client', 'other'], extra: 1, 'cognito:groups': [], 'cognito:roles': [] } });
  });

  it.each([
    ['sub', { sub: undefined }],
    ['sub', { sub: '' }],
    ['iss', { iss: 1 }],
    ['aud', { aud: 1 }],
    ['aud', { aud: [1] }],
    ['exp', { exp: 'soon' }],
    ['iat', { iat: undefined }],
    ['auth_time', { auth_time: 'x' }],
    ['token_use', { token_use: 1 }],
    ['cognito:groups', { 'cognito:groups': 'doctors' }],
    ['cognito:roles.0', { 'cognito:roles': [1] }],
    ['email', { email: 1 }],
    ['cognito:preferred_role', { 'cognito:preferred_role': 1 }],
  ])('a malformed or missing "%s" is invalid and named', (claim, over) => {
    expectRefused(checkIdTokenClaims({ ...base, ...over }, NOW_MS, TOLERANCE_S), 'invalid', claim);
  });

  it('a claims value that is not an object is invalid', () => {
    expectRefused(checkIdTokenClaims('eyJ...', NOW_MS, TOLERANCE_S), 'invalid');
  });

  it('token_use must be "id" (an access token from the same keys is refused; a missing one too)', () => {
    expectRefused(checkIdTokenClaims({ ...base, token_use: 'access' }, NOW_MS, TOLERANCE_S), 'invalid');
    expectRefused(checkIdTokenClaims({ ...base, token_use: undefined }, NOW_MS, TOLERANCE_S), 'invalid');
  });

  it('iat tolerance at its boundary: exactly the tolerance ahead passes, one second more (or the clock one ms behind) is future-iat', () => {
    expect(checkIdTokenClaims({ ...base, iat: NOW_S + TOLERANCE_S }, NOW_MS, TOLERANCE_S).ok).toBe(true);
    expectRefused(checkIdTokenClaims({ ...base, iat: NOW_S + TOLERANCE_S + 1 }, NOW_MS, TOLERANCE_S), 'future-iat');
    expectRefused(checkIdTokenClaims({ ...base, iat: NOW_S + TOLERANCE_S }, NOW_MS - 1, TOLERANCE_S), 'future-iat');
    // No tolerance: iat equal to now passes, one second ahead does not; a past iat always passes.
    expect(checkIdTokenClaims({ ...base, iat: NOW_S }, NOW_MS, 0).ok).toBe(true);
    expectRefused(checkIdTokenClaims({ ...base, iat: NOW_S + 1 }, NOW_MS, 0), 'future-iat');
    expect(checkIdTokenClaims({ ...base, iat: NOW_S - 86_400 }, NOW_MS, 0).ok).toBe(true);
  });
});

describe('session from claims', () => {
  it('takes cognito:username, the name, the groups, roles, email and preferred role, and times in ms', () => {
    const c = claims({
      'cognito:username': 'nurse',
      username: 'ignored',
      name: 'Nora Nurse',
      given_name: 'N',
      family_name: 'N',
      email: 'nurse@example.org',
      'cognito:groups': ['Nurses'],
      'cognito:roles': ['arn:aws:iam::123456789012:role/Nurse'],
      'cognito:preferred_role': 'arn:aws:iam::123456789012:role/Nurse',
      auth_time: NOW_S - 10,
    });
    const session = sessionFromClaims(c, NOW_MS + 5);
    expect(session).toEqual({
      sub: base.sub,
      username: 'nurse',
      displayName: 'Nora Nurse',
      email: 'nurse@example.org',
      groups: ['Nurses'],
      roles: ['arn:aws:iam::123456789012:role/Nurse'],
      preferredRole: 'arn:aws:iam::123456789012:role/Nurse',
      authTime: (NOW_S - 10) * 1000,
      signedInAt: NOW_MS + 5,
      idTokenExpiresAt: (NOW_S + 3600) * 1000,
    });
    // The session's lists are copies: changing them leaves the claims alone.
    session.groups.push('x');
    session.roles.push('y');
    expect(c['cognito:groups']).toEqual(['Nurses']);
    expect(c['cognito:roles']).toEqual(['arn:aws:iam::123456789012:role/Nurse']);
  });

  it('falls back: username, then sub; given + family name, then the user name; auth_time to iat; no email or role keys', () => {
    expect(sessionFromClaims(claims({ username: 'plain', given_name: 'Sam', family_name: 'Surgeon' }), NOW_MS)).toEqual({
      sub: base.sub,
      username: 'plain',
      displayName: 'Sam Surgeon',
      groups: [],
      roles: [],
      authTime: NOW_MS,
      signedInAt: NOW_MS,
      idTokenExpiresAt: (NOW_S + 3600) * 1000,
    });
    const bare = sessionFromClaims(claims(), NOW_MS);
    expect(bare.username).toBe(base.sub);
    expect(bare.displayName).toBe(base.sub);
    expect(Object.keys(bare)).not.toContain('email');
    expect(Object.keys(bare)).not.toContain('preferredRole');
    expect(sessionFromClaims(claims({ family_name: 'Surgeon' }), NOW_MS).displayName).toBe('Surgeon');
    expect(sessionFromClaims(claims({ given_name: 'Sam', 'cognito:username': 'sam' }), NOW_MS).displayName).toBe('Sam');
  });
});
