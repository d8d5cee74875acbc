import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  chooseConfigSource,
  configPathFromArgv,
  ConfigSchema,
  launchRefusal,
  loadConfig,
  machineConfigPath,
  parseConfig,
  parseConfigText,
  readConfigFile,
  type ConfigInput,
} from '../../main/config';
import { VALID_CONFIG } from '../support/config';
import { isScrubInError, type ScrubInError } from '../../main/errors';

const valid: ConfigInput = VALID_CONFIG;

function clone(): Record<string, unknown> {
  return structuredClone(valid);
}

/** Parses and returns the error detail (which names the origin, the field and what is expected). */
function problem(raw: unknown): string {
  try {
    parseConfig(raw, '/etc/scrubin/config.json');
  } catch (error) {
    expect(isScrubInError(error, 'config_invalid')).toBe(true);
    const detail = (error as ScrubInError).detail ?? '';
    expect(detail).toContain('/etc/scrubin/config.json');
    return detail;
  }
  throw new Error('expected the configuration to be refused');
}

describe('config schema: valid input', () => {
  it('accepts a real-pool configuration and fills the documented defaults', () => {
    const config = parseConfig(valid, 'test');
    expect(config.userPool.scopes).toEqual(['openid', 'email', 'profile']);
    expect(config.terminal).toEqual({
      mode: 'shared',
      idleLockSeconds: 300,
      sessionCapHours: 12,
      kiosk: false,
      kioskExit: 'os-only',
      startAtLogin: false,
      lockWarningSeconds: 30,
      quickUnlock: { enabled: false, pinLength: 6, graceMinutes: 15, maxAttempts: 3 },
    });
    expect(config.identityPool?.allowGuest).toBe(false);
  });

  it('accepts loopback http (local-cognito) and strips a trailing slash from URLs', () => {
    const raw = clone();
    raw.userPool = { issuer: 'http://127.0.0.1:9229/us-east-1_LocalPool/', clientId: 'abc', domain: 'http://localhost:9229/' };
    const config = parseConfig(raw, 'test');
    expect(config.userPool.issuer).toBe('http://127.0.0.1:9229/us-east-1_LocalPool');
    expect(config.userPool.domain).toBe('http://localhost:9229');
  });

  it('allows a personal terminal to switch the idle lock off', () => {
    const raw = clone();
    raw.terminal = { mode: 'personal', idleLockSeconds: 0 };
    expect(parseConfig(raw, 'test').terminal.idleLockSeconds).toBe(0);
  });
});

describe('config schema: each broken input names the field and the fix', () => {
  const cases: Array<[string, (raw: Record<string, unknown>) => unknown, RegExp]> = [
    ['missing userPool', (r) => ({ ...r, userPool: undefined }), /userPool: required field is missing/],
    ['missing clientId', (r) => ({ ...r, userPool: { ...(r.userPool as object), clientId: undefined } }), /userPool\.clientId: required field is missing/],
    ['wrong type for idleLockSeconds', (r) => ({ ...r, terminal: { idleLockSeconds: '300' } }), /terminal\.idleLockSeconds: .*number/],
    ['http issuer that is not loopback', (r) => ({ ...r, userPool: { ...(r.userPool as object), issuer: 'http://cognito-idp.us-east-1.amazonaws.com/x' } }), /userPool\.issuer: .*must use https/],
    ['issuer that is not a URL', (r) => ({ ...r, userPool: { ...(r.userPool as object), issuer: 'cognito' } }), /userPool\.issuer: expected .*absolute URL/],
    ['redirect URI not on the app scheme', (r) => ({ ...r, redirectUri: 'myapp:/callback' }), /redirectUri: .*"app\.scrubin:"/],
    ['redirect URI with a host', (r) => ({ ...r, redirectUri: 'app.scrubin://evil.example/callback' }), /redirectUri: redirectUri must have the form/],
    ['https redirect URI', (r) => ({ ...r, redirectUri: 'https://example.org/callback' }), /redirectUri: .*registered scheme/],
    ['unknown top-level key', (r) => ({ ...r, colour: 'blue' }), /colour: unknown field/],
    ['unknown nested key (typo)', (r) => ({ ...r, terminal: { idleLockSecs: 60 } }), /terminal\.idleLockSecs: unknown field/],
    ['mode not in the enum', (r) => ({ ...r, terminal: { mode: 'kiosk' } }), /terminal\.mode: .*"shared"/],
    ['shared terminal without idle lock', (r) => ({ ...r, terminal: { mode: 'shared', idleLockSeconds: 0 } }), /terminal\.idleLockSeconds: a shared terminal must lock/],
    ['scopes without openid', (r) => ({ ...r, userPool: { ...(r.userPool as object), scopes: ['email'] } }), /userPool\.scopes: the scopes must include "openid"/],
    ['bad identity pool id', (r) => ({ ...r, identityPool: { id: 'pool-1', region: 'us-east-1' } }), /identityPool\.id: expected an identity pool id/],
    ['bad role ARN', (r) => ({ ...r, identityPool: { ...(r.identityPool as object), customRoleArn: 'Nurse' } }), /identityPool\.customRoleArn: expected an IAM role ARN/],
    ['session cap beyond a day', (r) => ({ ...r, terminal: { sessionCapHours: 48 } }), /terminal\.sessionCapHours/],
    ['relative audit log path', (r) => ({ ...r, auditLogPath: 'audit.jsonl' }), /auditLogPath: expected an absolute path/],
    ['logout URI equal to redirect URI', (r) => ({ ...r, logoutUri: r.redirectUri }), /logoutUri: logoutUri must differ/],
    ['issuer with credentials', (r) => ({ ...r, userPool: { ...(r.userPool as object), issuer: 'https://a:b@cognito-idp.us-east-1.amazonaws.com/x' } }), /must not contain a user name/],
    ['top level is an array', () => [], /\(top level\)/],
  ];
  for (const [name, mutate, expected] of cases) {
    it(name, () => {
      expect(problem(mutate(clone()))).toMatch(expected);
    });
  }

  it('an empty file says it is empty', () => {
    expect(() => parseConfigText('  \n', '/x/config.json')).toThrow(/config\.json[\s\S]*the file is empty/);
  });

  it('invalid JSON says so, with the parser position', () => {
    expect(() => parseConfigText('{"userPool": ', '/x/config.json')).toThrow(/not valid JSON/);
  });

  it('a UTF-8 byte-order mark (Windows Notepad) is tolerated', () => {
    expect(parseConfigText('\uFEFF' + JSON.stringify(valid), 'bom').redirectUri).toBe('app.scrubin:/callback');
  });

  it('the user message is plain language and the detail carries the technical part', () => {
    try {
      parseConfig({}, 'x');
    } catch (error) {
      const e = error as ScrubInError;
      expect(e.userMessage).toMatch(/Ask hospital IT/);
      expect(e.retryable).toBe(false);
      return;
    }
    throw new Error('unreachable');
  });
});

