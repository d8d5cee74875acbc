/**
 * A real forward proxy for the network tests: Debian's tinyproxy on 127.0.0.1, a generated configuration on a free
 * port, its log in a private folder. Missing tinyproxy is a FAILURE with the fix, never a skip (npm run setup
 * installs it; scripts/setup.mjs lists it).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, connect } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';

export interface ForwardProxy {
  url: string;
  /** Requests the proxy forwarded, from its log: absolute-form requests (`GET http://...`) and CONNECT targets. */
  requests(): { method: string; url: string }[];
  stop(): Promise<void>;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

export async function startTinyproxy(): Promise<ForwardProxy> {
  if (spawnSync('tinyproxy', ['-v'], { stdio: 'ignore' }).error) {
    throw new Error('tinyproxy is not installed: the proxy tests need a real forward proxy. Run `npm run setup` (or `apt-get install -y tinyproxy`).');
  }
  const dir = mkdtempSync(path.join(tmpdir(), 'scrubin-proxy-'));
  const port = await freePort();
  const log = path.join(dir, 'tinyproxy.log');
  // No ConnectPort lines: CONNECT to any port (the throw-away https servers listen on ephemeral ports).
  writeFileSync(path.join(dir, 'tinyproxy.conf'), [`Port ${port}`, 'Listen 127.0.0.1', 'Timeout 60', `LogFile "${log}"`, 'LogLevel Info', 'MaxClients 50', 'Allow 127.0.0.1', ''].join('\n'));
  const child: ChildProcess = spawn('tinyproxy', ['-d', '-c', path.join(dir, 'tinyproxy.conf')], { stdio: 'ignore' });
  const state = { exited: false };
  child.once('exit', () => {
    state.exited = true;
  });
  for (let i = 0; i < 200 && !(await accepts(port)); i++) {
    if (state.exited) throw new Error(`tinyproxy exited at start; its log: ${readFileSync(log, 'utf8').slice(-2000)}`);
    await new Promise((r) => setTimeout(r, 25));
  }
  return {
    url: `http://127.0.0.1:${port}`,
    requests() {
      const text = readFileSync(log, 'utf8');
      const out: { method: string; url: string }[] = [];
      for (const match of text.matchAll(/Request \(file descriptor \d+\): (\S+) (\S+) HTTP\/1\.[01]/g)) out.push({ method: match[1]!, url: match[2]! });
      return out;
    },
    stop: () =>
      new Promise<void>((resolve) => {
        if (state.exited) {
          resolve();
          return;
        }
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}
