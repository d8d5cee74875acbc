/**
 * A private, headless Secret Service for tests: its own D-Bus session bus and an unlocked
 * gnome-keyring holding only this run's secrets. Nothing touches the developer's real keyring.
 */
import { execFile, spawn } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface PrivateKeyring {
  /** Environment a process needs to reach this Secret Service (D-Bus address and XDG dirs). */
  env: Record<string, string>;
  /** Looks a secret up outside keytar (libsecret's secret-tool), to prove what reached the service. */
  lookup(attributes: Record<string, string>): Promise<string | null>;
  /** Locks the login collection, as a screen lock or keyring timeout would. */
  lock(): Promise<void>;
  stop(): Promise<void>;
}

export async function startPrivateKeyring(password = 'scrubin-test'): Promise<PrivateKeyring> {
  const root = mkdtempSync(path.join(tmpdir(), 'scrubin-keyring-'));
  const data = path.join(root, 'data');
  const runtime = path.join(root, 'run');
  mkdirSync(data, { recursive: true });
  mkdirSync(runtime, { recursive: true });
  chmodSync(runtime, 0o700);
  const pidFile = path.join(root, 'dbus.pid');
  const baseEnv = { ...process.env, HOME: root, XDG_DATA_HOME: data, XDG_RUNTIME_DIR: runtime };

  // The bus address goes to stdout, the daemon's pid to a file (fd 3), so stop() can end exactly this bus.
  const { stdout } = await run('sh', ['-c', 'exec dbus-daemon --session --fork --print-address=1 --print-pid=3 3>"$PID_FILE"'], {
    env: { ...baseEnv, PID_FILE: pidFile },
  });
  const address = stdout.trim().split('\n')[0] ?? '';
  if (!address.startsWith('unix:')) throw new Error(`dbus-daemon did not print a bus address (got "${address}")`);
  let dbusPid: number | undefined;
  try {
    dbusPid = Number(readFileSync(pidFile, 'utf8').trim()) || undefined;
  } catch {
    dbusPid = undefined;
  }
  const env = { HOME: root, XDG_DATA_HOME: data, XDG_RUNTIME_DIR: runtime, DBUS_SESSION_BUS_ADDRESS: address };
  const fullEnv = { ...process.env, ...env };

  await new Promise<void>((resolve, reject) => {
    const daemon = spawn('gnome-keyring-daemon', ['--unlock', '--components=secrets'], { env: fullEnv, stdio: ['pipe', 'pipe', 'pipe'] });
    let err = '';
    daemon.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
    daemon.on('error', reject);
    daemon.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`gnome-keyring-daemon exited ${code}: ${err}`))));
    daemon.stdin.end(password);
  });

  const keyring: PrivateKeyring = {
    env,
    async lookup(attributes) {
      const args = ['lookup', ...Object.entries(attributes).flat()];
      try {
        const { stdout: value } = await run('secret-tool', args, { env: fullEnv, timeout: 10_000 });
        return value;
      } catch (error) {
        if ((error as { code?: number }).code === 1) return null;
        throw error;
      }
    },
    async lock() {
      await run(
        'dbus-send',
        ['--session', '--dest=org.freedesktop.secrets', '--type=method_call', '--print-reply', '/org/freedesktop/secrets',
          'org.freedesktop.Secret.Service.Lock', 'array:objpath:/org/freedesktop/secrets/collection/login'],
        { env: fullEnv, timeout: 10_000 },
      );
    },
    stop() {
      // gnome-keyring-daemon leaves when its session bus goes away.
      if (dbusPid) {
        try {
          process.kill(dbusPid);
        } catch {
          /* already gone */
        }
      }
      rmSync(root, { recursive: true, force: true });
      return Promise.resolve();
    },
  };
  return keyring;
}
