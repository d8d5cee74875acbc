/**
 * A copy of every audit record in the operating system's log, so that a local user who edits the audit file
 * cannot also edit what the hospital's SIEM already collected: syslog/journald on Linux (the `logger` tool of
 * util-linux, to the `/dev/log` datagram socket), the unified log on macOS (`logger`), the Application event log
 * on Windows (`Write-EventLog`; the installer registers the "Scrub In" source).
 *
 * Records are whitelisted, secret-free JSON lines (audit-record.ts): nothing here adds text of its own. The record
 * travels as ONE argument (or, on Windows, in an environment variable), never through a shell, so no byte of it
 * is interpreted. Writing is fire-and-forget: the audit file is the record of truth and is already on disk.
 */
import type { ChildProcess, SpawnOptions } from 'node:child_process';

/** The part of `child_process.spawn` this module uses (a fake in unit tests). */
export type Spawn = (command: string, args: readonly string[], options: SpawnOptions) => Pick<ChildProcess, 'on'>;

export interface SystemLogOptions {
  platform: NodeJS.Platform;
  spawn: Spawn;
  /** Linux: the syslog socket (default `/dev/log`; tests pass a socket of their own). */
  socketPath?: string;
  /** Told once when a copy could not be written (no socket, tool missing), not for every record. */
  onFailure?: (detail: string) => void;
}

export const SYSLOG_TAG = 'scrubin-audit';
export const WINDOWS_EVENT_SOURCE = 'Scrub In';

/** The command that writes one line to the OS log, or null where Scrub In knows no OS log. */
export function systemLogCommand(platform: NodeJS.Platform, line: string, socketPath = '/dev/log'): { command: string; args: string[]; env?: Record<string, string> } | null {
  switch (platform) {
    case 'linux':
      // auth.notice: syslog's facility for security/authorization messages, which SIEM rules already collect.
      return { command: 'logger', args: ['--socket', socketPath, '--socket-errors=on', '--size', '8192', '--tag', SYSLOG_TAG, '--priority', 'auth.notice', '--', line] };
    case 'darwin':
      return { command: '/usr/bin/logger', args: ['-t', SYSLOG_TAG, '-p', 'auth.notice', '--', line] };
    case 'win32':
      return {
        command: 'powershell.exe',
        args: ['-NoProfile', '-NonInteractive', '-Command', `Write-EventLog -LogName Application -Source '${WINDOWS_EVENT_SOURCE}' -EventId 1000 -EntryType Information -Message $env:SCRUBIN_AUDIT_LINE`],
        env: { SCRUBIN_AUDIT_LINE: line },
      };
    default:
      return null;
  }
}

/** A `forward` function for `openAuditLog`, or undefined on a platform without a known OS log. */
export function createSystemLogForwarder(options: SystemLogOptions): ((line: string) => void) | undefined {
  if (systemLogCommand(options.platform, '') === null) return undefined;
  let failed = false;
  const fail = (detail: string): void => {
    if (failed) return;
    failed = true;
    options.onFailure?.(detail);
  };
  return (line) => {
    const command = systemLogCommand(options.platform, line, options.socketPath);
    if (!command) return;
    try {
      const child = options.spawn(command.command, command.args, {
        stdio: 'ignore',
        windowsHide: true,
        ...(command.env ? { env: { ...process.env, ...command.env } } : {}),
      });
      child.on('error', (error) => fail(`${command.command}: ${(error as NodeJS.ErrnoException).code ?? error.message}`));
      child.on('exit', (code) => {
        if (code === 0) failed = false;
        else fail(`${command.command} exited with ${String(code)}`);
      });
    } catch (error) {
      fail(`${command.command}: ${error instanceof Error ? error.message : 'spawn failed'}`);
    }
  };
}
