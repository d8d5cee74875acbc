/**
 * The user pool as an OpenID provider: oidc-provider 9, configured to look like Cognito on the wire
 * (paths, claims, refresh behaviour, error statuses, no consent screen); tokens.ts gives the tokens
 * Cognito's shapes. The HTTP front (routes.ts) decides which requests reach it; `/oauth2/userInfo`,
 * `/oauth2/revoke`, `/logout` and discovery are Cognito's own (cognito-endpoints.ts).
 */
import Provider, { errors, interactionPolicy, type Account, type KoaContextWithOIDC, type OIDCContextLike } from 'oidc-provider';
import { randomBytes } from 'node:crypto';
import { releasedAttributes } from './attributes';
import type { KeyRing } from './keys';
import { errorPage, PAGE_CSP } from './pages';
import { groupClaims, type DemoUser } from './seed';
import type { MemoryStore } from './store';
import { shapeTokensLikeCognito } from './tokens';

export const POOL_ID = 'us-east-1_LocalPool';
export const CLIENT_ID = 'scrubinlocalclient00000001';
export const REDIRECT_URI = 'app.scrubin:/callback';
export const LOGOUT_URI = 'app.scrubin:/signed-out';
/** oidc-provider's own end-session route; only its `/confirm` step is reachable (see the front). */
export const END_SESSION_PATH = '/__oidc/session/end';

/** The scopes the discovery document lists, as real pools do. */
export const SCOPES = ['openid', 'email', 'phone', 'profile'] as const;
/**
 * The scopes the app client may request: the OIDC ones and Cognito's reserved `aws.cognito.signin.user.admin`
 * (user-pool API self-service, not emulated here; it lets a client sign in without `openid`). A request without
 * `scope` gets all of them. Anything else is dropped silently, as Cognito does.
 */
export const CLIENT_SCOPES: readonly string[] = [...SCOPES, 'aws.cognito.signin.user.admin'];

/** Simulated federated IdPs accepted by `identity_provider` / `idp_identifier`. */
export const DEMO_IDENTITY_PROVIDERS = [{ name: 'HospitalSSO', identifiers: ['or.example.org'], label: 'Hospital SSO (simulated)' }] as const;

export const PATHS = {
  authorize: '/oauth2/authorize',
  token: '/oauth2/token',
  userinfo: '/oauth2/userInfo',
  revoke: '/oauth2/revoke',
  logout: '/logout',
  login: '/login',
  discovery: `/${POOL_ID}/.well-known/openid-configuration`,
  jwks: `/${POOL_ID}/.well-known/jwks.json`,
} as const;

export interface UserPoolDeps {
  issuer: string;
  keys: KeyRing;
  store: MemoryStore;
  cookieKeys: string[];
  /** Users by sub; disabled users are not found. */
  findUser(sub: string): DemoUser | undefined;
  rotation: false | { graceSeconds: number };
  /** PKCE required at authorize (local-cognito strict mode; Cognito makes it optional). */
  pkceRequired: boolean;
}

export function newCookieKeys(): string[] {
  return [randomBytes(32).toString('base64url')];
}

/** Scope names this pool knows, in request order (unknown ones are dropped silently, as Cognito does). */
function knownScopes(requested: Iterable<string>): string {
  const known = new Set<string>(CLIENT_SCOPES);
  return [...requested].filter((s) => known.has(s)).join(' ');
}

/** Every claim an ID token may carry; which of them it does carry is decided by `releasedAttributes`. */
const ID_TOKEN_CLAIMS = ['sub', 'token_use', 'cognito:username', 'cognito:groups', 'cognito:roles', 'cognito:preferred_role', 'email', 'email_verified', 'name'];

export function idpBanner(params: Record<string, unknown>): string | undefined {
  const name = params.identity_provider;
  const identifier = params.idp_identifier;
  const idp = DEMO_IDENTITY_PROVIDERS.find(
    (p) => p.name === name || (typeof identifier === 'string' && (p.identifiers as readonly string[]).includes(identifier)),
  );
  return idp?.label;
}

