/**
 * Cognito's logout URL: `<domain>/logout?client_id=...&logout_uri=...`. Not OIDC RP-initiated
 * logout: Cognito ignores `id_token_hint` / `post_logout_redirect_uri` (Cognito developer guide, "The logout endpoint").
 */
import type { Config } from '../config/schema';

export function cognitoLogoutUrl(config: Pick<Config, 'userPool' | 'logoutUri'>): string {
  const url = new URL(`${config.userPool.domain}/logout`);
  url.searchParams.set('client_id', config.userPool.clientId);
  url.searchParams.set('logout_uri', config.logoutUri);
  return url.href;
}
