/**
 * The transport in plain Node (tests, bench, the core used without Electron): undici, whose proxy agents do what
 * Node's own fetch and https do not. `network.proxy`:
 * - "system": HTTPS_PROXY / HTTP_PROXY / NO_PROXY from the environment (plain Node has no OS proxy settings);
 * - "direct": no proxy, whatever the environment says;
 * - a proxy URL: that proxy for every origin except those NO_PROXY lists;
 * - a PAC URL: REFUSED (plain Node has no PAC engine; only the Electron app evaluates PAC files).
 * http targets go to the proxy as absolute-form requests, https targets through CONNECT, as browsers do.
 * `extraCaFile` adds its certificates to Node's built-in roots and NODE_EXTRA_CA_CERTS (the OS trust store is not
 * read in plain Node).

 * `preconnect` does nothing here: warm connections are the Electron stack's (session.preconnect).
 */
import { rootCertificates } from 'node:tls';
import { Agent, EnvHttpProxyAgent, fetch as undiciFetch, type Dispatcher } from 'undici';
import type { NetworkConfig } from '../config/schema';
import { ScrubInError } from '../errors';
import { nodeExtraCaPems, readExtraCa } from './extra-ca';
import { proxyChoice } from './proxy';
import type { FetchLike, Transport } from './types';

export interface NodeTransportOptions {
  /** Environment for "system" (default process.env): HTTPS_PROXY, HTTP_PROXY, NO_PROXY, lower case too. */
  env?: NodeJS.ProcessEnv;
  /** Sees each request as it leaves (method and URL only): tests compare it with the proxy's log. */
  onRequest?: (method: string, url: string) => void;
}

type UndiciInit = NonNullable<Parameters<typeof undiciFetch>[1]>;

export function createNodeTransport(network: NetworkConfig, options: NodeTransportOptions = {}): Transport {
  const env = options.env ?? process.env;
  const choice = proxyChoice(network);
  if (choice.kind === 'pac') {
    throw new ScrubInError('config_invalid', {
      detail: `network.proxy is a PAC file URL (${choice.url}); only the Scrub In app evaluates PAC files. In plain Node set a proxy URL or HTTPS_PROXY / NO_PROXY`,
    });
  }
  // An explicit list replaces Node's roots: keep the built-in ones and NODE_EXTRA_CA_CERTS, and add the file's.
  const ca = network.extraCaFile ? [...rootCertificates, ...nodeExtraCaPems(env), ...readExtraCa(network.extraCaFile).pems] : undefined;
  const tls = ca ? { ca } : {};
  const noProxy = env.NO_PROXY ?? env.no_proxy;
  let dispatcher: Dispatcher;
  if (choice.kind === 'direct') dispatcher = new Agent({ connect: { ...tls } });
  else {
    const proxy = choice.kind === 'fixed' ? choice.url : undefined;
    dispatcher = new EnvHttpProxyAgent({
      connect: { ...tls },
      requestTls: { ...tls },
      proxyTls: { ...tls },
      // http targets as absolute-form requests (what browsers send to a proxy), https through CONNECT.
      proxyTunnel: false,
      ...(proxy ? { httpProxy: proxy, httpsProxy: proxy } : { httpProxy: env.HTTP_PROXY ?? env.http_proxy ?? '', httpsProxy: env.HTTPS_PROXY ?? env.https_proxy ?? '' }),
      noProxy: noProxy ?? '',
    });
  }

  let closing: Promise<void> | undefined;
  const fetchFn: FetchLike = async (url, init) => {
    options.onRequest?.(init.method ?? 'GET', url);
    const response = await undiciFetch(url, { ...(init as UndiciInit), dispatcher });
    // The global Response type (openid-client and the SDK handler check it), carrying undici's body stream.
    const nullBody = [101, 204, 205, 304].includes(response.status);
    return new Response(nullBody ? null : (response.body as ReadableStream<Uint8Array> | null), {
      status: response.status,
      statusText: response.statusText,
      headers: new Headers([...response.headers]),
    });
  };

  return {
    kind: 'node',
    fetch: fetchFn,
    // Warm connections are the Electron stack's (session.preconnect), where a real network makes them pay; in plain
    // Node (tests, bench on loopback) a handshake costs a fraction of a millisecond.
    preconnect() {},
    // Once, whoever asks (a second dispose must not throw on a closed dispatcher).
    close() {
      closing ??= dispatcher.close().catch(() => undefined);
      return closing;
    },
  };
}
