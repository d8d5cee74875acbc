/**
 * The identity-pool client's preconnecting agent against real local servers (HTTP and HTTPS with a throw-away
 * certificate): the prepared connection is the one the next request uses, nothing is opened when a connection
 * exists, a connection the server closed is never used, and TLS checks are the agent's own (a wrong CA fails).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createPreconnectAgent, type PreconnectAgent } from '../../main/identity-pool/preconnect-agent';

interface Served {
  url: URL;
  connections: Socket[];
  requests: number;
  close: () => Promise<void>;
}

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const clean of cleanups.splice(0).reverse()) await clean();
});

function listen(server: http.Server | https.Server, protocol: 'http' | 'https', host: string, onConnection?: (socket: Socket) => void): Promise<Served> {
  const served: Served = { url: new URL('http://unset'), connections: [], requests: 0, close: () => Promise.resolve() };
  server.on(protocol === 'https' ? 'secureConnection' : 'connection', (socket: Socket) => {
    served.connections.push(socket);
    onConnection?.(socket);
  });
  server.on('request', (_req: http.IncomingMessage, res: http.ServerResponse) => {
    served.requests += 1;
    res.end('ok');
  });
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      served.url = new URL(`${protocol}://${host}:${String((server.address() as AddressInfo).port)}`);
      served.close = () =>
        new Promise<void>((done) => {
          server.closeAllConnections();
          server.close(() => done());
        });
      cleanups.push(served.close);
      resolve(served);
    });
  });
}

function agentFor(url: URL, options: Parameters<typeof createPreconnectAgent>[1] = {}): PreconnectAgent {
  const p = createPreconnectAgent(url, options);
  cleanups.push(() => p.destroy());
  return p;
}

function get(p: PreconnectAgent, url: URL, extra: https.RequestOptions = {}): Promise<string> {
  const request = p.secure ? https.request : http.request;
  return new Promise((resolve, reject) => {
    const req = request(url, { agent: p.agent, ...extra }, (res) => {
      let body = '';
      res.on('data', (chunk: Buffer) => (body += chunk.toString()));
      res.on('end', () => resolve(body));
    });
    req.on('error', reject);
    req.end();
  });
}

const until = async (check: () => boolean): Promise<void> => {
  await expect.poll(check, { timeout: 5_000, interval: 5 }).toBe(true);
};

describe('preconnecting agent (HTTP)', () => {
  it('opens one connection ahead; the next request uses it; nothing more is opened while a connection lives', async () => {
    const s = await listen(http.createServer(), 'http', '127.0.0.1');
    const p = agentFor(s.url);
    p.preconnect();
    p.preconnect(); // one prepared at a time
    await until(() => s.connections.length === 1);
    expect(await get(p, s.url)).toBe('ok');
    expect(s.connections).toHaveLength(1); // the prepared connection carried the request
    p.preconnect(); // the agent keeps that connection alive: nothing new
    expect(await get(p, s.url)).toBe('ok');
    expect(s.connections).toHaveLength(1);
    expect(s.requests).toBe(2);
  });

  it('a prepared connection the server closed is not used: the request opens its own and succeeds', async () => {
    const s = await listen(http.createServer(), 'http', '127.0.0.1', (socket) => {
      if (s.connections.length === 1) socket.destroy(); // the first (prepared) connection is closed at once
    });
    const p = agentFor(s.url);
    p.preconnect();
    await until(() => s.connections.length === 1 && s.connections[0]?.destroyed === true);
    expect(await get(p, s.url)).toBe('ok');
    expect(s.connections).toHaveLength(2);
  });

  it('an unused prepared connection is closed after idleMs, and by destroy()', async () => {
    const s = await listen(http.createServer(), 'http', '127.0.0.1');
    const p = agentFor(s.url, { idleMs: 20 });
    p.preconnect();
    await until(() => s.connections.length === 1);
    await new Promise<void>((resolve) => s.connections[0]?.once('close', () => resolve()));
    p.preconnect();
    await until(() => s.connections.length === 2);
    const second = s.connections[1];
    const closed = new Promise<void>((resolve) => second?.once('close', () => resolve()));
    const q = agentFor(s.url); // destroy() of another agent: its own prepared connection only
    q.preconnect();
    await until(() => s.connections.length === 3);
    q.destroy();
    await new Promise<void>((resolve) => s.connections[2]?.once('close', () => resolve()));
    await closed; // the idle limit of the first agent
  });
});

describe('preconnecting agent (HTTPS)', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'scrubin-tls-'));
  const key = path.join(dir, 'key.pem');
  const cert = path.join(dir, 'cert.pem');
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '2', '-subj', '/CN=localhost', '-addext', 'subjectAltName=DNS:localhost'], { stdio: 'ignore' });
  const tls = { key: readFileSync(key), cert: readFileSync(cert) };

  it('the prepared TLS connection (SNI, certificate checked against the agent CA) carries the request', async () => {
    const s = await listen(https.createServer(tls), 'https', 'localhost');
    const p = agentFor(s.url, { agentOptions: { ca: tls.cert } });
    p.preconnect();
    await until(() => s.connections.length === 1);
    expect((s.connections[0] as Socket & { servername?: string }).servername).toBe('localhost');
    expect(await get(p, s.url)).toBe('ok');
    expect(s.connections).toHaveLength(1);
  });

  it('without a trusted CA the prepared connection fails its check and is dropped; the request fails too (never accepted)', async () => {
    const s = await listen(https.createServer(tls), 'https', 'localhost');
    const p = agentFor(s.url);
    p.preconnect();
    await expect(get(p, s.url)).rejects.toMatchObject({ code: 'DEPTH_ZERO_SELF_SIGNED_CERT' });
    expect(s.requests).toBe(0);
  });
});
