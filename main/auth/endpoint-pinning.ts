/**
 * Discovery endpoint pinning: which origins the sign-in core may send requests (or the person) to. Every endpoint of
 * a discovery document, from disk or network, must sit on the issuer's origin or the configured managed-login
 * domain (discovery.ts refuses a document that points anywhere else), and plain http is allowed only for a loopback
 * issuer (local-cognito). Kept apart from the cache so the security decision is small and mutation-tested on its own.
 */
import { isLoopbackHost } from '../config/schema';

/** Plain http is allowed for the issuer only on loopback (local-cognito); everything else is https. */
export function allowsInsecure(issuer: string): boolean {
  const url = new URL(issuer);
  return url.protocol === 'http:' && isLoopbackHost(url.hostname);
}

/** The endpoints Scrub In sends requests or the person to; each must be on a trusted origin. */
export const PINNED_ENDPOINTS = ['authorization_endpoint', 'token_endpoint', 'revocation_endpoint', 'userinfo_endpoint', 'end_session_endpoint', 'jwks_uri'] as const;

/** The origins an endpoint may be on: the issuer's and the managed-login domain's. */
export function trustedOrigins(issuer: string, domain: string): ReadonlySet<string> {
  return new Set([new URL(issuer).origin, new URL(domain).origin]);
}

/**
 * The first endpoint of `metadata` that is not on one of `trustedOrigins` (or is not a URL at all), else null.
 * Origins compare scheme, host and port exactly: `https://x.example` does not trust `https://x.example.evil`.
 */
export function untrustedEndpoint(metadata: Readonly<Record<string, unknown>>, trusted: ReadonlySet<string>): (typeof PINNED_ENDPOINTS)[number] | null {
  for (const name of PINNED_ENDPOINTS) {
    const value = metadata[name];
    if (value === undefined) continue;
    if (typeof value !== 'string' || !URL.canParse(value) || !trusted.has(new URL(value).origin)) return name;
  }
  return null;
}
