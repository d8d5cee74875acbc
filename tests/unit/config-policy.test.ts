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
  readManagedPolicy,
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
    expect([file, ...args]).toSatisfy(
      (command: string[]) =>
        JSON.stringify(command) === JSON.stringify(['reg.exe', 'query', POLICY_KEY]) ||
        JSON.stringify(command) === JSON.stringify(['/usr/bin/plutil', '-convert', 'json', '-o', '-', MANAGED_PREFERENCES_FILE]),
    );
    return output;
  };

/** An invalid policy stops the launch: config_invalid, the policy named first, one non-empty reason. */
function expectInvalidPolicy(policy: ManagedPolicy | undefined, origin: string): void {
  let error: unknown;
  try {
    loadConfig({ argv: [], env: {}, packaged: true, fileExists: () => false, managedPolicy: policy ?? null });
  } catch (e) {
    error = e;
  }
  expect(isScrubInError(error, 'config_invalid')).toBe(true);
  const [head, ...problems] = ((error as ScrubInError).detail ?? '').split('\n');
  expect(head).toBe(`Invalid configuration in ${origin}:`);
  expect(problems).toHaveLength(1);
  expect(problems[0]).toMatch(/^ {2}- \S/);
}

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

  it('reads REG_SZ and REG_EXPAND_SZ values (CRLF or LF), not other types, the key line or a name without its columns', () => {
    const lines = [
      '',
      'HKEY_LOCAL_MACHINE\\SOFTWARE\\Policies\\ScrubIn',
      '    ConfigFile    REG_EXPAND_SZ    D:\\IT files\\scrub in.json   ',
      '    Config    REG_DWORD    0x1',
      '    Note    REG_MULTI_SZ    a\\0b',
      '    Ward    REG_SZ    Operating Room 7',
      '    Empty    REG_SZ    ',
      ' Stray REG_SZ    x',
      '',
    ];
    for (const eol of ['\r\n', '\n']) {
      expect([...parseRegQuery(lines.join(eol))], JSON.stringify(eol)).toEqual([
        ['ConfigFile', 'D:\\IT files\\scrub in.json'],
        ['Ward', 'Operating Room 7'],
        ['Empty', ''],
      ]);
    }
  });

  it('a key with neither Config nor ConfigFile (other values only) is no policy', () => {
    expect(readWindowsPolicy(runReturning(regOutput({ Ward: 'OR 7' })))).toBeUndefined();
    expect(readWindowsPolicy(runReturning(['', POLICY_KEY, '', ''].join('\r\n')))).toBeUndefined();
  });

  it('a Config of REG_DWORD type is not read as the configuration; a REG_EXPAND_SZ ConfigFile is', () => {
    const output = ['', POLICY_KEY, '    Config    REG_DWORD    0x1', '    ConfigFile    REG_EXPAND_SZ    D:\\it\\scrubin.json', ''].join('\r\n');
    expect(readWindowsPolicy(runReturning(output))).toEqual({ kind: 'file', origin: `${POLICY_KEY} ConfigFile`, path: 'D:\\it\\scrubin.json' });
  });

  it('an invalid Config or ConfigFile stops the launch naming the value, with a reason for IT', () => {
    for (const [values, origin] of [
      [{ Config: '{"userPool":' }, `${POLICY_KEY} Config`],
      [{ Config: 'C:\\ScrubIn\\config.json' }, `${POLICY_KEY} Config`],
      [{ ConfigFile: 'scrubin.json' }, `${POLICY_KEY} ConfigFile`],
      [{ ConfigFile: '%ProgramData%\\ScrubIn\\config.json' }, `${POLICY_KEY} ConfigFile`],
    ] as const) {
      const policy = readWindowsPolicy(runReturning(regOutput(values)));
      expect(policy, JSON.stringify(values)).toMatchObject({ kind: 'invalid', origin });
      expectInvalidPolicy(policy, origin);
    }
  });

  it.runIf(process.platform === 'win32')('reads this machine\'s registry without failing', () => {
    expect(() => systemManagedPolicy('win32')).not.toThrow();
  });
});

