/**
 * The user pool as an OpenID provider: oidc-provider 9, configured to look like Cognito on the wire
 * (paths, claims, refresh behaviour, no consent screen). The HTTP front (server.ts) decides which
 * requests reach it.
 */
import Provider, { errors, interactionPolicy, type Account, type IdTokenInstance, type KoaContextWithOIDC, type TokenLike } from 'oidc-provider';
import { randomBytes } from 'node:crypto';
import type { KeyRing } from './keys';
import { escapeHtml, errorPage, PAGE_CSP } from './pages';
import { groupClaims, type DemoUser } from './seed';
import type { MemoryStore } from './store';

export const POOL_ID = 'us-east-1_LocalPool';
export const CLIENT_ID = 'scrubinlocalclient00000001';
export const REDIRECT_URI = 'app.scrubin:/callback';
export const LOGOUT_URI = 'app.scrubin:/signed-out';
/** Audience of access tokens (never the client id, so an access token is refused where an ID token is required). */
export const ACCESS_TOKEN_RESOURCE = 'urn:local-cognito:userpool:access';

/** oidc-provider's own end-session route; only its `/confirm` step is reachable (see the front). */
export const END_SESSION_PATH = '/__oidc/session/end';

export const SCOPES = ['openid', 'email', 'phone', 'profile'] as const;

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
}

export function newCookieKeys(): string[] {
  return [randomBytes(32).toString('base64url')];
}

/** Scope names this pool knows, in request order (unknown ones are dropped silently, as Cognito does). */
function knownScopes(requested: Iterable<string>): string {
  const known = new Set<string>(SCOPES);
  return [...requested].filter((s) => known.has(s)).join(' ');
}

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
      claims(use) {
        const base = { sub: user.sub, email: user.email, name: user.name };
        if (use === 'id_token') {
          return { ...base, token_use: 'id', 'cognito:username': user.username, ...groupClaims(user), email_verified: true };
        }
        return { ...base, email_verified: 'true', username: user.username };
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
        require_auth_time: true,
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
      revocation: PATHS.revoke,
      jwks: PATHS.jwks,
      // Not exposed by the front (Cognito has no such endpoints); renamed only to keep them out of the way.
      userinfo: '/__oidc/me',
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
    scopes: [...SCOPES],
    claims: {
      openid: ['sub', 'token_use', 'cognito:username', 'cognito:groups', 'cognito:roles', 'cognito:preferred_role'],
      email: ['email', 'email_verified'],
      profile: ['name'],
      phone: ['phone_number', 'phone_number_verified'],
    },
    conformIdTokenClaims: false,
    pkce: { required: () => true },
    features: {
      devInteractions: { enabled: false },
      revocation: { enabled: true },
      userinfo: { enabled: false },
      // Not Cognito's /logout (that one is served by the front): oidc-provider needs its end-session
      // confirm step internally when a different user signs in over a live session (prompt=login).
      rpInitiatedLogout: { enabled: true },
      resourceIndicators: {
        enabled: true,
        defaultResource: () => ACCESS_TOKEN_RESOURCE,
        useGrantedResource: () => true,
        getResourceServerInfo: () => ({
          scope: SCOPES.join(' '),
          audience: ACCESS_TOKEN_RESOURCE,
          accessTokenFormat: 'jwt',
          accessTokenTTL: 3600,
          jwt: { sign: { alg: 'RS256', kid: deps.keys.current.access.kid } },
        }),
      },
    },
    extraParams: {
      identity_provider: validateIdp('identity_provider'),
      idp_identifier: validateIdp('idp_identifier'),
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
      grant.addOIDCScope(scope);
      grant.addResourceScope(ACCESS_TOKEN_RESOURCE, scope);
      await grant.save();
      return grant;
    },
    findAccount: (_ctx: unknown, sub: string) => account(sub),
    extraTokenClaims: (ctx: KoaContextWithOIDC, token: TokenLike) => {
      if (token.kind !== 'AccessToken' || !token.accountId) return undefined;
      const user = findUser(token.accountId);
      if (!user) return undefined;
      const source = (ctx.oidc.entities.RefreshToken ?? ctx.oidc.entities.AuthorizationCode) as { authTime?: number; grantId?: string } | undefined;
      return {
        token_use: 'access',
        username: user.username,
        'cognito:groups': groupClaims(user)['cognito:groups'],
        ...(source?.authTime !== undefined ? { auth_time: source.authTime } : {}),
        ...(source?.grantId ? { origin_jti: source.grantId } : {}),
      };
    },
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

  addAtHashToTokenEndpointIdTokens(provider);

  // Cognito's token response has no `scope`; without rotation a refresh returns no refresh token.
  // Cognito's authorization response carries no `iss` parameter (RFC 9207), so it is removed.
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
    if (ctx.path !== PATHS.token || ctx.status !== 200 || typeof ctx.body !== 'object' || ctx.body === null) return;
    const body = ctx.body as Record<string, unknown>;
    delete body.scope;
    if (ctx.oidc.params?.grant_type === 'refresh_token' && deps.rotation === false) delete body.refresh_token;
  });

  return provider;
}

/**
 * Cognito puts `at_hash` in the ID token of token-endpoint responses; oidc-provider only does so for
 * front-channel ID tokens. Remember each access token value as it is saved and hash it into the ID
 * token issued in the same token request.
 */
function addAtHashToTokenEndpointIdTokens(provider: Provider): void {
  const values = new WeakMap<object, string>();
  const accessProto = provider.AccessToken.prototype;
  const save = accessProto.save;
  accessProto.save = async function saveAndRemember(this: object, ...args: unknown[]) {
    const value = await save.apply(this, args);
    values.set(this, value);
    return value;
  };
  const idProto = provider.IdToken.prototype;
  const issue = idProto.issue;
  idProto.issue = async function issueWithAtHash(this: IdTokenInstance, options) {
    const at = this.ctx?.oidc.entities.AccessToken;
    const value = options?.use === 'idtoken' && typeof at === 'object' && at !== null ? values.get(at) : undefined;
    if (value) this.set('at_hash', value);
    return issue.call(this, options);
  };
}

export { escapeHtml };
