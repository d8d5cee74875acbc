import { describe, expect, it } from 'vitest';
import { loginsKeyFromIssuer, userPoolFromIssuer } from '../../main/identity-pool/logins';
import { roleClaims } from '../../main/identity-pool/id-token';
import { isScrubInError } from '../../main/errors';

describe('Logins key from the user pool issuer', () => {
  it('maps the classic cognito-idp issuer', () => {
    expect(loginsKeyFromIssuer('https://cognito-idp.eu-west-2.amazonaws.com/eu-west-2_AbC123xyz')).toBe(
      'cognito-idp.eu-west-2.amazonaws.com/eu-west-2_AbC123xyz',
    );
  });

  it('maps the issuer-cognito-idp form to the same key', () => {
    expect(loginsKeyFromIssuer('https://issuer-cognito-idp.us-east-1.amazonaws.com/us-east-1_X9')).toBe(
      'cognito-idp.us-east-1.amazonaws.com/us-east-1_X9',
    );
  });

  it('maps local-cognito on loopback, taking the region from the pool id', () => {
    expect(userPoolFromIssuer('http://127.0.0.1:43123/us-east-1_LocalPool')).toEqual({
      poolId: 'us-east-1_LocalPool',
      region: 'us-east-1',
      loginsKey: 'cognito-idp.us-east-1.amazonaws.com/us-east-1_LocalPool',
    });
  });

  it('rejects an issuer whose host region differs from the pool id region', () => {
    expect(() => loginsKeyFromIssuer('https://cognito-idp.us-west-2.amazonaws.com/us-east-1_X9')).toThrow(/does not match/);
  });

  it('rejects an issuer that does not end with a pool id', () => {
    for (const bad of ['https://cognito-idp.us-east-1.amazonaws.com/', 'https://example.org/a/us-east-1_X', 'not a url']) {
      let caught: unknown;
      try {
        loginsKeyFromIssuer(bad);
      } catch (error) {
        caught = error;
      }
      expect(isScrubInError(caught, 'config_invalid')).toBe(true);
    }
  });
});

describe('role claims of the ID token', () => {
  const jwt = (payload: object) => `e30.${Buffer.from(JSON.stringify(payload)).toString('base64url')}.sig`;

  it('reads cognito:roles and cognito:preferred_role', () => {
    expect(roleClaims(jwt({ sub: 's', 'cognito:roles': ['a', 'b'], 'cognito:preferred_role': 'b' }))).toEqual({
      roles: ['a', 'b'],
      preferredRole: 'b',
    });
    expect(roleClaims(jwt({ sub: 's' }))).toEqual({ roles: [], preferredRole: null });
  });

  it('rejects a malformed token without quoting it', () => {
    let caught: unknown;
    try {
      roleClaims('secret-garbage');
    } catch (error) {
      caught = error;
    }
    expect(isScrubInError(caught, 'token_invalid')).toBe(true);
    expect((caught as Error).message).not.toContain('secret-garbage');
  });
});
