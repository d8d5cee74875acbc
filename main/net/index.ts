/** The one HTTP transport of main (see ./types.ts). */
export type { FetchLike, ProxyChoice, Transport } from './types';
export { createNodeTransport, type NodeTransportOptions } from './node';
export { createSdkRequestHandler, type SdkRequestHandler } from './sdk-handler';
export { electronProxyConfig, proxyChoice, type ElectronProxyConfig } from './proxy';
export { chainTrustedByExtraCa, readExtraCa, type ExtraCa } from './extra-ca';
export { checkReachable, REACHABILITY_TIMEOUT_MS, type Reachability } from './reachability';
export { transportFailure } from './errors';
export { firewallEndpoints, formatEndpoints, identityPoolOrigin, PRINT_ENDPOINTS_FLAG, type FirewallEndpoint } from './endpoints';
