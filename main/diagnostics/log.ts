/**
 * The diagnostics log IT collects when a nurse calls: a size-capped, rotating file in the OS's logs folder,
 * written with electron-log (docs/decisions.md says why). Secret-free by construction: callers hand in typed
 * events, never free-form objects; each event is turned into one line from its known fields only, and the few
 * free-text fields (error details, warnings) are redacted and shortened on the way (main/lib/sdk-error.ts).
 */
import { mkdirSync, readdirSync, renameSync, rmSync } from 'node:fs';
import path from 'node:path';
import log from 'electron-log/node';
import type { ConfigSource } from '../config';
import type { ErrorCode } from '../errors';
import { redact } from '../lib';
import type { SyncEvent } from '../sync';

export const LOG_FILE = 'scrub-in.log';

/** Everything the app may write to the diagnostics log. */
export type DiagnosticEvent =
  | { kind: 'app-start'; version: string; platform: NodeJS.Platform; runtime: string; configSource: ConfigSource['kind']; mode: 'shared' | 'personal'; kiosk: boolean }
  | { kind: 'config-warning'; text: string }
  | { kind: 'problem'; code: ErrorCode; detail: string | undefined }
  | { kind: 'sync'; event: SyncEvent }
  | { kind: 'ipc-rejected'; channel: string; reason: string }
  | { kind: 'autostart-skipped' }
  | { kind: 'kiosk-exit'; allowed: boolean }
  | { kind: 'app-quit' };

/** Free text through the redactor, on one line, at most 200 characters. */
const text = (value: string): string => redact(value.replace(/[\r\n\t]+/g, ' '));
/** Identifier-like fields (codes, channel names, dataset and key names): anything else becomes `?`. */
const word = (value: string): string => (/^[\w.:/-]{1,64}$/.test(value) ? value : '?');

/** One log line per event, from its known fields only. */
export function formatEvent(event: DiagnosticEvent): { level: 'info' | 'warn' | 'error'; line: string } {
  switch (event.kind) {
    case 'app-start':
      return {
        level: 'info',
        line: `app-start version=${word(event.version)} platform=${event.platform} runtime=${word(event.runtime)} config=${event.configSource} mode=${event.mode} kiosk=${String(event.kiosk)}`,
      };
    case 'config-warning':
      return { level: 'warn', line: `config-warning ${text(event.text)}` };
    case 'problem':
      return { level: 'error', line: `problem code=${event.code}${event.detail ? ` detail=${text(event.detail)}` : ''}` };
    case 'sync':
      return { level: event.event.type === 'sync-failed' ? 'warn' : 'info', line: `sync ${syncFields(event.event)}` };
    case 'ipc-rejected':
      return { level: 'warn', line: `ipc-rejected channel=${word(event.channel)} reason=${text(event.reason)}` };
    case 'autostart-skipped':
      return { level: 'info', line: 'autostart-skipped (terminal.startAtLogin is off)' };
    case 'kiosk-exit':
      return { level: 'warn', line: `kiosk-exit ${event.allowed ? 'allowed (signed out, IT shortcut)' : 'refused'}` };
    case 'app-quit':
      return { level: 'info', line: 'app-quit' };
  }
}

