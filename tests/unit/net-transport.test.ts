/**
 * main/net's pure parts: the proxy setting sorted for each stack, the SDK handler's URL and request shape, one
 * failure shape for both stacks, the firewall list from a configuration, the Electron adapter over a plain object
 * (its own logic only; the real Chromium stack needs the Electron binary), and the rule that nothing else in main
 * reaches the network by itself.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigSchema, proxySettingProblem } from '../../main/config';
import { createSdkRequestHandler, electronProxyConfig, firewallEndpoints, formatEndpoints, proxyChoice, transportFailure } from '../../main/net';
import { urlOf } from '../../main/net/sdk-handler';
import { createElectronTransport, type NetworkSession } from '../../main/shell/network';

const base = {
  userPool: { issuer: 'https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbC123xyz', clientId: 'abc123', domain: 'https://or.auth.eu-west-1.amazoncognito.com' },
  redirectUri: 'app.scrubin:/callback',
  logoutUri: 'app.scrubin:/signed-out',
};

describe('network.proxy', () => {
  it('sorts "system", "direct", a proxy URL and a PAC URL, for setProxy too', () => {
    expect(proxyChoice({ proxy: 'system' })).toEqual({ kind: 'system' });
    expect(electronProxyConfig(proxyChoice({ proxy: 'system' }))).toEqual({ mode: 'system' });
    expect(electronProxyConfig(proxyChoice({ proxy: 'direct' }))).toEqual({ mode: 'direct' });
    expect(electronProxyConfig(proxyChoice({ proxy: 'http://proxy.hospital.local:3128' }))).toEqual({ mode: 'fixed_servers', proxyRules: 'http://proxy.hospital.local:3128' });
    expect(electronProxyConfig(proxyChoice({ proxy: 'http://wpad.hospital.local/wpad.dat' }))).toEqual({ mode: 'pac_script', pacScript: 'http://wpad.hospital.local/wpad.dat' });
  });

  it('refuses what is not a proxy setting, naming the field; defaults to "system"', () => {
    expect(ConfigSchema.parse(base).network).toEqual({ proxy: 'system' });
    for (const bad of ['proxy.hospital.local:3128', 'socks5://p:1080', 'http://user:pw@proxy:3128', 'http://wpad/x.pac?x=1', 'auto']) {
      expect(proxySettingProblem(bad)).toMatch(/network\.proxy/);
      expect(ConfigSchema.safeParse({ ...base, network: { proxy: bad } }).success).toBe(false);
    }
    expect(ConfigSchema.safeParse({ ...base, network: { extraCaFile: 'relative.pem' } }).success).toBe(false);
    expect(ConfigSchema.safeParse({ ...base, network: { proxy: 'direct', unknown: 1 } }).success).toBe(false);
  });
});

describe('SDK request handler over the transport', () => {
  it('sends the signed request as fetch would, without the headers fetch derives, and returns a stream body', async () => {
    const seen: { url: string; init: RequestInit }[] = [];
    const handler = createSdkRequestHandler((url, init) => {
      seen.push({ url, init });
      return Promise.resolve(new Response('{"IdentityId":"x"}', { status: 200, headers: { 'x-amzn-requestid': 'r1' } }));
    }, { requestTimeoutMs: 1_000 });
    const { response } = await handler.handle({
      method: 'POST', protocol: 'https:', hostname: 'cognito-identity.eu-west-1.amazonaws.com', path: '/', query: {},
      headers: { host: 'cognito-identity.eu-west-1.amazonaws.com', 'content-length': '2', 'x-amz-target': 'AWSCognitoIdentityService.GetId' }, body: '{}',
    });
    expect(seen[0]!.url).toBe('https://cognito-identity.eu-west-1.amazonaws.com/');
    const headers = seen[0]!.init.headers as Headers;
    expect(headers.get('x-amz-target')).toBe('AWSCognitoIdentityService.GetId');
    expect(headers.has('host')).toBe(false);
    expect(headers.has('content-length')).toBe(false);
    expect(seen[0]!.init.body).toBe('{}');
    expect(response.statusCode).toBe(200);
    expect(response.headers['x-amzn-requestid']).toBe('r1');
    const chunks: Buffer[] = [];
    for await (const chunk of response.body as AsyncIterable<Buffer>) chunks.push(Buffer.from(chunk));
    expect(Buffer.concat(chunks).toString()).toBe('{"IdentityId":"x"}');
  });

  it('builds the URL with port and query', () => {
    expect(urlOf({ method: 'GET', protocol: 'http:', hostname: '127.0.0.1', port: 8080, path: 'a', query: { b: ['1', '2'], c: null }, headers: {} })).toBe('http://127.0.0.1:8080/a?b=1&b=2');
  });
});

describe('one failure shape for both stacks', () => {
  it("maps Chromium's net::ERR_* to fetch's TypeError with the Node code; certificates are not network failures", () => {
    const refused = transportFailure(new Error('net::ERR_CONNECTION_REFUSED')) as TypeError & { cause: { code: string } };
    expect(refused).toBeInstanceOf(TypeError);
    expect(refused.cause.code).toBe('ECONNREFUSED');
    expect((transportFailure(new Error('net::ERR_NAME_NOT_RESOLVED')) as { cause: { code: string } }).cause.code).toBe('ENOTFOUND');
    expect((transportFailure(new Error('net::ERR_PROXY_CONNECTION_FAILED')) as { cause: { code: string } }).cause.code).toBe('ECONNREFUSED');
    expect((transportFailure(new Error('net::ERR_CERT_AUTHORITY_INVALID')) as { cause: { code: string } }).cause.code).toBe('CERT_REJECTED');
    const timeout = new DOMException('timed out', 'TimeoutError');
    expect(transportFailure(timeout)).toBe(timeout);
  });
});

describe('firewall host names from the configuration', () => {
  it('lists the user pool, the managed-login domain (Scrub In and the browser), identity pool, DynamoDB and the PAC host', () => {
    const config = ConfigSchema.parse({ ...base, identityPool: { id: 'eu-west-1:1a2b3c4d-1111-2222-3333-444455556666', region: 'eu-west-1' }, sync: { region: 'eu-west-1' }, network: { proxy: 'http://wpad.hospital.local/wpad.dat' } });
    const hosts = firewallEndpoints(config);
    expect(hosts.map((h) => h.host)).toEqual([
      'cognito-idp.eu-west-1.amazonaws.com:443',
      'or.auth.eu-west-1.amazoncognito.com:443',
      'cognito-identity.eu-west-1.amazonaws.com:443',
      'dynamodb.eu-west-1.amazonaws.com:443',
      'wpad.hospital.local:80',
    ]);
    expect(hosts[1]!.from).toBe('scrub-in+browser');
    expect(formatEndpoints(hosts).split('\n')).toHaveLength(5);
  });
});

describe('the Electron adapter (main/shell/network.ts) over a plain object', () => {
  it('sets the proxy, preconnects, and maps failures', async () => {
    const calls: unknown[] = [];
    const fake = {
      setProxy: (config: unknown) => {
        calls.push(['setProxy', config]);
        return Promise.resolve();
      },
      preconnect: (options: unknown) => calls.push(['preconnect', options]),
      fetch: () => Promise.reject(new Error('net::ERR_INTERNET_DISCONNECTED')),
      setCertificateVerifyProc: () => calls.push(['verify']),
      closeAllConnections: () => Promise.resolve(),
    } as unknown as NetworkSession;
    const t = await createElectronTransport(fake, { proxy: 'http://wpad.hospital.local/wpad.dat' });
    t.preconnect('https://cognito-identity.eu-west-1.amazonaws.com');
    expect(calls).toEqual([
      ['setProxy', { mode: 'pac_script', pacScript: 'http://wpad.hospital.local/wpad.dat' }],
      ['preconnect', { url: 'https://cognito-identity.eu-west-1.amazonaws.com', numSockets: 1 }],
    ]);
    await expect(t.fetch('https://x.example/', { method: 'GET' })).rejects.toMatchObject({ cause: { code: 'ENETUNREACH' } });
  });
});

describe('one transport: nothing else in main reaches the network by itself', () => {
  const files = (dir: string): string[] =>
    readdirSync(dir).flatMap((name) => {
      const p = path.join(dir, name);
      return statSync(p).isDirectory() ? files(p) : p.endsWith('.ts') ? [p] : [];
    });
  // The global `fetch` itself is caught by ESLint (no-restricted-globals knows a local `fetch` from the global one);
  // this test catches the modules and `globalThis.fetch`, with no linter in between.
  it('no node:http, node:https, undici or globalThis.fetch outside main/net', () => {
    const offenders = files('main')
      .filter((f) => !f.startsWith(path.join('main', 'net') + path.sep))
      .filter((f) => {
        const code = readFileSync(f, 'utf8').replace(/\/\*[\s\S]*?\*\/|\/\/.*$/gm, '');
        return /globalThis\.fetch|from '(node:)?https?'|from 'undici'|require\('(node:)?https?'\)/m.test(code);
      });
    expect(offenders).toEqual([]);
  });
});