describe('config sources', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'scrubin-config-'));
  const userFile = path.join(dir, 'user.json');
  const machineFile = path.join(dir, 'machine.json');
  writeFileSync(userFile, JSON.stringify(valid));
  writeFileSync(machineFile, JSON.stringify({ ...valid, terminal: { terminalId: 'OR-07' } }));
  chmodSync(machineFile, 0o644);

  it('reads --config from argv in both forms', () => {
    expect(configPathFromArgv(['electron', '.', '--config', '/a.json'])).toBe('/a.json');
    expect(configPathFromArgv(['electron', '.', '--config=/b.json'])).toBe('/b.json');
    expect(configPathFromArgv(['electron', '.'])).toBeUndefined();
  });

  it('knows the machine-managed path per OS', () => {
    expect(machineConfigPath('linux')).toBe('/etc/scrubin/config.json');
    expect(machineConfigPath('darwin')).toBe('/Library/Application Support/ScrubIn/config.json');
    expect(machineConfigPath('win32', { ProgramData: 'C:\\ProgramData' })).toBe('C:\\ProgramData\\ScrubIn\\config.json');
  });

  it('order: --config, then SCRUBIN_CONFIG, then machine, then the embedded local-cognito default', () => {
    const none = () => false;
    expect(chooseConfigSource({ argv: ['--config', userFile], env: { SCRUBIN_CONFIG: '/e.json' }, fileExists: none }).source).toEqual({ kind: 'cli', path: userFile });
    expect(chooseConfigSource({ argv: [], env: { SCRUBIN_CONFIG: userFile }, fileExists: none }).source).toEqual({ kind: 'env', path: userFile });
    expect(chooseConfigSource({ argv: [], env: {}, machinePath: machineFile }).source).toEqual({ kind: 'machine', path: machineFile });
    expect(chooseConfigSource({ argv: [], env: {}, fileExists: none }).source).toEqual({ kind: 'embedded' });
  });

  it('in a packaged build the machine-managed file wins over what a user passes, with a warning', () => {
    const chosen = chooseConfigSource({ argv: ['--config', userFile], env: {}, machinePath: machineFile, packaged: true });
    expect(chosen.source).toEqual({ kind: 'machine', path: machineFile });
    expect(chosen.warnings[0]).toMatch(/Ignored --config.*does not set allowUserConfig/);
  });

  describe('packaged builds take no user-supplied configuration (security defect 6)', () => {
    it('without a machine file, --config is ignored: nothing is configured, so the packaged app refuses to start', () => {
      const chosen = chooseConfigSource({ argv: ['--config', userFile], env: {}, fileExists: () => false, packaged: true });
      expect(chosen.source).toEqual({ kind: 'embedded' });
      expect(chosen.warnings[0]).toMatch(/Ignored --config .*a packaged build reads only the machine-managed configuration/);
    });

    it('without a machine file, SCRUBIN_CONFIG is ignored too', () => {
      const chosen = chooseConfigSource({ argv: [], env: { SCRUBIN_CONFIG: userFile }, fileExists: () => false, packaged: true });
      expect(chosen.source).toEqual({ kind: 'embedded' });
      expect(chosen.warnings[0]).toMatch(/Ignored SCRUBIN_CONFIG/);
    });

    it('a machine file with allowUserConfig: true lets --config through (a test terminal), and says so', () => {
      const allowing = path.join(dir, 'machine-allowing.json');
      writeFileSync(allowing, JSON.stringify({ ...valid, allowUserConfig: true }));
      const chosen = chooseConfigSource({ argv: ['--config', userFile], env: {}, machinePath: allowing, packaged: true });
      expect(chosen.source).toEqual({ kind: 'cli', path: userFile });
      expect(chosen.warnings[0]).toMatch(/Using --config .*allows it \(allowUserConfig\)/);
    });

    it('loadConfig in a packaged build with only a user file returns no configuration', () => {
      const loaded = loadConfig({ argv: ['--config', userFile], env: {}, fileExists: () => false, packaged: true });
      expect('config' in loaded).toBe(false);
    });

    it('unpackaged (development) builds still take --config', () => {
      expect(chooseConfigSource({ argv: ['--config', userFile], env: {}, fileExists: () => false }).source).toEqual({ kind: 'cli', path: userFile });
    });
  });

  describe('launch guard (security defect 6)', () => {
    const release = { env: {}, packaged: true, testBuild: false };
    it.each(['--remote-debugging-port=9222', '--remote-debugging-pipe', '--inspect', '--inspect=0', '--inspect-brk=9229', '--inspect-port=1'])(
      'a packaged release build refuses %s in one clear line',
      (arg) => {
        const refusal = launchRefusal({ ...release, argv: ['/opt/Scrub In/scrub-in', arg] });
        expect(refusal).toMatch(/^Scrub In will not start: it was launched with --[a-z-]+, which opens it to a debugger\./);
        expect(refusal).not.toContain('\n');
      },
    );

    it('a packaged release build refuses NODE_OPTIONS asking for a debugger', () => {
      expect(launchRefusal({ ...release, argv: [], env: { NODE_OPTIONS: '--inspect=0' } })).toMatch(/NODE_OPTIONS/);
    });

    it('every build refuses NODE_TLS_REJECT_UNAUTHORIZED=0', () => {
      for (const build of [release, { env: {}, packaged: false, testBuild: false }, { env: {}, packaged: true, testBuild: true }]) {
        expect(launchRefusal({ ...build, argv: [], env: { NODE_TLS_REJECT_UNAUTHORIZED: '0' } })).toMatch(/NODE_TLS_REJECT_UNAUTHORIZED=0/);
      }
    });

    it('a plain launch, a deep link and a --config argument are fine', () => {
      expect(launchRefusal({ ...release, argv: ['/opt/Scrub In/scrub-in', 'app.scrubin:/callback?code=x&state=y', '--config=/x.json'] })).toBeNull();
      expect(launchRefusal({ ...release, argv: [], env: { NODE_TLS_REJECT_UNAUTHORIZED: '1' } })).toBeNull();
    });

    it('development builds and the packaged test flavour let Playwright\'s switches through', () => {
      const playwright = ['electron', '--inspect=0', '--remote-debugging-port=0', '.'];
      expect(launchRefusal({ argv: playwright, env: {}, packaged: false, testBuild: false })).toBeNull();
      expect(launchRefusal({ argv: playwright, env: {}, packaged: true, testBuild: true })).toBeNull();
    });
  });

  it('loads and validates the chosen file', () => {
    const loaded = loadConfig({ argv: [], env: {}, machinePath: machineFile });
    expect('config' in loaded && loaded.config.terminal.terminalId).toBe('OR-07');
  });

  it.skipIf(process.platform === 'win32')('refuses a world-writable machine config', () => {
    const loose = path.join(dir, 'loose.json');
    writeFileSync(loose, JSON.stringify(valid));
    chmodSync(loose, 0o666);
    expect(() => readConfigFile(loose, { machineManaged: true })).toThrow(/world-writable[\s\S]*chmod o-w/);
    // the same file passed by a developer with --config is not machine-managed
    expect(readConfigFile(loose).redirectUri).toBe('app.scrubin:/callback');
  });

  it('a missing file names the file', () => {
    expect(() => readConfigFile(path.join(dir, 'nope.json'))).toThrow(/nope\.json[\s\S]*does not exist/);
  });

  it('the schema rejects what the JSON schema for IT would also reject', () => {
    expect(ConfigSchema.safeParse({ ...valid, terminal: { mode: 'shared', idleLockSeconds: 10 } }).success).toBe(false);
  });
});
