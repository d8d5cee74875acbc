/**
 * The identity pool's `Logins` key for a Cognito user pool: `cognito-idp.<region>.amazonaws.com/<poolId>`.
 *
 * Derived from the configured issuer, which may be the classic form
 * `https://cognito-idp.<region>.amazonaws.com/<poolId>`, the newer `https://issuer-cognito-idp.<region>.amazonaws.com/<poolId>`,
 * or local-cognito on loopback (`http://127.0.0.1:PORT/<poolId>`). The region always comes from the pool id
 * (`<region>_<suffix>`), so every form maps to the same key.
 */
import { ScrubInError } from '../errors';

const POOL_ID = /^([a-z]{2}(?:-[a-z]+)+-\d)_[0-9A-Za-z]+$/;
const COGNITO_HOST = /^(?:issuer-)?cognito-idp\.([a-z]{2}(?:-[a-z]+)+-\d)\.amazonaws\.com$/;

export interface UserPoolRef {
  poolId: string;
  region: string;
  loginsKey: string;
}

export function userPoolFromIssuer(issuer: string): UserPoolRef {
  let url: URL;
  try {
    url = new URL(issuer);
  } catch (cause) {
    throw new ScrubInError('config_invalid', { detail: 'userPool.issuer is not a URL', cause });
  }
  const segments = url.pathname.split('/').filter((s) => s !== '');
  const poolId = segments[segments.length - 1] ?? '';
  const match = POOL_ID.exec(poolId);
  if (!match || segments.length !== 1) {
    throw new ScrubInError('config_invalid', {
      detail: `userPool.issuer must end with the user pool id (e.g. ".../us-east-1_AbC123"), got path "${url.pathname}"`,
    });
  }
  const region = match[1] as string;
  const host = COGNITO_HOST.exec(url.hostname);
  if (host && host[1] !== region) {
    throw new ScrubInError('config_invalid', {
      detail: `userPool.issuer host region "${host[1]}" does not match the pool id region "${region}"`,
    });
  }
  return { poolId, region, loginsKey: `cognito-idp.${region}.amazonaws.com/${poolId}` };
}

export function loginsKeyFromIssuer(issuer: string): string {
  return userPoolFromIssuer(issuer).loginsKey;
}