/** A sync event without its identity id (not needed to diagnose, and it identifies a person across terminals). */
function syncFields(e: SyncEvent): string {
  switch (e.type) {
    case 'opened':
      return `opened cache=${e.cache}`;
    case 'closed':
      return `closed purged=${String(e.purged)} pendingLost=${String(e.pendingLost)}`;
    case 'sync-start':
      return `start reason=${word(e.reason)}`;
    case 'synced':
      return `synced pulled=${String(e.pulled)} pushed=${String(e.pushed)} conflicts=${String(e.conflicts)}`;
    case 'sync-failed':
      return `failed code=${word(e.code)} retryInMs=${String(e.retryInMs)}`;
    case 'retry':
      return `retry operation=${e.operation} attempt=${String(e.attempt)} delayMs=${String(e.delayMs)} reason=${e.reason}`;
    case 'conflict':
      return `conflict dataset=${word(e.dataset)} key=${word(e.key)} resolution=${e.resolution} by=${e.by}`;
    case 'conflict-hook-failed':
      return `conflict-hook-failed dataset=${word(e.dataset)} key=${word(e.key)}`;
    case 'race-lost':
      return `race-lost dataset=${word(e.dataset)} round=${String(e.round)}`;
    case 'push-abandoned':
      return `push-abandoned dataset=${word(e.dataset)}`;
    case 'limit':
      return `limit dataset=${word(e.dataset)} detail=${text(e.detail)}`;
    case 'cache-write-failed':
      return 'cache-write-failed';
  }
}

export interface DiagnosticsLog {
  write(event: DiagnosticEvent): void;
  /** The log files, newest first (the current file, then scrub-in.1.log, ...). */
  files(): string[];
  readonly dir: string;
}

export interface DiagnosticsLogOptions {
  dir: string;
  /** Size at which the file is rotated (default 1 MiB). */
  maxBytes?: number;
  /** Rotated files kept besides the current one (default 4: at most 5 MiB in all). */
  keep?: number;
  /** Also print each line to the console (development). */
  console?: boolean;
}

let instances = 0;

export function openDiagnosticsLog(options: DiagnosticsLogOptions): DiagnosticsLog {
  const { dir } = options;
  const keep = Math.max(0, options.keep ?? 4);
  const file = path.join(dir, LOG_FILE);
  const rotated = (n: number): string => path.join(dir, LOG_FILE.replace(/\.log$/, `.${String(n)}.log`));
  mkdirSync(dir, { recursive: true, mode: 0o750 });

  const logger = log.create({ logId: `scrubin-diagnostics-${String(++instances)}` });
  logger.transports.console.level = options.console ? 'info' : false;
  const transport = logger.transports.file;
  transport.setAppName('Scrub In');
  transport.resolvePathFn = () => file;
  transport.maxSize = options.maxBytes ?? 1024 * 1024;
  transport.format = '{y}-{m}-{d}T{h}:{i}:{s}.{ms}{z} [{level}] {text}';
  transport.writeOptions = { flag: 'a', mode: 0o640, encoding: 'utf8' };
  // Called by electron-log when the file is over maxSize (it then starts the file afresh): shift the older files.
  transport.archiveLogFn = () => {
    rmSync(rotated(keep), { force: true });
    for (let n = keep - 1; n >= 1; n -= 1) renameQuietly(rotated(n), rotated(n + 1));
    if (keep > 0) renameQuietly(file, rotated(1));
    else rmSync(file, { force: true });
  };

  return {
    dir,
    write(event) {
      const { level, line } = formatEvent(event);
      logger[level](line);
    },
    files() {
      const names = readdirSync(dir).filter((n) => n === LOG_FILE || /^scrub-in\.\d+\.log$/.test(n));
      const order = (n: string): number => (n === LOG_FILE ? 0 : Number(/\.(\d+)\.log$/.exec(n)?.[1] ?? 0));
      return names.sort((a, b) => order(a) - order(b)).map((n) => path.join(dir, n));
    },
  };
}

function renameQuietly(from: string, to: string): void {
  try {
    renameSync(from, to);
  } catch {
    // not there (yet): nothing to shift
  }
}

/** The app's hooks (createApp's onProblem and onSyncEvent) writing to the diagnostics log. */
export function diagnosticsHooks(target: DiagnosticsLog): {
  onProblem: (error: { code: ErrorCode; detail?: string | undefined }) => void;
  onSyncEvent: (event: SyncEvent) => void;
} {
  return {
    onProblem: (error) => target.write({ kind: 'problem', code: error.code, detail: error.detail }),
    onSyncEvent: (event) => target.write({ kind: 'sync', event }),
  };
}
