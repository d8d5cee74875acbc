import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, statSync, type Stats } from 'node:fs';
import { hostname } from 'node:os';
import path from 'node:path';
import type { z } from 'zod';
import { ScrubInError } from '../errors';
import { readManagedPolicy, type ManagedPolicy } from './managed-policy';
import { ConfigSchema, type Config } from './schema';

/** Where the machine-wide, IT-managed configuration lives on each OS. */
export function machineConfigPath(platform: NodeJS.Platform, env: NodeJS.ProcessEnv = process.env): string {
  switch (platform) {
    case 'win32':
      return path.win32.join(env.ProgramData ?? 'C:\\ProgramData', 'ScrubIn', 'config.json');
    case 'darwin':
      return '/Library/Application Support/ScrubIn/config.json';
    default:
      return '/etc/scrubin/config.json';
  }
}

export type ConfigSource =
  | { kind: 'cli'; path: string }
  | { kind: 'env'; path: string }
  | { kind: 'machine'; path: string }
  | { kind: 'policy'; policy: ManagedPolicy }
  | { kind: 'embedded' };

export interface ResolvedConfig {
  config: Config;
  source: ConfigSource;
  /** Notes for IT, e.g. that a user-supplied path was ignored because the machine config wins. */
  warnings: string[];
}

export interface LoadOptions {
  argv?: readonly string[];
  env?: NodeJS.ProcessEnv;
  platform?: NodeJS.Platform;
  /**
   * Packaged builds read only the machine-managed file: --config / SCRUBIN_CONFIG are ignored unless that file
   * sets `allowUserConfig: true`.
   */
  packaged?: boolean;
  /** Override of the machine config path (tests). */
  machinePath?: string;
  fileExists?: (file: string) => boolean;
  /** Whether the machine file at this path sets `allowUserConfig` (default: read and validate it). */
  machineAllowsUserConfig?: (file: string) => boolean;
  /** What the OS policy store holds (registry / managed preferences); default: read it. `null` = none (tests). */
  managedPolicy?: ManagedPolicy | null;
}

/** Reads the OS policy store for real: reg.exe on Windows, plutil on macOS; nothing elsewhere. */
export function systemManagedPolicy(platform: NodeJS.Platform): ManagedPolicy | undefined {
  const run = (file: string, args: readonly string[]): string | undefined => {
    try {
      return execFileSync(file, args, { encoding: 'utf8', timeout: 5_000, windowsHide: true, stdio: ['ignore', 'pipe', 'ignore'] });
    } catch {
      return undefined;
    }
  };
  return readManagedPolicy(platform, run, existsSync);
}

/** Reads `--config <file>` or `--config=<file>` from argv. */
export function configPathFromArgv(argv: readonly string[]): string | undefined {
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--config') return argv[i + 1];
    if (arg?.startsWith('--config=')) return arg.slice('--config='.length);
  }
  return undefined;
}

/**
 * Picks the configuration source. IT's sources, strongest first: the OS policy store (Windows registry policy,
 * macOS configuration profile), then the machine file. Packaged builds read only those, so users cannot override
 * IT: `--config` / `SCRUBIN_CONFIG` are ignored (with a warning) unless the winning IT source itself sets
 * `allowUserConfig: true`; with no IT source a packaged build gets `embedded`, which it refuses (config_missing).
 * Unpackaged (development) builds take `--config` / `SCRUBIN_CONFIG` first, then IT's sources, then the embedded
 * local-cognito default (`{kind: 'embedded'}`; the caller starts local-cognito for it).
 */
export function chooseConfigSource(options: LoadOptions = {}): { source: ConfigSource; warnings: string[] } {
  const env = options.env ?? process.env;
  const platform = options.platform ?? process.platform;
  const exists = options.fileExists ?? ((file: string) => statSafe(file) !== undefined);
  const machine = options.machinePath ?? machineConfigPath(platform, env);
  const cli = configPathFromArgv(options.argv ?? process.argv);
  const fromEnv = env.SCRUBIN_CONFIG?.trim() || undefined;
  const user: ConfigSource | undefined = cli ? { kind: 'cli', path: path.resolve(cli) } : fromEnv ? { kind: 'env', path: path.resolve(fromEnv) } : undefined;
  const warnings: string[] = [];
  // A development build given --config / SCRUBIN_CONFIG takes it without asking the OS policy store (no reg.exe run).
  if (user && !options.packaged) return { source: user, warnings };
  const policy = options.managedPolicy === undefined ? systemManagedPolicy(platform) : (options.managedPolicy ?? undefined);
  const it: ConfigSource | undefined = policy ? { kind: 'policy', policy } : exists(machine) ? { kind: 'machine', path: machine } : undefined;

  if (options.packaged) {
    const itName = it?.kind === 'policy' ? `the OS policy (${it.policy.origin})` : `the machine-managed configuration ${machine}`;
    if (user && it && allowsUserConfig(it, platform, options.machineAllowsUserConfig)) {
      warnings.push(`Using ${user.kind === 'cli' ? '--config' : 'SCRUBIN_CONFIG'} (${user.path}): ${itName} allows it (allowUserConfig).`);
      return { source: user, warnings };
    }
    if (user) {
      warnings.push(`Ignored ${user.kind === 'cli' ? '--config' : 'SCRUBIN_CONFIG'} (${user.path}): a packaged build reads only ${itName}${it ? ', which does not set allowUserConfig' : ' (or an OS policy)'}.`);
    }
    if (it?.kind === 'policy' && exists(machine)) warnings.push(`Ignored ${machine}: ${itName} takes precedence over the machine file.`);
  }
  return { source: it ?? { kind: 'embedded' }, warnings };
}

