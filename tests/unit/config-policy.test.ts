/**
 * Configuration only IT can set: the OS policy store (Windows registry policy, macOS configuration profile) read
 * through a fake `run`, and where it stands among the other sources (OS policy > machine file > user).
 */
import { chmodSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  chooseConfigSource,
  loadConfig,
  MANAGED_PREFERENCES_FILE,
  parseRegQuery,
  POLICY_KEY,
  readMacPolicy,
  readWindowsPolicy,
  systemManagedPolicy,
  type ConfigInput,
  type ManagedPolicy,
} from '../../main/config';
import { isScrubInError, type ScrubInError } from '../../main/errors';

const valid: ConfigInput = {
  userPool: {
    issuer: 'https://cognito-idp.us-east-1.amazonaws.com/us-east-1_AbC123xyz',
    clientId: '1example23456789abcdefghij',
    domain: 'https://or-hospital.auth.us-east-1.amazoncognito.com',
  },
  redirectUri: 'app.scrubin:/callback',
  logoutUri: 'app.scrubin:/signed-out',
};

/** `reg query` output as Windows prints it (CRLF, four-space columns). */
function regOutput(values: Record<string, string>): string {
  const lines = Object.entries(values).map(([name, value]) => `    ${name}    REG_SZ    ${value}`);
  return ['', POLICY_KEY, ...lines, '', ''].join('\r\n');
}

const runReturning =
  (output: string | undefined) =>
  (file: string, args: readonly string[]): string | undefined => {
    expect([file, ...args].join(' ')).toMatch(/^reg\.exe query HKLM\\SOFTWARE\\Policies\\ScrubIn$|^\/usr\/bin\/plutil -convert json -o - /);
    return output;
  };

describe('Windows registry policy (HKLM\\SOFTWARE\\Policies\\ScrubIn)', () => {
  it('parses reg query output, values with spaces included', () => {
    const values = parseRegQuery(regOutput({ ConfigFile: 'C:\\Program Data\\ScrubIn\\or.json', Other: 'x' }));
    expect(values.get('ConfigFile')).toBe('C:\\Program Data\\ScrubIn\\or.json');
    expect(values.get('Other')).toBe('x');
  });

  it('no key (reg.exe fails): no policy', () => {
    expect(readWindowsPolicy(runReturning(undefined))).toBeUndefined();
  });

  it('Config holds the configuration itself as JSON text', () => {
    const policy = readWindowsPolicy(runReturning(regOutput({ Config: JSON.stringify(valid) })));
    expect(policy).toEqual({ kind: 'inline', origin: `${POLICY_KEY} Config`, raw: valid });
  });

  it('ConfigFile names a configuration file', () => {
    expect(readWindowsPolicy(runReturning(regOutput({ ConfigFile: 'D:\\it\\scrubin.json' })))).toEqual({ kind: 'file', origin: `${POLICY_KEY} ConfigFile`, path: 'D:\\it\\scrubin.json' });
  });

  it('Config wins when both are set', () => {
    expect(readWindowsPolicy(runReturning(regOutput({ ConfigFile: 'D:\\a.json', Config: '{}' })))?.kind).toBe('inline');
  });

  it('Config that is not JSON, or a relative ConfigFile, is an invalid policy (never ignored)', () => {
    expect(readWindowsPolicy(runReturning(regOutput({ Config: '{"userPool":' })))).toMatchObject({ kind: 'invalid', origin: `${POLICY_KEY} Config` });
    expect(readWindowsPolicy(runReturning(regOutput({ ConfigFile: 'scrubin.json' })))).toMatchObject({ kind: 'invalid', origin: `${POLICY_KEY} ConfigFile` });
  });

  it.runIf(process.platform === 'win32')('reads this machine\'s registry without failing', () => {
    expect(() => systemManagedPolicy('win32')).not.toThrow();
  });
});

describe('macOS managed preferences (app.scrubin.terminal)', () => {
  const present = (file: string): boolean => file === MANAGED_PREFERENCES_FILE;

  it('no profile installed: no policy (plutil is not even run)', () => {
    expect(readMacPolicy(() => expect.unreachable('plutil ran'), () => false)).toBeUndefined();
  });

  it('Config holds the configuration as a dictionary', () => {
    expect(readMacPolicy(runReturning(JSON.stringify({ Config: valid })), present)).toEqual({ kind: 'inline', origin: `${MANAGED_PREFERENCES_FILE} Config`, raw: valid });
  });

  it('ConfigFile names a configuration file', () => {
    expect(readMacPolicy(runReturning(JSON.stringify({ ConfigFile: '/Library/ScrubIn/or.json' })), present)).toMatchObject({ kind: 'file', path: '/Library/ScrubIn/or.json' });
  });

  it('a profile that cannot be read is an invalid policy', () => {
    expect(readMacPolicy(runReturning(undefined), present)).toMatchObject({ kind: 'invalid', origin: MANAGED_PREFERENCES_FILE });
    expect(readMacPolicy(runReturning('[1, 2]'), present)).toMatchObject({ kind: 'invalid' });
  });

  it.runIf(process.platform === 'darwin')('reads this machine\'s managed preferences without failing', () => {
    expect(() => systemManagedPolicy('darwin')).not.toThrow();
  });
});