describe('macOS managed preferences (app.scrubin.terminal)', () => {
  const present = (file: string): boolean => file === MANAGED_PREFERENCES_FILE;

  it('the profile is read where macOS installs it for the app\'s bundle id (electron-builder appId)', () => {
    const appId = /^appId: (\S+)$/m.exec(readFileSync(path.resolve(import.meta.dirname, '../../electron-builder.yml'), 'utf8'))?.[1];
    expect(appId).toBe('app.scrubin.terminal');
    expect(MANAGED_PREFERENCES_FILE).toBe(`/Library/Managed Preferences/${appId ?? ''}.plist`);
  });

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

  it('a profile with other keys of the domain only is no policy; other keys beside ConfigFile are ignored', () => {
    expect(readMacPolicy(runReturning(JSON.stringify({ PayloadUUID: 'x', Ward: 'OR 7' })), present)).toBeUndefined();
    expect(readMacPolicy(runReturning('{}'), present)).toBeUndefined();
    expect(readMacPolicy(runReturning(JSON.stringify({ PayloadUUID: 'x', ConfigFile: '/Library/ScrubIn/or.json' })), present)).toEqual({
      kind: 'file',
      origin: `${MANAGED_PREFERENCES_FILE} ConfigFile`,
      path: '/Library/ScrubIn/or.json',
    });
  });

  it('ConfigFile is trimmed; Config wins over ConfigFile', () => {
    expect(readMacPolicy(runReturning(JSON.stringify({ ConfigFile: '  /Library/ScrubIn/or config.json \n' })), present)).toMatchObject({ kind: 'file', path: '/Library/ScrubIn/or config.json' });
    expect(readMacPolicy(runReturning(JSON.stringify({ ConfigFile: '/Library/ScrubIn/or.json', Config: valid })), present)).toMatchObject({ kind: 'inline', raw: valid });
  });

  it('a relative, empty or non-text ConfigFile is an invalid policy naming ConfigFile', () => {
    for (const ConfigFile of ['or.json', '', '   ', 42, ['/Library/ScrubIn/or.json']]) {
      const policy = readMacPolicy(runReturning(JSON.stringify({ ConfigFile })), present);
      expect(policy, JSON.stringify(ConfigFile)).toMatchObject({ kind: 'invalid', origin: `${MANAGED_PREFERENCES_FILE} ConfigFile` });
      expectInvalidPolicy(policy, `${MANAGED_PREFERENCES_FILE} ConfigFile`);
    }
  });

  it('plutil output that is not JSON, or not a dictionary, is an invalid policy (never a fallback to the machine file)', () => {
    for (const output of ['<?xml version="1.0"?><plist>', '', 'null', '"text"', '[1, 2]']) {
      const policy = readMacPolicy(runReturning(output), present);
      expect(policy, output).toMatchObject({ kind: 'invalid', origin: MANAGED_PREFERENCES_FILE });
      expectInvalidPolicy(policy, MANAGED_PREFERENCES_FILE);
    }
  });

  it.runIf(process.platform === 'darwin')('reads this machine\'s managed preferences without failing', () => {
    expect(() => systemManagedPolicy('darwin')).not.toThrow();
  });
});