/** Whether IT's winning source lets a user's `--config` / `SCRUBIN_CONFIG` replace it (an unreadable source does not). */
function allowsUserConfig(source: ConfigSource, platform: NodeJS.Platform, machineAllows: LoadOptions['machineAllowsUserConfig']): boolean {
  try {
    if (source.kind === 'machine') return (machineAllows ?? ((file: string) => readConfigFile(file, { platform, machineManaged: true }).allowUserConfig))(source.path);
    if (source.kind === 'policy') return readSource(source, platform).allowUserConfig;
  } catch {
    // An invalid IT configuration is reported when it is loaded; it never hands control to the user.
  }
  return false;
}

/** Reads and validates the configuration of an IT or user source. */
function readSource(source: Exclude<ConfigSource, { kind: 'embedded' }>, platform: NodeJS.Platform): Config {
  if (source.kind !== 'policy') return readConfigFile(source.path, { platform, machineManaged: source.kind === 'machine' });
  const { policy } = source;
  switch (policy.kind) {
    case 'inline':
      return parseConfig(policy.raw, policy.origin);
    case 'file':
      return readConfigFile(policy.path, { platform, machineManaged: true });
    case 'invalid':
      throw configError(policy.origin, [policy.problem]);
  }
}

/** Reads and validates one configuration file. Throws `config_invalid` naming the file, the field and the fix. */
export function readConfigFile(file: string, options: { platform?: NodeJS.Platform; machineManaged?: boolean } = {}): Config {
  const platform = options.platform ?? process.platform;
  const stat = statSafe(file);
  if (!stat) throw configError(file, [`the file does not exist or cannot be read`]);
  if (!stat.isFile()) throw configError(file, [`expected a regular file`]);
  if (options.machineManaged && platform !== 'win32' && (stat.mode & 0o002) !== 0) {
    throw configError(file, [`the file is world-writable (mode ${(stat.mode & 0o777).toString(8)}); any user could change it. Run: chmod o-w "${file}"`]);
  }
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw configError(file, [`the file cannot be read (${(error as NodeJS.ErrnoException).code ?? 'unknown error'})`], error);
  }
  return parseConfigText(text, file);
}

/** Parses configuration text (JSON) and validates it. `origin` names the source in errors. */
export function parseConfigText(text: string, origin: string): Config {
  if (text.trim() === '') throw configError(origin, ['the file is empty; expected a JSON object (see docs/configuration in README)']);
  let raw: unknown;
  try {
    raw = JSON.parse(text.replace(/^\uFEFF/, ''));
  } catch (error) {
    throw configError(origin, [`the file is not valid JSON: ${(error as Error).message}`], error);
  }
  return parseConfig(raw, origin);
}

export function parseConfig(raw: unknown, origin: string): Config {
  // reportInput: zod 4 leaves `input` off its issues otherwise, and formatIssues would call every wrong type "missing".
  const result = ConfigSchema.safeParse(raw, { reportInput: true });
  if (!result.success) throw configError(origin, formatIssues(result.error.issues));
  return result.data;
}

/** Turns zod issues into "field.path: what is expected" lines. */
export function formatIssues(issues: readonly z.core.$ZodIssue[]): string[] {
  return issues.map((issue) => {
    const field = issue.path.length ? issue.path.map(String).join('.') : '(top level)';
    if (issue.code === 'unrecognized_keys') {
      const base = issue.path.length ? `${field}.` : '';
      return `${issue.keys.map((k) => base + k).join(', ')}: unknown field${issue.keys.length > 1 ? 's' : ''}; remove ${issue.keys.length > 1 ? 'them' : 'it'} or check the spelling`;
    }
    if (issue.code === 'invalid_type' && issue.input === undefined) return `${field}: required field is missing (expected ${issue.expected})`;
    return `${field}: ${issue.message}`;
  });
}

function configError(origin: string, problems: string[], cause?: unknown): ScrubInError {
  return new ScrubInError('config_invalid', {
    detail: `Invalid configuration in ${origin}:\n  - ${problems.join('\n  - ')}`,
    cause,
  });
}

function statSafe(file: string): Stats | undefined {
  try {
    return statSync(file);
  } catch {
    return undefined;
  }
}

/** Terminal id default: the host name, reduced to the allowed characters. */
export function defaultTerminalId(): string {
  return hostname().replace(/[^\w.-]/g, '-').slice(0, 64) || 'terminal';
}

/**
 * Resolves the configuration for this launch. Returns `{source: {kind: 'embedded'}}` with no config when
 * nothing is configured, so the caller can start local-cognito (development) or refuse (packaged).
 */
export function loadConfig(options: LoadOptions = {}): ResolvedConfig | { source: { kind: 'embedded' }; warnings: string[] } {
  const { source, warnings } = chooseConfigSource(options);
  if (source.kind === 'embedded') return { source, warnings };
  return { config: readSource(source, options.platform ?? process.platform), source, warnings };
}
