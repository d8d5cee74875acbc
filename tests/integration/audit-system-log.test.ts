/**
 * Every audit record also reaches the operating system's log (security defect 4: the file alone is editable by
 * the local user). On Linux against a REAL syslog datagram socket opened by this test (a tiny python3 receiver
 * bound to a private AF_UNIX/SOCK_DGRAM socket, exactly what /dev/log is), through the real `logger` tool.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../main/clock';
import { openAuditLog } from '../../main/terminal/audit';
import { createSystemLogForwarder, SYSLOG_TAG } from '../../main/terminal/system-log';

const nurse = { username: 'nurse', sub: '6f1c2a3b-0000-4000-8000-000000000001' };

const RECEIVER = `
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
print("ready", flush=True)
while True:
    data = s.recv(65536)
    print(data.hex(), flush=True)
`;

interface Receiver {
  messages: string[];
  process: ChildProcess;
}

let receiver: Receiver | undefined;
afterEach(() => {
  receiver?.process.kill();
  receiver = undefined;
});

async function startReceiver(socketPath: string): Promise<Receiver> {
  const child = spawn('python3', ['-c', RECEIVER, socketPath], { stdio: ['ignore', 'pipe', 'inherit'] });
  const messages: string[] = [];
  const lines = createInterface({ input: child.stdout });
  await new Promise<void>((resolve, reject) => {
    child.once('error', reject);
    lines.on('line', (line) => {
      if (line === 'ready') resolve();
      else messages.push(Buffer.from(line, 'hex').toString('utf8'));
    });
  });
  return { messages, process: child };
}

describe.runIf(process.platform === 'linux')('audit records in the OS log (syslog datagram socket)', () => {
  it('the header, every record and a recovery each arrive once, as auth.notice under the scrubin-audit tag, byte for byte', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'scrubin-syslog-'));
    const socketPath = path.join(dir, 'log.sock');
    receiver = await startReceiver(socketPath);
    const failures: string[] = [];
    const forward = createSystemLogForwarder({ platform: 'linux', spawn, socketPath, onFailure: (d) => failures.push(d) });
    const file = path.join(dir, 'audit.jsonl');
    const clock = new ManualClock();

    const log = openAuditLog({ path: file, terminalId: 'OR-07', clock, forward });
    log.append({ event: 'sign-in', outcome: 'ok', user: nurse, via: 'managed-login', forced: true });
    log.append({ event: 'lock', outcome: 'ok', user: nurse, reason: 'idle' });
    log.close();
    appendFileSync(file, '{"seq":3,"torn'); // a torn tail: the next open writes a recovery record
    openAuditLog({ path: file, terminalId: 'OR-07', clock, forward }).close();

    const fileLines = readFileSync(file, 'utf8').split('\n').filter((l) => l.endsWith('}'));
    expect(fileLines).toHaveLength(4); // header, sign-in, lock, recovered (the torn bytes are not a record)
    const r = receiver;
    await expect.poll(() => r.messages.length).toBe(4);
    for (const line of fileLines) {
      const copies = r.messages.filter((m) => m.endsWith(`${SYSLOG_TAG}: ${line}`));
      expect(copies).toHaveLength(1);
      expect(copies[0]).toMatch(/^<37>/); // facility auth (4) * 8 + severity notice (5)
    }
    expect(failures).toEqual([]);
  });

  it('a missing socket is reported once (not per record) and never stops the audit file', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'scrubin-syslog-'));
    const failures: string[] = [];
    const forward = createSystemLogForwarder({ platform: 'linux', spawn, socketPath: path.join(dir, 'absent.sock'), onFailure: (d) => failures.push(d) });
    const log = openAuditLog({ path: path.join(dir, 'audit.jsonl'), terminalId: 'OR-07', forward });
    log.append({ event: 'lock', outcome: 'ok', user: nurse, reason: 'manual' });
    log.append({ event: 'unlock', outcome: 'ok', user: nurse });
    log.close();
    await expect.poll(() => failures.length).toBe(1);
    expect(failures[0]).toMatch(/logger exited with 1/);
    expect(readFileSync(path.join(dir, 'audit.jsonl'), 'utf8').trim().split('\n')).toHaveLength(3);
  });
});