describe('the policy reader of each OS', () => {
  it('Windows asks reg.exe, macOS the managed preferences file, Linux nothing', () => {
    const ran: string[] = [];
    const run = (file: string): string | undefined => {
      ran.push(file);
      return file === 'reg.exe' ? regOutput({ ConfigFile: 'D:\\it\\scrubin.json' }) : JSON.stringify({ ConfigFile: '/Library/ScrubIn/or.json' });
    };
    const asked: string[] = [];
    const exists = (file: string): boolean => {
      asked.push(file);
      return true;
    };
    expect(readManagedPolicy('win32', run, exists)).toMatchObject({ kind: 'file', path: 'D:\\it\\scrubin.json' });
    expect([ran, asked]).toEqual([['reg.exe'], []]);
    expect(readManagedPolicy('darwin', run, exists)).toMatchObject({ kind: 'file', path: '/Library/ScrubIn/or.json' });
    expect([ran, asked]).toEqual([['reg.exe', '/usr/bin/plutil'], [MANAGED_PREFERENCES_FILE]]);
    for (const platform of ['linux', 'freebsd'] as const) expect(readManagedPolicy(platform, run, exists)).toBeUndefined();
    expect(ran).toHaveLength(2);
    expect(asked).toHaveLength(1);
  });

  // The real reader runs reg.exe from PATH: a stand-in script answers as Windows would (stdout, noise on stderr).
  describe.skipIf(process.platform === 'win32')('systemManagedPolicy runs reg.exe and reads its output', () => {
    const bin = mkdtempSync(path.join(tmpdir(), 'scrubin-regexe-'));
    const dir = mkdtempSync(path.join(tmpdir(), 'scrubin-regpolicy-'));
    const policyFile = path.join(dir, 'policy.json');
    writeFileSync(policyFile, JSON.stringify({ ...valid, terminal: { terminalId: 'REGISTRY' } }));
    chmodSync(policyFile, 0o644);
    const fakeRegExe = (script: string): void => {
      writeFileSync(path.join(bin, 'reg.exe'), `#!/bin/sh\n${script}\n`);
      chmodSync(path.join(bin, 'reg.exe'), 0o755);
    };
    const withFakePath = <T>(body: () => T): T => {
      const saved = process.env.PATH;
      process.env.PATH = `${bin}${path.delimiter}${saved ?? ''}`;
      try {
        return body();
      } finally {
        process.env.PATH = saved;
      }
    };

    it('the policy key\'s ConfigFile becomes the source of a packaged Windows launch', () => {
      const key = POLICY_KEY.replaceAll('\\', '\\\\');
      fakeRegExe(`[ "$1" = query ] && [ "$2" = '${POLICY_KEY}' ] || exit 2\necho 'reg: diagnostic' >&2\nprintf '\\r\\n${key}\\r\\n    ConfigFile    REG_SZ    ${policyFile}\\r\\n\\r\\n'`);
      expect(withFakePath(() => systemManagedPolicy('win32'))).toEqual({ kind: 'file', origin: `${POLICY_KEY} ConfigFile`, path: policyFile });
      const loaded = withFakePath(() => loadConfig({ argv: [], env: {}, platform: 'win32', packaged: true, fileExists: () => false }));
      expect(loaded.source).toEqual({ kind: 'policy', policy: { kind: 'file', origin: `${POLICY_KEY} ConfigFile`, path: policyFile } });
      expect('config' in loaded && loaded.config.terminal.terminalId).toBe('REGISTRY');
    });

    it('no policy key (reg.exe exits 1): no policy, the machine file decides', () => {
      fakeRegExe(`echo 'ERROR: The system was unable to find the specified registry key or value.' >&2\nexit 1`);
      expect(withFakePath(() => systemManagedPolicy('win32'))).toBeUndefined();
      expect(withFakePath(() => chooseConfigSource({ argv: [], env: {}, platform: 'win32', packaged: true, machinePath: policyFile })).source).toEqual({ kind: 'machine', path: policyFile });
    });

    it('macOS without a configuration profile and Linux have no policy', () => {
      expect(systemManagedPolicy('darwin')).toBeUndefined();
      expect(systemManagedPolicy('linux')).toBeUndefined();
    });
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

  it('each warning names what was ignored and which IT source won (IT reads them in the diagnostics)', () => {
    const policy = inline(policyConfig);
    const origin = `${POLICY_KEY} Config`;
    // Policy, machine file and --config: two warnings, the user's file and the machine file.
    const both = chooseConfigSource({ argv: ['--config', userFile], env: {}, machinePath: machineFile, packaged: true, managedPolicy: policy });
    expect(both.warnings).toHaveLength(2);
    expect(both.warnings[0]).toContain(`--config (${userFile})`);
    expect(both.warnings[0]).toContain(origin);
    expect(both.warnings[0]).toContain('allowUserConfig');
    expect(both.warnings[1]).toContain(machineFile);
    expect(both.warnings[1]).toContain(origin);
    // No machine file: only the user's file is mentioned; no user choice: only the machine file.
    const noMachine = chooseConfigSource({ argv: ['--config', userFile], env: {}, fileExists: () => false, machinePath: machineFile, packaged: true, managedPolicy: policy });
    expect(noMachine.warnings).toHaveLength(1);
    expect(noMachine.warnings[0]).toContain(userFile);
    const noUser = chooseConfigSource({ argv: [], env: {}, machinePath: machineFile, packaged: true, managedPolicy: policy });
    expect(noUser.source.kind).toBe('policy');
    expect(noUser.warnings).toHaveLength(1);
    expect(noUser.warnings[0]).toContain(machineFile);
    expect(noUser.warnings[0]).not.toContain('--config');
    expect(chooseConfigSource({ argv: [], env: {}, fileExists: () => false, machinePath: machineFile, packaged: true, managedPolicy: policy }).warnings).toEqual([]);
    // Development builds do not warn: the policy simply wins over the machine file.
    expect(chooseConfigSource({ argv: [], env: {}, machinePath: machineFile, managedPolicy: policy }).warnings).toEqual([]);
  });

  it('SCRUBIN_CONFIG let through by the OS policy: one warning naming the variable, its file and the policy', () => {
    const chosen = chooseConfigSource({ argv: [], env: { SCRUBIN_CONFIG: userFile }, machinePath: machineFile, packaged: true, managedPolicy: inline({ ...policyConfig, allowUserConfig: true }) });
    expect(chosen.source).toEqual({ kind: 'env', path: userFile });
    expect(chosen.warnings).toHaveLength(1);
    expect(chosen.warnings[0]).toContain(`SCRUBIN_CONFIG (${userFile})`);
    expect(chosen.warnings[0]).toContain(`${POLICY_KEY} Config`);
    expect(chosen.warnings[0]).not.toContain('--config');
  });

  it('the machine file named in the warnings when it decides, or when nothing does', () => {
    const allowing = path.join(dir, 'machine-allowing.json');
    writeFileSync(allowing, JSON.stringify({ ...valid, allowUserConfig: true }));
    chmodSync(allowing, 0o644);
    const through = chooseConfigSource({ argv: ['--config', userFile], env: {}, machinePath: allowing, packaged: true, managedPolicy: null });
    expect(through.source).toEqual({ kind: 'cli', path: userFile });
    expect(through.warnings).toHaveLength(1);
    expect(through.warnings[0]).toContain(`--config (${userFile})`);
    expect(through.warnings[0]).toContain(allowing);
    const ignored = chooseConfigSource({ argv: [], env: { SCRUBIN_CONFIG: userFile }, machinePath: machineFile, packaged: true, managedPolicy: null });
    expect(ignored.source).toEqual({ kind: 'machine', path: machineFile });
    expect(ignored.warnings).toHaveLength(1);
    expect(ignored.warnings[0]).toContain(`SCRUBIN_CONFIG (${userFile})`);
    expect(ignored.warnings[0]).toContain(machineFile);
    expect(ignored.warnings[0]).toContain('allowUserConfig');
    // Nothing of IT's: the warning points at the machine file's place, and there is no allowUserConfig to set.
    const missing = path.join(dir, 'no-such-machine.json');
    const none = chooseConfigSource({ argv: ['--config', userFile], env: {}, machinePath: missing, packaged: true, managedPolicy: null });
    expect(none.source).toEqual({ kind: 'embedded' });
    expect(none.warnings).toHaveLength(1);
    expect(none.warnings[0]).toContain(missing);
    expect(none.warnings[0]).not.toContain('allowUserConfig');
  });

  it.skipIf(process.platform === 'win32')('a world-writable IT file that says allowUserConfig never lets --config through; the launch stops naming that file', () => {
    const loose = path.join(dir, 'loose-allowing.json');
    writeFileSync(loose, JSON.stringify({ ...valid, allowUserConfig: true }));
    chmodSync(loose, 0o666);
    for (const options of [
      { machinePath: loose, managedPolicy: null },
      { machinePath: machineFile, managedPolicy: { kind: 'file', origin: `${POLICY_KEY} ConfigFile`, path: loose } as ManagedPolicy },
    ]) {
      const chosen = chooseConfigSource({ argv: ['--config', userFile], env: {}, packaged: true, ...options });
      expect(chosen.source.kind).not.toBe('cli');
      let error: unknown;
      try {
        loadConfig({ argv: ['--config', userFile], env: {}, packaged: true, ...options });
      } catch (e) {
        error = e;
      }
      expect(isScrubInError(error, 'config_invalid')).toBe(true);
      expect((error as ScrubInError).detail?.split('\n')[0]).toBe(`Invalid configuration in ${loose}:`);
    }
  });

  it('an invalid OS policy never lets --config through either', () => {
    const policy: ManagedPolicy = { kind: 'invalid', origin: `${POLICY_KEY} Config`, problem: 'the value is not valid JSON' };
    const chosen = chooseConfigSource({ argv: ['--config', userFile], env: {}, machinePath: machineFile, packaged: true, managedPolicy: policy });
    expect(chosen.source).toEqual({ kind: 'policy', policy });
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
