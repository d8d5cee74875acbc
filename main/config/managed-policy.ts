/**
 * Configuration only IT can set, read from the OS's policy store: on Windows the registry key
 * HKLM\SOFTWARE\Policies\ScrubIn (Group Policy / Intune, template in build/policy/), on macOS the managed
 * preferences domain app.scrubin.terminal (a configuration profile). Either may hold the configuration itself
 * (`Config`: JSON text in the registry, a dictionary in the profile) or the path of a configuration file
 * (`ConfigFile`). Linux has no such store: the machine file /etc/scrubin/config.json is its policy.
 * The OS is reached through an injected `run` (reg.exe / plutil), so the parsing is tested with recorded output.
 */
import path from 'node:path';
import { z } from 'zod';

export const POLICY_KEY = 'HKLM\\SOFTWARE\\Policies\\ScrubIn';
export const MANAGED_PREFERENCES_FILE = '/Library/Managed Preferences/app.scrubin.terminal.plist';

/**
 * What the OS policy store says: the configuration itself, a file to read it from, or a value that is there but
 * unusable (refused by the loader with this problem: IT's word never silently falls back to a weaker source).
 */
export type ManagedPolicy =
  | { kind: 'inline'; origin: string; raw: unknown }
  | { kind: 'file'; origin: string; path: string }
  | { kind: 'invalid'; origin: string; problem: string };

/** Runs a program and returns its stdout, or undefined when it fails or does not exist. */
export type RunProgram = (file: string, args: readonly string[]) => string | undefined;

const ConfigFileValue = z
  .string()
  .trim()
  .min(1)
  .refine((p) => path.win32.isAbsolute(p) || path.posix.isAbsolute(p), 'expected an absolute path');

/** Values of `reg query <key>` output: lines "    Name    REG_SZ    value". */
export function parseRegQuery(output: string): Map<string, string> {
  const values = new Map<string, string>();
  for (const line of output.split(/\r?\n/)) {
    const match = /^\s{2,}(\S+)\s+(REG_SZ|REG_EXPAND_SZ)\s{2,}(.*)$/.exec(line);
    if (match?.[1] && match[3] !== undefined) values.set(match[1], match[3].trim());
  }
  return values;
}

function fromValues(config: unknown, file: unknown, origin: string): ManagedPolicy | undefined {
  if (config !== undefined) return { kind: 'inline', origin: `${origin} Config`, raw: config };
  if (file === undefined) return undefined;
  const checked = ConfigFileValue.safeParse(file);
  if (!checked.success) return { kind: 'invalid', origin: `${origin} ConfigFile`, problem: 'expected the absolute path of a configuration file' };
  return { kind: 'file', origin: `${origin} ConfigFile`, path: checked.data };
}

/** Windows: the policy key's `Config` (JSON text) or `ConfigFile` value. */
export function readWindowsPolicy(run: RunProgram): ManagedPolicy | undefined {
  const output = run('reg.exe', ['query', POLICY_KEY]);
  if (output === undefined) return undefined; // no key (reg.exe exits 1): no policy
  const values = parseRegQuery(output);
  const text = values.get('Config');
  let config: unknown;
  if (text !== undefined) {
    try {
      config = JSON.parse(text);
    } catch (error) {
      return { kind: 'invalid', origin: `${POLICY_KEY} Config`, problem: `the value is not valid JSON: ${(error as Error).message}` };
    }
  }
  return fromValues(config, values.get('ConfigFile'), POLICY_KEY);
}

const ManagedPreferences = z.looseObject({ Config: z.unknown().optional(), ConfigFile: z.unknown().optional() });

/** macOS: the managed preferences domain's `Config` (dictionary) or `ConfigFile` key. */
export function readMacPolicy(run: RunProgram, exists: (file: string) => boolean): ManagedPolicy | undefined {
  if (!exists(MANAGED_PREFERENCES_FILE)) return undefined;
  const json = run('/usr/bin/plutil', ['-convert', 'json', '-o', '-', MANAGED_PREFERENCES_FILE]);
  let parsed: unknown;
  try {
    parsed = json === undefined ? undefined : JSON.parse(json);
  } catch {
    parsed = undefined;
  }
  const prefs = ManagedPreferences.safeParse(parsed);
  // A profile that is there but cannot be read must not silently fall back to a weaker source.
  if (!prefs.success) return { kind: 'invalid', origin: MANAGED_PREFERENCES_FILE, problem: 'the managed preferences could not be read (plutil failed or the profile is not a dictionary)' };
  return fromValues(prefs.data.Config, prefs.data.ConfigFile, MANAGED_PREFERENCES_FILE);
}

/** The policy reader of this OS (none on Linux and elsewhere). */
export function readManagedPolicy(platform: NodeJS.Platform, run: RunProgram, exists: (file: string) => boolean): ManagedPolicy | undefined {
  if (platform === 'win32') return readWindowsPolicy(run);
  if (platform === 'darwin') return readMacPolicy(run, exists);
  return undefined;
}
