/**
 * `network.extraCaFile` (issue 21): a throw-away CA (openssl from Debian) signs a certificate for a local https
 * server, standing in for a hospital's TLS-inspection CA. The transport trusts that server ONLY with the CA given as
 * `extraCaFile`, directly and through the real forward proxy (CONNECT); without it the request is refused. The
 * Electron stack's check of a refused chain against the same CA (chainTrustedByExtraCa) is exercised on the same
 * certificates.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isScrubInError } from '../../main/errors';
import { chainTrustedByExtraCa, createNodeTransport, readExtraCa } from '../../main/net';
import { startTinyproxy, type ForwardProxy } from '../support/proxy';

const dir = mkdtempSync(path.join(tmpdir(), 'scrubin-tls-'));
const file = (name: string): string => path.join(dir, name);
const openssl = (...args: string[]): void => {
  execFileSync('openssl', args, { stdio: 'ignore' });
};

/** A CA (`name`.crt/.key) and, signed by it, a server certificate for localhost and 127.0.0.1. */
function makeCa(name: string): void {
  openssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', file(`${name}.key`), '-out', file(`${name}.crt`), '-days', '2', '-subj', `/CN=${name} inspection CA`,
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign');
}
function makeLeaf(ca: string): void {
  openssl('req', '-newkey', 'rsa:2048', '-nodes', '-keyout', file('server.key'), '-out', file('server.csr'), '-subj', '/CN=localhost');
  writeFileSync(file('server.ext'), 'subjectAltName=DNS:localhost,IP:127.0.0.1\nbasicConstraints=CA:FALSE\n');
  openssl('x509', '-req', '-in', file('server.csr'), '-CA', file(`${ca}.crt`), '-CAkey', file(`${ca}.key`), '-CAcreateserial', '-out', file('server.crt'), '-days', '1', '-extfile', file('server.ext'));
}

describe('network.extraCaFile: a hospital TLS-inspection CA trusted only when configured', () => {
  let server: Server;
  let origin: string;
  let proxy: ForwardProxy;

  beforeAll(async () => {
    makeCa('hospital');
    makeCa('other');
    makeLeaf('hospital');
    server = createServer({ key: readFileSync(file('server.key')), cert: readFileSync(file('server.crt')) }, (_req, res) => res.end('inspected ok'));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    origin = `https://localhost:${typeof address === 'object' && address ? address.port : 0}`;
    proxy = await startTinyproxy();
  });
  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
    await proxy.stop();
  });

  const get = async (network: Parameters<typeof createNodeTransport>[0]): Promise<string> => {
    const t = createNodeTransport(network, { env: {} });
    try {
      return await (await t.fetch(`${origin}/`, { method: 'GET' })).text();
    } finally {
      await t.close();
    }
  };

  it('is trusted with extraCaFile, directly and through the proxy (CONNECT)', async () => {
    expect(await get({ proxy: 'direct', extraCaFile: file('hospital.crt') })).toBe('inspected ok');
    expect(await get({ proxy: proxy.url, extraCaFile: file('hospital.crt') })).toBe('inspected ok');
    expect(proxy.requests().some((r) => r.method === 'CONNECT' && r.url.startsWith('localhost:'))).toBe(true);
  });

  it('adds to NODE_EXTRA_CA_CERTS rather than replacing it: a CA trusted there stays trusted next to extraCaFile', async () => {
    const viaEnv = async (env: NodeJS.ProcessEnv, network: Parameters<typeof createNodeTransport>[0]): Promise<string> => {
      const t = createNodeTransport(network, { env });
      try {
        return await (await t.fetch(`${origin}/`, { method: 'GET' })).text();
      } finally {
        await t.close();
      }
    };
    const env = { NODE_EXTRA_CA_CERTS: file('hospital.crt') };
    expect(await viaEnv(env, { proxy: 'direct', extraCaFile: file('other.crt') })).toBe('inspected ok');
    // Without the environment variable the same configuration refuses the server (the file's CA did not sign it).
    await expect(viaEnv({}, { proxy: 'direct', extraCaFile: file('other.crt') })).rejects.toThrow(TypeError);
  });

  it('is refused without it, and with another CA', async () => {
    const refused = async (network: Parameters<typeof createNodeTransport>[0]): Promise<string> => {
      const error: unknown = await get(network).then(
        () => null,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(TypeError);
      return String((error as { cause?: { code?: unknown } }).cause?.code);
    };
    expect(await refused({ proxy: 'direct' })).toMatch(/UNABLE_TO_VERIFY_LEAF_SIGNATURE|SELF_SIGNED|UNABLE_TO_GET_ISSUER/);
    expect(await refused({ proxy: 'direct', extraCaFile: file('other.crt') })).toMatch(/UNABLE_TO_VERIFY_LEAF_SIGNATURE|UNABLE_TO_GET_ISSUER/);
  });

  it('a file that is not a CA certificate stops the start naming network.extraCaFile', () => {
    writeFileSync(file('garbage.pem'), 'not a certificate');
    for (const bad of [file('garbage.pem'), file('server.crt'), file('missing.pem')]) {
      let caught: unknown;
      try {
        readExtraCa(bad);
      } catch (error) {
        caught = error;
      }
      expect(isScrubInError(caught, 'config_invalid')).toBe(true);
      expect((caught as Error).message).toContain('network.extraCaFile');
    }
  });

  it("the Electron stack's check: the chain is accepted for the right host with the hospital CA only", () => {
    const chain = [readFileSync(file('server.crt'), 'utf8')];
    expect(chainTrustedByExtraCa(chain, readExtraCa(file('hospital.crt')), 'localhost')).toBe(true);
    expect(chainTrustedByExtraCa(chain, readExtraCa(file('hospital.crt')), '127.0.0.1')).toBe(true);
    expect(chainTrustedByExtraCa(chain, readExtraCa(file('hospital.crt')), 'cognito-idp.us-east-1.amazonaws.com')).toBe(false);
    expect(chainTrustedByExtraCa(chain, readExtraCa(file('other.crt')), 'localhost')).toBe(false);
    expect(chainTrustedByExtraCa([], readExtraCa(file('hospital.crt')), 'localhost')).toBe(false);
  });
});
