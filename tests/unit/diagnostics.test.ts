/** The diagnostics log (typed events, redaction, rotation) and the --collect-diagnostics bundle. */
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { unzipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { ConfigSchema } from '../../main/config';
import { collectDiagnostics, formatEvent, LOG_FILE, openDiagnosticsLog } from '../../main/diagnostics';
import { openAuditLog } from '../../main/terminal';

const tempDir = (): string => mkdtempSync(path.join(tmpdir(), 'scrubin-diag-'));
const JWT = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.c2lnbmF0dXJlc2lnbmF0dXJlc2lnbmF0dXJl';
const SECRET_KEY = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEYab';

describe('diagnostics events', () => {
  it('a problem detail carrying a token or a secret key is redacted, and stays on one line', () => {
    const { level, line } = formatEvent({ kind: 'problem', code: 'network', detail: `token ${JWT}\nsecret ${SECRET_KEY}` });
    expect(level).toBe('error');
    expect(line).toBe('problem code=network detail=token [token] secret [redacted]');
  });

  it('identifier fields that are not identifiers are replaced, not copied', () => {
    expect(formatEvent({ kind: 'ipc-rejected', channel: 'scrubin:getCredentials\n[error] forged', reason: 'untrusted sender' }).line).toBe(
      'ipc-rejected channel=? reason=untrusted sender',
    );
  });

  it('a sync event is logged without the identity id', () => {
    const { line } = formatEvent({ kind: 'sync', event: { type: 'sync-failed', identityId: 'us-east-1:11111111-2222-3333-4444-555555555555', code: 'network', retryInMs: 2000 } });
    expect(line).toBe('sync failed code=network retryInMs=2000');
  });

  it('app-start names version, runtime, configuration source, mode and kiosk', () => {
    expect(formatEvent({ kind: 'app-start', version: '0.1.0', platform: 'linux', runtime: 'electron-45.5.0', configSource: 'policy', mode: 'shared', kiosk: true }).line).toBe(
      'app-start version=0.1.0 platform=linux runtime=electron-45.5.0 config=policy mode=shared kiosk=true',
    );
  });
});

describe('diagnostics log file', () => {
  it('writes timestamped lines readable only by the owner and group', () => {
    const dir = tempDir();
    const log = openDiagnosticsLog({ dir });
    log.write({ kind: 'problem', code: 'throttled', detail: 'token endpoint answered HTTP 429' });
    const text = readFileSync(path.join(dir, LOG_FILE), 'utf8');
    expect(text).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}[+-]\d\d:\d\d \[error\] problem code=throttled detail=token endpoint answered HTTP 429\n$/);
    if (process.platform !== 'win32') expect(statSync(path.join(dir, LOG_FILE)).mode & 0o777).toBe(0o640);
  });

  it('rotates at the size cap and keeps only the configured number of old files', () => {
    const dir = tempDir();
    const log = openDiagnosticsLog({ dir, maxBytes: 400, keep: 2 });
    for (let i = 0; i < 60; i += 1) log.write({ kind: 'config-warning', text: `warning number ${String(i).padStart(3, '0')}` });
    const files = log.files();
    expect(files.map((f) => path.basename(f))).toEqual(['scrub-in.log', 'scrub-in.1.log', 'scrub-in.2.log']);
    for (const f of files) expect(statSync(f).size).toBeLessThan(400 + 120);
    // Newest first: the current file holds the last warning, the oldest kept file only earlier ones.
    expect(readFileSync(files[0] ?? '', 'utf8')).toContain('warning number 059');
    const oldest = readFileSync(files[2] ?? '', 'utf8');
    expect(oldest).not.toContain('warning number 059');
    expect(oldest).not.toContain('warning number 000');
  });
});

describe('--collect-diagnostics bundle', () => {
  it('holds the logs, the effective configuration, versions and the audit verification, and no secret', () => {
    const dir = tempDir();
    const log = openDiagnosticsLog({ dir: path.join(dir, 'logs') });
    log.write({ kind: 'problem', code: 'network', detail: `refresh with ${JWT}` });
    const auditPath = path.join(dir, 'audit.jsonl');
    const audit = openAuditLog({ path: auditPath, terminalId: 'OR-07' });
    audit.append({ event: 'terminal-start', outcome: 'ok', mode: 'shared' });
    audit.close();
    const config = ConfigSchema.parse({
      userPool: { issuer: 'https://cognito-idp.us-east-1.amazonaws.com/us-east-1_AbC123xyz', clientId: '1example23456789abcdefghij', domain: 'https://or.auth.us-east-1.amazoncognito.com' },
      redirectUri: 'app.scrubin:/callback',
      logoutUri: 'app.scrubin:/signed-out',
    });
    const out = path.join(dir, 'ticket.zip');
    const names = collectDiagnostics({
      out,
      logFiles: log.files(),
      config: { config, source: { kind: 'machine', path: '/etc/scrubin/config.json' } },
      auditLogPath: auditPath,
      versions: { app: '0.1.0', node: process.versions.node },
    });
    expect(names.sort()).toEqual(['README.txt', 'audit-verification.txt', 'configuration.json', 'logs/scrub-in.log', 'versions.json']);
    const entries = unzipSync(readFileSync(out));
    const read = (name: string): string => new TextDecoder().decode(entries[name]);
    expect(Object.keys(entries).sort()).toEqual(names.sort());
    expect(JSON.parse(read('configuration.json'))).toMatchObject({ source: 'machine (/etc/scrubin/config.json)', config: { userPool: { clientId: '1example23456789abcdefghij' } } });
    expect(read('audit-verification.txt')).toBe(`${auditPath}: 2 records, chain intact\n`);
    expect(JSON.parse(read('versions.json'))).toMatchObject({ app: '0.1.0' });
    const all = Object.keys(entries).map(read).join('\n');
    expect(all).not.toContain(JWT.slice(0, 30));
    expect(all).not.toContain('eyJ');
    if (process.platform !== 'win32') expect(statSync(out).mode & 0o777).toBe(0o600);
  });

  it('says why when no configuration could be loaded, and when there is no audit log', () => {
    const dir = tempDir();
    const out = path.join(dir, 'ticket.zip');
    writeFileSync(path.join(dir, 'placeholder'), '');
    collectDiagnostics({ out, logFiles: [], config: undefined, configError: 'config_invalid: terminal.mode', auditLogPath: path.join(dir, 'none.jsonl'), versions: {} });
    const entries = unzipSync(readFileSync(out));
    expect(new TextDecoder().decode(entries['configuration.json'])).toContain('config_invalid: terminal.mode');
    expect(new TextDecoder().decode(entries['audit-verification.txt'])).toContain('no audit log');
  });
});
