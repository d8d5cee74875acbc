/**
 * The host names a terminal must reach, derived from the configuration: what IT opens in the firewall or the
 * proxy's allow list (`npm run endpoints -- --config <file>`, or `--print-endpoints` on the installed app).
 * Scrub In's own requests and the system browser's managed-login pages are listed apart, since hospitals often
 * filter the two differently.
 */
import type { Config } from '../config/schema';
import { proxyChoice } from './proxy';

export interface FirewallEndpoint {
  /** `host:port`, e.g. `cognito-idp.us-east-1.amazonaws.com:443`. */
  host: string;
  /** Who connects: Scrub In itself (main process) or the system browser (managed login). */
  from: 'scrub-in' | 'browser' | 'scrub-in+browser';
  purpose: string;
}

const awsSuffix = (region: string): string => (region.startsWith('cn-') ? 'amazonaws.com.cn' : 'amazonaws.com');

/** The identity pool's endpoint origin: the configured override, else the public one of its region. */
export function identityPoolOrigin(pool: Config['identityPool']): string {
  if (!pool) return '';
  return new URL(pool.endpoint ?? `https://cognito-identity.${pool.region}.${awsSuffix(pool.region)}`).origin;
}

function hostPort(url: string): string {
  const u = new URL(url);
  return `${u.hostname}:${u.port || (u.protocol === 'https:' ? '443' : '80')}`;
}

export function firewallEndpoints(config: Config): FirewallEndpoint[] {
  const out: FirewallEndpoint[] = [];
  const add = (url: string, from: FirewallEndpoint['from'], purpose: string): void => {
    const host = hostPort(url);
    const seen = out.find((e) => e.host === host);
    if (!seen) out.push({ host, from, purpose });
    else {
      if (seen.from !== from) seen.from = 'scrub-in+browser';
      if (!seen.purpose.includes(purpose)) seen.purpose = `${seen.purpose}; ${purpose}`;
    }
  };
  add(config.userPool.issuer, 'scrub-in', 'user pool: discovery document and signing keys (JWKS)');
  add(config.userPool.domain, 'scrub-in', 'managed-login domain: token, revocation, reachability check');
  add(config.userPool.domain, 'browser', 'managed login (sign-in and sign-out pages)');
  const pool = config.identityPool;
  if (pool) add(identityPoolOrigin(pool), 'scrub-in', 'identity pool: GetId, GetCredentialsForIdentity');
  const sync = config.sync;
  if (sync) add(sync.endpoint ?? `https://dynamodb.${sync.region}.${awsSuffix(sync.region)}`, 'scrub-in', 'settings sync (DynamoDB)');
  const proxy = proxyChoice(config.network);
  if (proxy.kind === 'fixed') add(proxy.url, 'scrub-in', 'the configured proxy (network.proxy)');
  if (proxy.kind === 'pac') add(proxy.url, 'scrub-in', 'the PAC file (network.proxy)');
  return out;
}

/** The list as printed by `npm run endpoints` and `--print-endpoints`: one `host:port` per line, then who and why. */
export function formatEndpoints(endpoints: readonly FirewallEndpoint[]): string {
  const width = Math.max(...endpoints.map((e) => e.host.length));
  return endpoints.map((e) => `${e.host.padEnd(width)}  ${e.from.padEnd(16)}  ${e.purpose}`).join('\n');
}

/** The installed app's flag: prints the list for the configuration it would use, then quits. */
export const PRINT_ENDPOINTS_FLAG = '--print-endpoints';
