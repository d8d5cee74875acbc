/**
 * `shell.openExternal` is only ever called for the two kinds of URL the core produces: the managed-login
 * authorize URL and the Cognito logout URL of the configured domain. Everything else is refused.
 */
import type { Config } from '../config/schema';

export function allowedExternalUrl(config: Pick<Config, 'userPool'>, candidate: string): boolean {
  let url: URL;
  let domain: URL;
  try {
    url = new URL(candidate);
    domain = new URL(config.userPool.domain);
  } catch {
    return false;
  }
  if (url.origin !== domain.origin || url.username || url.password || url.hash) return false;
  const base = domain.pathname.replace(/\/+$/, '');
  return url.pathname === `${base}/oauth2/authorize` || url.pathname === `${base}/logout`;
}
