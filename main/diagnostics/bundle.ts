/**
 * `--collect-diagnostics <file.zip>`: one file for a support ticket with the diagnostics logs, the effective
 * configuration (it holds no secret: client ids, URLs and policy only), versions, and the audit log's verification
 * result (not the audit log itself: it names people). Nothing is read from the keychain.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { arch, release } from 'node:os';
import path from 'node:path';
import { zipSync } from 'fflate';
import type { Config, ConfigSource } from '../config';
import { verifyAuditLog } from '../terminal/audit-verifier';

export interface BundleInput {
  /** Where the zip is written (replaced if it exists). */
  out: string;
  /** The diagnostics log files, newest first. */
  logFiles: readonly string[];
  /** The effective configuration and where it came from; undefined when none could be loaded (then `configError`). */
  config: { config: Config; source: ConfigSource } | undefined;
  configError?: string;
  auditLogPath: string;
  versions: Record<string, string>;
}

/** Writes the bundle and returns the names of its entries. */
export function collectDiagnostics(input: BundleInput): string[] {
  const encode = (text: string): Uint8Array => new TextEncoder().encode(text);
  const files: Record<string, Uint8Array> = {};
  for (const file of input.logFiles) files[`logs/${path.basename(file)}`] = readFileSync(file);
  files['configuration.json'] = encode(
    `${JSON.stringify(input.config ? { source: describeSource(input.config.source), config: input.config.config } : { error: input.configError ?? 'no configuration' }, null, 2)}\n`,
  );
  files['versions.json'] = encode(`${JSON.stringify({ ...input.versions, os: `${process.platform} ${release()} ${arch()}` }, null, 2)}\n`);
  files['audit-verification.txt'] = encode(auditSummary(input.auditLogPath));
  files['README.txt'] = encode(
    [
      'Scrub In diagnostics bundle',
      `Created ${new Date().toISOString()}.`,
      'logs/: the diagnostics log (secret-free by construction: typed events, redacted details).',
      'configuration.json: the effective configuration and its source (no secrets are configured in Scrub In).',
      'versions.json: app, runtime and OS versions.',
      'audit-verification.txt: whether the audit log hash chain is intact (the log itself is not included).',
      '',
    ].join('\n'),
  );
  writeFileSync(input.out, zipSync(files, { level: 6 }), { mode: 0o600 });
  return Object.keys(files);
}

function describeSource(source: ConfigSource): string {
  switch (source.kind) {
    case 'policy':
      return `OS policy (${source.policy.origin})`;
    case 'embedded':
      return 'embedded local-cognito (development)';
    default:
      return `${source.kind} (${source.path})`;
  }
}

function auditSummary(file: string): string {
  if (!existsSync(file)) return `${file}: no audit log (nothing signed in on this terminal yet, or another auditLogPath)\n`;
  const result = verifyAuditLog(file);
  if (!result.ok) return `${file}: BROKEN at line ${String(result.line)}: ${result.reason}\n`;
  const lines = [`${file}: ${String(result.records.length)} records, chain intact`];
  for (const finding of result.findings) lines.push(`FINDING line ${String(finding.line)} (${finding.kind}): ${finding.detail}`);
  return `${lines.join('\n')}\n`;
}