export function createUserPoolProvider(deps: UserPoolDeps): Provider {
  const { issuer, store } = deps;
  const findUser = (sub: string): DemoUser | undefined => deps.findUser(sub);

  const account = (sub: string): Account | undefined => {
    const user = findUser(sub);
    if (!user) return undefined;
    return {
      accountId: user.sub,
      claims(use, scope) {
        if (use !== 'id_token') return { sub: user.sub };
        return { sub: user.sub, token_use: 'id', 'cognito:username': user.username, ...groupClaims(user), ...releasedAttributes(user, scope) };
      },
    };
  };

  const validateIdp = (kind: 'identity_provider' | 'idp_identifier') => (_ctx: unknown, value: unknown) => {
    if (value === undefined) return;
    const ok =
      kind === 'identity_provider'
        ? value === 'COGNITO' || DEMO_IDENTITY_PROVIDERS.some((p) => p.name === value)
        : typeof value === 'string' && DEMO_IDENTITY_PROVIDERS.some((p) => (p.identifiers as readonly string[]).includes(value));
    if (!ok) throw new errors.InvalidRequest(`unknown ${kind}`);
  };

  // Cognito shows no consent screen, native app client or not.
  const policy = interactionPolicy.base();
  policy.get('consent')?.checks.remove('native_client_prompt');

  const provider = new Provider(issuer, {
    adapter: (name: string) => store.adapterFor(name),
    clients: [
      {
        client_id: CLIENT_ID,
        client_name: 'Scrub In',
        application_type: 'native',
        token_endpoint_auth_method: 'none',
        redirect_uris: [REDIRECT_URI],
        post_logout_redirect_uris: [LOGOUT_URI],
        grant_types: ['authorization_code', 'refresh_token'],
        response_types: ['code'],
      },
    ],
    jwks: deps.keys.privateJwks(),
    cookies: {
      keys: deps.cookieKeys,
      // Cognito's managed-login session cookie is called `cognito`.
      names: { session: 'cognito', interaction: '_interaction', resume: '_interaction_resume' },
    },
    routes: {
      authorization: PATHS.authorize,
      token: PATHS.token,
      jwks: PATHS.jwks,
      // Not exposed by the front (Cognito has no such endpoints); renamed only to keep them out of the way.
      userinfo: '/__oidc/me',
      revocation: '/__oidc/revoke',
      end_session: END_SESSION_PATH,
      code_verification: '/__oidc/device',
      device_authorization: '/__oidc/device/auth',
      introspection: '/__oidc/introspect',
      registration: '/__oidc/reg',
      pushed_authorization_request: '/__oidc/par',
      backchannel_authentication: '/__oidc/backchannel',
      challenge: '/__oidc/challenge',
    },
    responseTypes: ['code'],
    scopes: [...CLIENT_SCOPES],
    claims: { openid: ID_TOKEN_CLAIMS },
    conformIdTokenClaims: false,
    pkce: { required: () => deps.pkceRequired },
    // Cognito: redirect_uri is required at authorize and again at the token endpoint.
    allowOmittingSingleRegisteredRedirectUri: false,
    features: {
      devInteractions: { enabled: false },
      revocation: { enabled: false },
      userinfo: { enabled: false },
      // Not Cognito's /logout (that one is served by the front): oidc-provider needs its end-session
      // confirm step internally when a different user signs in over a live session (prompt=login).
      rpInitiatedLogout: { enabled: true },
    },
    extraParams: {
      identity_provider: validateIdp('identity_provider'),
      idp_identifier: validateIdp('idp_identifier'),
      // Managed login's language (`lang=ko`); like Cognito, a language it has no pages for falls back to English.
      lang: () => undefined,
    },
    ttl: {
      AccessToken: 3600,
      IdToken: 3600,
      AuthorizationCode: 300,
      RefreshToken: 30 * 24 * 3600,
      Grant: 30 * 24 * 3600,
      Session: 3600,
      Interaction: 3600,
    },
    // Cognito's /logout does not revoke tokens: refresh tokens outlive the browser session.
    expiresWithSession: () => false,
    // Cognito issues a refresh token on every code grant (no offline_access scope, no consent).
    issueRefreshToken: (_ctx: KoaContextWithOIDC, client: { grantTypeAllowed(t: string): boolean }) =>
      client.grantTypeAllowed('refresh_token'),
    rotateRefreshToken: () => deps.rotation !== false,
    // No consent screen: every login gets a grant for the (known) requested scopes.
    loadExistingGrant: async (ctx: KoaContextWithOIDC) => {
      const { oidc } = ctx;
      const clientId = oidc.client?.clientId;
      const accountId = oidc.session?.accountId;
      if (!clientId || !accountId) return undefined;
      // Like Cognito, every authorization starts its own refresh-token family: revoking the token of an
      // earlier sign-in (same browser session) must not revoke this one. Only the grant of THIS authorization
      // (after its login interaction) is reused.
      const existingId = oidc.result?.consent?.grantId;
      const existing = existingId ? await oidc.provider.Grant.find(existingId) : undefined;
      // After prompt=login the session may now belong to someone else: never reuse their grant.
      const grant =
        existing && existing.accountId === accountId && existing.clientId === clientId ? existing : new oidc.provider.Grant({ clientId, accountId });
      const scope = knownScopes(oidc.requestParamScopes);
      if (scope) grant.addOIDCScope(scope);
      await grant.save();
      return grant;
    },
    findAccount: (_ctx: unknown, sub: string) => account(sub),
    interactions: {
      policy,
      url: (_ctx: unknown, interaction: { uid: string }) => `${PATHS.login}?client_id=${CLIENT_ID}&uid=${interaction.uid}`,
    },
    renderError: (ctx: KoaContextWithOIDC, out: Record<string, string>) => {
      ctx.type = 'html';
      ctx.set('Content-Security-Policy', PAGE_CSP);
      ctx.body = errorPage('Something went wrong', `${out.error ?? 'error'}: ${out.error_description ?? ''}`);
    },
  });

  shapeTokensLikeCognito(provider, { issuer, keys: deps.keys, findUser });

  // Cognito's token response has no `scope`; without rotation a refresh returns no refresh token.
  // Cognito's authorization response carries no `iss` parameter (RFC 9207), so it is removed.
  // A failed code exchange spends the code; an unknown client is a 400 like every other token error.
  provider.use(async (ctx, next) => {
    await next();
    if (ctx.path.startsWith(PATHS.authorize) && (ctx.status === 302 || ctx.status === 303)) {
      const location = ctx.response.get('Location');
      if (location.startsWith(`${REDIRECT_URI}?`)) {
        const target = new URL(location);
        target.searchParams.delete('iss');
        ctx.set('Location', target.href);
      }
      return;
    }
    if (ctx.path !== PATHS.token || typeof ctx.body !== 'object' || ctx.body === null) return;
    const body = ctx.body as Record<string, unknown>;
    // No oidc context when the request failed before oidc-provider set one up.
    const params = (ctx.oidc as OIDCContextLike | undefined)?.params ?? {};
    if (ctx.status >= 400) {
      if (params.grant_type === 'authorization_code' && typeof params.code === 'string') store.destroyCode(params.code);
      if (ctx.status === 401 && body.error === 'invalid_client') {
        ctx.status = 400;
        ctx.body = { error: 'invalid_client' };
        ctx.remove('WWW-Authenticate');
      }
      return;
    }
    delete body.scope;
    if (params.grant_type === 'refresh_token' && deps.rotation === false) delete body.refresh_token;
  });

  return provider;
}