describe('precedence: OS policy > machine file > user (packaged builds)', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'scrubin-policy-'));
  const userFile = path.join(dir, 'user.json');
  const machineFile = path.join(dir, 'machine.json');
  writeFileSync(userFile, JSON.stringify({ ...valid, terminal: { terminalId: 'USER' } }));
  writeFileSync(machineFile, JSON.stringify({ ...valid, terminal: { terminalId: 'MACHINE' } }));
  chmodSync(machineFile, 0o644);
  const inline = (config: unknown): ManagedPolicy => ({ kind: 'inline', origin: `${POLICY_KEY} Config`, raw: config });
  const policyConfig = { ...valid, terminal: { terminalId: 'POLICY' } };

  it('the OS policy wins over the machine file and over --config, and says what it ignored', () => {
    const loaded = loadConfig({ argv: ['--config', userFile], env: {}, machinePath: machineFile, packaged: true, managedPolicy: inline(policyConfig) });
    expect('config' in loaded && loaded.config.terminal.terminalId).toBe('POLICY');
    expect(loaded.source.kind).toBe('policy');
    expect(loaded.warnings.join('\n')).toMatch(/Ignored --config .*the OS policy .*does not set allowUserConfig/);
    expect(loaded.warnings.join('\n')).toContain(`Ignored ${machineFile}`);
  });

  it('without an OS policy the machine file wins over --config', () => {
    const loaded = loadConfig({ argv: ['--config', userFile], env: {}, machinePath: machineFile, packaged: true, managedPolicy: null });
    expect('config' in loaded && loaded.config.terminal.terminalId).toBe('MACHINE');
  });

  it('an OS policy with allowUserConfig: true lets --config through', () => {
    const loaded = loadConfig({ argv: ['--config', userFile], env: {}, machinePath: machineFile, packaged: true, managedPolicy: inline({ ...policyConfig, allowUserConfig: true }) });
    expect('config' in loaded && loaded.config.terminal.terminalId).toBe('USER');
  });

  it('a policy file is read like the machine file (world-writable refused)', () => {
    const file = path.join(dir, 'policy.json');
    writeFileSync(file, JSON.stringify(policyConfig));
    chmodSync(file, 0o644);
    const policy: ManagedPolicy = { kind: 'file', origin: `${POLICY_KEY} ConfigFile`, path: file };
    const loaded = loadConfig({ argv: [], env: {}, machinePath: machineFile, packaged: true, managedPolicy: policy });
    expect('config' in loaded && loaded.config.terminal.terminalId).toBe('POLICY');
    chmodSync(file, 0o666);
    expect(() => loadConfig({ argv: [], env: {}, packaged: true, managedPolicy: policy })).toThrow(/world-writable/);
  });

  it('an invalid OS policy stops the launch naming the policy; it never falls back to the machine file or the user', () => {
    const policy: ManagedPolicy = { kind: 'invalid', origin: `${POLICY_KEY} Config`, problem: 'the value is not valid JSON' };
    let error: unknown;
    try {
      loadConfig({ argv: ['--config', userFile], env: {}, machinePath: machineFile, packaged: true, managedPolicy: policy });
    } catch (e) {
      error = e;
    }
    expect(isScrubInError(error, 'config_invalid')).toBe(true);
    expect((error as ScrubInError).detail).toContain(`${POLICY_KEY} Config`);
  });

  it('an inline policy that fails validation names the field', () => {
    expect(() => loadConfig({ argv: [], env: {}, packaged: true, managedPolicy: inline({ ...valid, terminal: { mode: 'kiosk' } }) })).toThrow(/terminal\.mode/);
  });

  it('unpackaged (development): --config first, then the OS policy, then the machine file', () => {
    const policy = inline(policyConfig);
    expect(chooseConfigSource({ argv: ['--config', userFile], env: {}, machinePath: machineFile, managedPolicy: policy }).source.kind).toBe('cli');
    expect(chooseConfigSource({ argv: [], env: {}, machinePath: machineFile, managedPolicy: policy }).source.kind).toBe('policy');
    expect(chooseConfigSource({ argv: [], env: {}, machinePath: machineFile, managedPolicy: null }).source.kind).toBe('machine');
  });
});

describe('Group Policy template (build/policy)', () => {
  const root = path.resolve(import.meta.dirname, '../..');
  const admx = readFileSync(path.join(root, 'build/policy/ScrubIn.admx'), 'utf8');
  const adml = readFileSync(path.join(root, 'build/policy/en-US/ScrubIn.adml'), 'utf8');

  it('writes the key and the value names Scrub In reads, as REG_SZ (text elements)', () => {
    expect([...admx.matchAll(/key="([^"]+)"/g)].map((m) => `HKLM\\${m[1] ?? ''}`)).toEqual([POLICY_KEY, POLICY_KEY]);
    expect([...admx.matchAll(/<(\w+) id="\w+" valueName="(\w+)"/g)].map((m) => `${m[1] ?? ''}:${m[2] ?? ''}`)).toEqual(['text:ConfigFile', 'text:Config']);
    expect(admx).toContain('class="Machine"');
    expect(admx).not.toContain('class="User"');
  });

  it('every string and presentation the template refers to is defined in the en-US resources', () => {
    for (const [, id] of admx.matchAll(/\$\(string\.(\w+)\)/g)) expect(adml).toContain(`<string id="${id ?? ''}">`);
    for (const [, id] of admx.matchAll(/\$\(presentation\.(\w+)\)/g)) expect(adml).toContain(`<presentation id="${id ?? ''}">`);
    for (const [, id] of admx.matchAll(/<text id="(\w+)"/g)) expect(adml).toContain(`refId="${id ?? ''}"`);
  });
});
