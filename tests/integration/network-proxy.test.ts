/**
 * Every request of main through a real forward proxy (issue 21): Debian's tinyproxy on 127.0.0.1, configured as
 * `network.proxy`, and a full shared-terminal session against local-cognito: sign-in (discovery, JWKS, token),
 * AWS credentials (GetId, GetCredentialsForIdentity), a settings change synced to DynamoDB, sign-out (revocation,
 * final flush). The proxy's own log must hold every request the transport sent, one for one. The browser part of
 * the sign-in is the system browser's (plain HTTP here), not Scrub In's, so it is not counted.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { httpLogin } from '../../bench/http-login';
import { startLocalCognito, type LocalCognito } from '../../local-cognito';
import { createApp, type ScrubInApp } from '../../main/app';
import { MemorySecretStore } from '../../main/auth';
import { ConfigSchema } from '../../main/config';
import { createNodeTransport } from '../../main/net';
import { startTinyproxy, type ForwardProxy } from '../support/proxy';

describe('network.proxy: a full session through a real forward proxy (tinyproxy)', () => {
  let cognito: LocalCognito;
  let proxy: ForwardProxy;
  let core: ScrubInApp | undefined;

  beforeAll(async () => {
    proxy = await startTinyproxy();
    cognito = await startLocalCognito();
  });
  afterAll(async () => {
    core?.dispose();
    await cognito.stop();
    await proxy.stop();
  });

  it('sign-in -> credentials -> settings sync -> sign-out: the proxy log holds every request main sent', async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'scrubin-proxy-app-'));
    const config = ConfigSchema.parse({ ...cognito.config, terminal: { mode: 'shared', terminalId: 'OR-PROXY' }, network: { proxy: proxy.url } });
    const sent: { method: string; url: string }[] = [];
    // The same transport createApp builds from `config.network`, with an observer of what leaves.
    const transport = createNodeTransport(config.network, { env: {}, onRequest: (method, url) => sent.push({ method, url }) });
    const opened: string[] = [];
    core = createApp({ config, dataDir, store: new MemorySecretStore(), openBrowser: (u) => opened.push(u), transport });
    const session = core.session;
    await session.start();

    await session.signIn();
    expect(opened).toHaveLength(1);
    const view = await session.handleCallback(await httpLogin(opened[0]!, { username: 'nurse' }));
    expect(view.state).toBe('signed-in');
    const creds = await session.getCredentials();
    expect(creds.accessKeyId).not.toBe('');
    await session.setSetting('preferences', 'favouriteRoom', 'OR-7');
    await session.signOut();
    const key = (r: { method: string; url: string }): string => `${r.method} ${r.url}`;
    const count = (list: { method: string; url: string }[]): Map<string, number> => {
      const m = new Map<string, number>();
      for (const r of list) m.set(key(r), (m.get(key(r)) ?? 0) + 1);
      return m;
    };
    // What went out, by kind: the user pool, the identity pool, DynamoDB.
    // The final settings push runs in the background after sign-out: wait until the proxy has logged as many.
    await expect.poll(() => proxy.requests().length).toBe(sent.length);
    const logged = proxy.requests();
    const paths = sent.map((r) => `${r.method} ${new URL(r.url).pathname}`);
    expect(paths).toContain(`GET /${cognito.poolId}/.well-known/openid-configuration`);
    expect(paths).toContain('POST /oauth2/token');
    expect(paths).toContain('POST /oauth2/revoke');
    expect(paths.filter((p) => p === 'POST /').length).toBeGreaterThanOrEqual(3); // GetId, GetCredentialsForIdentity, DynamoDB
    expect(paths).toContain('HEAD /'); // the reachability check before the browser
    // Every one of them, one for one, in the proxy's log (and the log holds nothing else of ours).
    expect(count(logged)).toEqual(count(sent));
    await transport.close();
  });

  it('"system" in plain Node follows HTTP(S)_PROXY and NO_PROXY; "direct" ignores them; a PAC URL is refused', async () => {
    const discovery = `${cognito.issuer}/.well-known/openid-configuration`;
    const through = async (network: Parameters<typeof createNodeTransport>[0], env: NodeJS.ProcessEnv): Promise<boolean> => {
      const before = proxy.requests().filter((r) => r.url === discovery).length;
      const t = createNodeTransport(network, { env });
      const response = await t.fetch(discovery, { method: 'GET' });
      expect(response.status).toBe(200);
      await t.close();
      return proxy.requests().filter((r) => r.url === discovery).length > before;
    };
    expect(await through({ proxy: 'system' }, { HTTP_PROXY: proxy.url })).toBe(true);
    expect(await through({ proxy: 'system' }, { http_proxy: proxy.url, NO_PROXY: '127.0.0.1' })).toBe(false);
    expect(await through({ proxy: 'system' }, {})).toBe(false);
    expect(await through({ proxy: 'direct' }, { HTTP_PROXY: proxy.url })).toBe(false);
    expect(() => createNodeTransport({ proxy: 'http://wpad.hospital.local/wpad.dat' })).toThrow(/PAC file/);
  });
});
