/**
 * What Cognito's `/oauth2/authorize` decides before sign-in, where oidc-provider would decide otherwise.
 * Runs in the front on requests of the registered client with its registered redirect URI (anything else
 * goes to oidc-provider, which refuses it on an error page as Cognito does):
 *
 * - `response_type=token` on a client allowed only the code grant: `?error=unauthorized_client` redirect;
 * - no `scope`: the scopes of the app client (Cognito: "the authentication server uses all scopes
 *   associated with the client");
 * - no `openid`: allowed (no ID token is issued); `email` / `phone` / `profile` are dropped (they "can only
 *   be requested if openid is also requested"), as is `nonce` (nothing to put it in); when no scope of the
 *   client is left, `?error=invalid_scope` (the documented error for an unusable scope; not confirmed for
 *   this exact case).
 *
 * Where local-cognito used to be stricter than Cognito (PKCE required, `scope` required, `openid` required)
 * the strict behaviour stays available behind `strict` so that a client's own tests can demand more of it
 * than Cognito does. Source: Cognito developer guide, "The redirect and authorization endpoint".
 */
import { CLIENT_ID, CLIENT_SCOPES, REDIRECT_URI } from './user-pool';

export interface StrictOptions {
  /** Authorization requests without PKCE (`code_challenge`, S256) are refused. Cognito: PKCE is optional. */
  pkce?: boolean;
  /** Authorization requests without `scope` are refused. Cognito: they get the client's scopes. */
  scope?: boolean;
  /** Authorization requests without the `openid` scope are refused. Cognito: allowed, no ID token. */
  openid?: boolean;
}

export type Strictness = Required<StrictOptions>;

export function resolveStrictness(input: boolean | StrictOptions | undefined): Strictness {
  if (input === true) return { pkce: true, scope: true, openid: true };
  const given = input === false || input === undefined ? {} : input;
  return { pkce: given.pkce ?? false, scope: given.scope ?? false, openid: given.openid ?? false };
}

const NEEDS_OPENID = new Set(['email', 'phone', 'profile']);

export type AuthorizeDecision =
  /** Hand the request to oidc-provider with this query (possibly rewritten). */
  | { pass: string }
  /** Redirect to the app with this error. */
  | { redirect: string };

function errorRedirect(query: URLSearchParams, error: string, description?: string): { redirect: string } {
  const target = new URL(REDIRECT_URI);
  target.searchParams.set('error', error);
  if (description) target.searchParams.set('error_description', description);
  const state = query.get('state');
  if (state !== null) target.searchParams.set('state', state);
  return { redirect: target.href };
}

export function decideAuthorize(query: URLSearchParams, strict: Strictness): AuthorizeDecision {
  const out = new URLSearchParams(query);
  if (query.get('client_id') !== CLIENT_ID || query.get('redirect_uri') !== REDIRECT_URI) return { pass: out.toString() };
  if (query.get('response_type') === 'token') return errorRedirect(query, 'unauthorized_client');

  const scope = query.get('scope');
  if (scope === null || scope.trim() === '') {
    if (strict.scope) return errorRedirect(query, 'invalid_request', 'scope is required (local-cognito strict mode)');
    out.set('scope', CLIENT_SCOPES.join(' '));
    return { pass: out.toString() };
  }
  const requested = scope.split(' ').filter(Boolean);
  if (!requested.includes('openid')) {
    if (strict.openid) return errorRedirect(query, 'invalid_request', 'openid scope must be requested (local-cognito strict mode)');
    const kept = requested.filter((s) => !NEEDS_OPENID.has(s));
    if (!kept.some((s) => CLIENT_SCOPES.includes(s))) return errorRedirect(query, 'invalid_scope');
    out.set('scope', kept.join(' '));
    out.delete('nonce');
  }
  return { pass: out.toString() };
}
