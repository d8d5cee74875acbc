/**
 * Every refused configuration: the error code (config_invalid), the source named, and the FIELD each problem names
 * (the wording is for IT and may change; the field and the code are the contract). Boundaries of each rule are tried
 * on both sides. Also the loader's own refusals (world-writable machine file through loadConfig, not a file).
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { allowsInsecure } from '../../main/auth/endpoint-pinning';
import { configFieldPaths, configJsonSchema } from '../../main/config/json-schema';
import {
  caseBoardEndpoint,
  chooseConfigSource,
  configPathFromArgv,
  defaultTerminalId,
  formatIssues,
  isLoopbackHost,
  launchRefusal,
  loadConfig,
  machineConfigPath,
  parseConfig,
  parseConfigText,
  readConfigFile,
  type ConfigInput,
} from '../../main/config';
import { VALID_CONFIG } from '../support/config';
import { isScrubInError } from '../../main/errors';

const valid: ConfigInput = VALID_CONFIG;

type Raw = Record<string, unknown>;
const userPool = (over: Raw): Raw => ({ ...valid, userPool: { ...valid.userPool, ...over } });
const identityPool = (over: Raw): Raw => ({ ...valid, identityPool: { ...valid.identityPool, ...over } });
const terminal = (over: Raw): Raw => ({ ...valid, terminal: over });

/** What a config_invalid error says: the source, then one line per problem (never an empty one). */
function refusal(run: () => unknown): { origin: string; problems: string[] } {
  let caught: unknown;
  try {
    run();
  } catch (error) {
    caught = error;
  }
  expect(isScrubInError(caught, 'config_invalid'), 'expected config_invalid').toBe(true);
  const detail = isScrubInError(caught) ? (caught.detail ?? '') : '';
  const [head = '', ...lines] = detail.split('\n');
  const problems = lines.map((line) => {
    expect(line, 'a problem line').toMatch(/^ {2}- \S/);
    return line.slice(4);
  });
  expect(problems.length).toBeGreaterThan(0);
  return { origin: head, problems };
}

/** The fields named when `raw` is refused, once each: every problem is "field: what to do" (never empty). */
function refusedFields(raw: unknown): string[] {
  const { origin, problems } = refusal(() => parseConfig(raw, '/etc/scrubin/config.json'));
  expect(origin).toContain('/etc/scrubin/config.json');
  const fields = problems.map((problem) => {
    const match = /^(.+?): (\S.*)$/s.exec(problem);
    expect(match, `"${problem}" names a field and what to do`).not.toBeNull();
    return match?.[1] ?? '';
  });
  return [...new Set(fields)];
}

function accepted(raw: unknown): boolean {
  parseConfig(raw, 'test');
  return true;
}

describe('loopback: the only place plain http is allowed', () => {
  it.each(['127.0.0.1', '127.1.2.3', '127.255.255.255', 'localhost', '[::1]', '::1'])('%s is loopback', (host) => {
    expect(isLoopbackHost(host)).toBe(true);
  });

  it.each(['127.0.0.1.attacker.example', 'x127.0.0.1', '127.0.0', '127.0.0.1000', '127.0.0.1 ', '128.0.0.1', 'localhost.example', '0.0.0.0', '127.0.0.a'])(
    '%s is not loopback',
    (host) => {
      expect(isLoopbackHost(host)).toBe(false);
    },
  );

  it('an http issuer on a name that merely starts like 127.0.0.1 is refused (field userPool.issuer), and discovery would not allow it', () => {
    expect(refusedFields(userPool({ issuer: 'http://127.0.0.1.attacker.example/pool' }))).toEqual(['userPool.issuer']);
    expect(refusedFields(userPool({ domain: 'http://127.0.0.1.attacker.example' }))).toEqual(['userPool.domain']);
    expect(allowsInsecure('http://127.0.0.1.attacker.example/pool')).toBe(false);
    expect(allowsInsecure('https://127.0.0.1/pool')).toBe(false);
    expect(allowsInsecure('http://127.0.0.2:9229/pool')).toBe(true);
    expect(accepted(userPool({ issuer: 'http://127.0.0.2:9229/pool', domain: 'http://[::1]:9229' }))).toBe(true);
  });
});

describe('service URLs (issuer, domain, identity-pool and sync endpoints)', () => {
  it.each([
    ['ftp scheme', 'ftp://cognito.example/x'],
    ['not a URL', 'cognito'],
    ['a user name', 'https://admin@cognito.example/x'],
    ['a password only', 'https://:pw@cognito.example/x'],
    ['a query', 'https://cognito.example/x?a=1'],
    ['a fragment', 'https://cognito.example/x#a'],
    ['plain http off loopback', 'http://cognito.example/x'],
  ])('%s is refused, naming the field', (_label, url) => {
    expect(refusedFields(userPool({ issuer: url }))).toEqual(['userPool.issuer']);
    expect(refusedFields(identityPool({ endpoint: url }))).toEqual(['identityPool.endpoint']);
    expect(refusedFields({ ...valid, sync: { region: 'us-east-1', endpoint: url } })).toEqual(['sync.endpoint']);
  });

  it('a non-string is refused, naming the field', () => {
    expect(refusedFields(userPool({ domain: 42 }))).toEqual(['userPool.domain']);
  });

  it('trailing slashes are removed (all of them), nothing else', () => {
    const config = parseConfig(userPool({ issuer: 'https://cognito.example/pool//', domain: 'https://login.example/' }), 'test');
    expect(config.userPool.issuer).toBe('https://cognito.example/pool');
    expect(config.userPool.domain).toBe('https://login.example');
  });
});

describe('app-scheme URIs (redirectUri, logoutUri)', () => {
  it.each([
    ['another scheme', 'myapp:/callback'],
    ['not a URI', 'callback'],
    ['a host', 'app.scrubin://host/callback'],
    ['no path', 'app.scrubin:/'],
    ['a relative path', 'app.scrubin:callback'],
    ['a query', 'app.scrubin:/callback?x=1'],
    ['a fragment', 'app.scrubin:/callback#x'],
  ])('%s is refused, naming the field', (_label, uri) => {
    expect(refusedFields({ ...valid, redirectUri: uri })).toEqual(['redirectUri']);
    expect(refusedFields({ ...valid, logoutUri: uri })).toEqual(['logoutUri']);
  });

  it('the shortest path is accepted; redirect and logout must differ (logoutUri named)', () => {
    expect(accepted({ ...valid, redirectUri: 'app.scrubin:/c' })).toBe(true);
    expect(refusedFields({ ...valid, logoutUri: valid.redirectUri })).toEqual(['logoutUri']);
  });
});

describe('user pool, identity pool and sync fields', () => {
  it.each([
    ['userPool.clientId', userPool({ clientId: 'has space' })],
    ['userPool.clientId', userPool({ clientId: 'x'.repeat(129) })],
    ['userPool.clientId', userPool({ clientId: '' })],
    ['userPool.scopes', userPool({ scopes: ['email'] })],
    ['userPool.scopes', userPool({ scopes: ['openid', 'openid'] })],
    ['userPool.scopes', userPool({ scopes: [] })],
    ['userPool.scopes.1', userPool({ scopes: ['openid', 'with space'] })],
    ['userPool.scopes.1', userPool({ scopes: ['openid', 'quo"te'] })],
    ['userPool.identityProvider', userPool({ identityProvider: '' })],
    ['userPool.identityProvider', userPool({ identityProvider: 'x'.repeat(129) })],
    ['userPool.identityProviderLabel', userPool({ identityProviderLabel: 'x'.repeat(61) })],
    ['identityPool.id', identityPool({ id: 'us-east-1:short' })],
    ['identityPool.id', identityPool({ id: 'x us-east-1:1a2b3c4d-1111-2222-3333-444455556666' })],
    ['identityPool.region', identityPool({ region: 'us-east' })],
    ['identityPool.region', identityPool({ region: 'us-east-1x' })],
    ['identityPool.customRoleArn', identityPool({ customRoleArn: 'arn:aws:iam::12345678901:role/Nurse' })],
    ['identityPool.customRoleArn', identityPool({ customRoleArn: 'xarn:aws:iam::123456789012:role/Nurse' })],
    ['identityPool.customRoleArn', identityPool({ customRoleArn: 'arn:aws:iam::123456789012:role/Nurse Role' })],
    ['identityPool.identityIdCacheDays', identityPool({ identityIdCacheDays: 366 })],
    ['identityPool.identityIdCacheDays', identityPool({ identityIdCacheDays: -1 })],
    ['identityPool.identityIdCacheDays', identityPool({ identityIdCacheDays: 1.5 })],
    ['identityPool.allowGuest', identityPool({ allowGuest: 'yes' })],
    ['sync', { ...valid, identityPool: undefined, sync: { region: 'us-east-1' } }],
    ['sync.tableName', { ...valid, sync: { region: 'us-east-1', tableName: 'ab' } }],
    ['sync.region', { ...valid, sync: { region: 'eu' } }],
  ])('%s', (field, raw) => {
    expect(refusedFields(raw)).toEqual([field]);
  });

  it('accepts the boundaries of each rule', () => {
    expect(accepted(userPool({ clientId: 'x'.repeat(128), scopes: ['openid'], identityProviderLabel: 'x'.repeat(60), identityProvider: 'x'.repeat(128) }))).toBe(true);
    expect(parseConfig(userPool({ identityProvider: 'HospitalAD', identityProviderLabel: 'Hospital sign-in' }), 'test').userPool).toMatchObject({ identityProvider: 'HospitalAD', identityProviderLabel: 'Hospital sign-in' });
    expect(accepted(identityPool({ identityIdCacheDays: 0, customRoleArn: 'arn:aws-us-gov:iam::123456789012:role/path/Nurse' }))).toBe(true);
    expect(accepted(identityPool({ identityIdCacheDays: 365, region: 'ap-southeast-2' }))).toBe(true);
    expect(parseConfig({ ...valid, sync: { region: 'us-east-1' } }, 'test').sync).toEqual({ region: 'us-east-1', tableName: 'ScrubInSettings' });
    expect(parseConfig(valid, 'test').identityPool).toEqual({ ...valid.identityPool, allowGuest: false, identityIdCacheDays: 30 });
    expect(parseConfig(valid, 'test').allowUserConfig).toBe(false);
  });
});

describe('terminal fields', () => {
  it.each([
    ['terminal.idleLockSeconds', terminal({ idleLockSeconds: 29 })],
    ['terminal.idleLockSeconds', terminal({ idleLockSeconds: 1 })],
    ['terminal.idleLockSeconds', terminal({ idleLockSeconds: 0 })],
    ['terminal.idleLockSeconds', terminal({ idleLockSeconds: 86_401 })],
    ['terminal.idleLockSeconds', terminal({ idleLockSeconds: 30.5 })],
    ['terminal.idleLockSeconds', terminal({ mode: 'personal', idleLockSeconds: 29 })],
    ['terminal.sessionCapHours', terminal({ sessionCapHours: 0 })],
    ['terminal.sessionCapHours', terminal({ sessionCapHours: 24.01 })],
    ['terminal.terminalId', terminal({ terminalId: 'x'.repeat(65) })],
    ['terminal.terminalId', terminal({ terminalId: 'OR 07' })],
    ['terminal.kioskExit', terminal({ kioskExit: 'escape' })],
    ['terminal.mode', terminal({ mode: 'kiosk' })],
    ['auditLogPath', { ...valid, auditLogPath: 'C:audit.jsonl' }],
    ['auditLogPath', { ...valid, auditLogPath: '' }],
  ])('%s', (field, raw) => {
    expect(refusedFields(raw)).toEqual([field]);
  });

  it('accepts the boundaries: 30 s and a day of idle lock, a 24 h cap, a 64-character id, 0 on a personal terminal', () => {
    expect(parseConfig(terminal({ idleLockSeconds: 30, sessionCapHours: 24, terminalId: 'x'.repeat(64) }), 'test').terminal).toMatchObject({ idleLockSeconds: 30, sessionCapHours: 24 });
    expect(accepted(terminal({ idleLockSeconds: 86_400 }))).toBe(true);
    expect(accepted(terminal({ mode: 'personal', idleLockSeconds: 0 }))).toBe(true);
    for (const p of ['/var/log/scrubin/audit.jsonl', 'C:\\ScrubIn\\audit.jsonl', 'd:/audit.jsonl', '\\\\server\\share\\audit.jsonl']) {
      expect(parseConfig({ ...valid, auditLogPath: p }, 'test').auditLogPath).toBe(p);
    }
  });

  it('several problems are all named, in order', () => {
    expect(refusedFields({ ...valid, redirectUri: 'x:/y', terminal: { idleLockSeconds: 5, mode: 'shared' } })).toEqual(['redirectUri', 'terminal.idleLockSeconds']);
    expect(refusedFields({ ...valid, colour: 'blue', flavour: 'x' })).toEqual(['colour, flavour']);
    expect(refusedFields({ ...valid, terminal: { idleLockSecs: 60 } })).toEqual(['terminal.idleLockSecs']);
    expect(refusedFields({ ...valid, userPool: undefined })).toEqual(['userPool']);
    expect(refusedFields([])).toEqual(['(top level)']);
  });
});

describe('formatIssues', () => {
  it('names each field; unknown keys are named with their parent; a missing field says what it expects', () => {
    const lines = formatIssues([
      { code: 'unrecognized_keys', keys: ['a', 'b'], path: ['terminal'], message: 'm', input: {} },
      { code: 'unrecognized_keys', keys: ['c'], path: [], message: 'm', input: {} },
      { code: 'invalid_type', expected: 'string', path: ['userPool', 'issuer'], message: 'm', input: undefined },
      { code: 'invalid_type', expected: 'number', path: ['terminal', 'sessionCapHours'], message: 'custom words', input: 'x' },
    ]);
    expect(lines.map((l) => l.slice(0, l.indexOf(': ')))).toEqual(['terminal.a, terminal.b', 'c', 'userPool.issuer', 'terminal.sessionCapHours']);
    expect(lines[2]).toContain('string');
    expect(lines[3]).toBe('terminal.sessionCapHours: custom words');
    // The line IT reads for unknown keys, singular and plural.
    expect(lines[0]).toBe('terminal.a, terminal.b: unknown fields; remove them or check the spelling');
    expect(lines[1]).toBe('c: unknown field; remove it or check the spelling');
  });
});

describe('identifier patterns, each character class and anchor', () => {
  it.each([
    ['userPool.scopes.1', userPool({ scopes: ['openid', 'back\\slash'] })],
    ['userPool.identityProviderLabel', userPool({ identityProviderLabel: '' })],
    ['identityPool.region', identityPool({ region: '9us-east-1' })],
    ['identityPool.region', identityPool({ region: 'US-EAST-1' })],
    ['identityPool.id', identityPool({ id: `${valid.identityPool?.id ?? ''}0` })],
    ['identityPool.id', identityPool({ id: 'us-east-1:1A2B3C4D-1111-2222-3333-444455556666' })],
    ['identityPool.customRoleArn', identityPool({ customRoleArn: `arn:aws:iam::123456789012:role/${'n'.repeat(513)}` })],
    ['identityPool.customRoleArn', identityPool({ customRoleArn: 'arn:aws:iam::123456789012:role/' })],
    ['identityPool.customRoleArn', identityPool({ customRoleArn: 'arn:aws:iam::123456789012:user/Nurse' })],
    ['sync.tableName', { ...valid, sync: { region: 'us-east-1', tableName: 'x'.repeat(256) } }],
    ['sync.tableName', { ...valid, sync: { region: 'us-east-1', tableName: 'OR settings' } }],
    ['auditLogPath', { ...valid, auditLogPath: 'logs\\C:\\audit.jsonl' }],
    ['auditLogPath', { ...valid, auditLogPath: 'logs/\\\\server\\audit.jsonl' }],
    ['$schema', { ...valid, $schema: 42 }],
  ])('%s', (field, raw) => {
    expect(refusedFields(raw)).toEqual([field]);
  });

  it('accepts every character each pattern allows', () => {
    expect(accepted(userPool({ clientId: 'abc_DEF+123', scopes: ['openid', 'aws.cognito.signin.user.admin', 'https://api.hospital.example/schedule.read', 'a!b', '[x]~{y}'] }))).toBe(true);
    expect(accepted(identityPool({ id: 'us-gov-west-1:1a2b3c4d-1111-2222-3333-444455556666', region: 'us-gov-west-1' }))).toBe(true);
    expect(accepted(identityPool({ customRoleArn: `arn:aws-cn:iam::123456789012:role/service-role/Nurse+On_Call=1,a.b@c-d` }))).toBe(true);
    expect(accepted(identityPool({ customRoleArn: `arn:aws:iam::123456789012:role/${'n'.repeat(512)}` }))).toBe(true);
    expect(accepted({ ...valid, sync: { region: 'eu-central-1', tableName: `OR_settings.v-2${'x'.repeat(240)}` } })).toBe(true);
    expect(accepted({ ...valid, sync: { region: 'eu-central-1', tableName: 'abc' } })).toBe(true);
    expect(accepted({ ...valid, $schema: './config.schema.json' })).toBe(true);
  });
});

describe('each rule with its own hint says what is expected (never zod\'s bare "Invalid input" or a raw pattern)', () => {
  const endpoints = (allowedEndpoints: unknown, caseBoard?: Raw): Raw => ({ ...valid, orViews: { allowedEndpoints, caseBoard } });
  it.each([
    ['userPool.issuer', userPool({ issuer: 42 })],
    ['userPool.issuer', userPool({ issuer: 'cognito' })],
    ['userPool.issuer', userPool({ issuer: 'http://cognito.example/x' })],
    ['userPool.issuer', userPool({ issuer: 'ftp://cognito.example/x' })],
    ['userPool.issuer', userPool({ issuer: 'https://admin@cognito.example/x' })],
    ['userPool.issuer', userPool({ issuer: 'https://cognito.example/x?a=1' })],
    ['userPool.clientId', userPool({ clientId: 'has space' })],
    ['userPool.scopes', userPool({ scopes: ['email'] })],
    ['userPool.scopes', userPool({ scopes: ['openid', 'openid'] })],
    ['userPool.scopes.1', userPool({ scopes: ['openid', 'with space'] })],
    ['redirectUri', { ...valid, redirectUri: 42 }],
    ['redirectUri', { ...valid, redirectUri: 'callback' }],
    ['redirectUri', { ...valid, redirectUri: 'myapp:/callback' }],
    ['redirectUri', { ...valid, redirectUri: 'app.scrubin://host/callback' }],
    ['redirectUri', { ...valid, redirectUri: 'app.scrubin:/callback?x=1' }],
    ['logoutUri', { ...valid, logoutUri: valid.redirectUri }],
    ['identityPool.id', identityPool({ id: 'pool-1' })],
    ['identityPool.region', identityPool({ region: 'eu' })],
    ['identityPool.customRoleArn', identityPool({ customRoleArn: 'Nurse' })],
    ['sync', { ...valid, identityPool: undefined, sync: { region: 'us-east-1' } }],
    ['sync.tableName', { ...valid, sync: { region: 'us-east-1', tableName: 'ab' } }],
    ['terminal.terminalId', terminal({ terminalId: 'OR 07' })],
    ['terminal.idleLockSeconds', terminal({ idleLockSeconds: 10 })],
    ['terminal.idleLockSeconds', terminal({ mode: 'shared', idleLockSeconds: 0 })],
    ['auditLogPath', { ...valid, auditLogPath: 'audit.jsonl' }],
    ['network.proxy', { ...valid, network: { proxy: 42 } }],
    ['network.proxy', { ...valid, network: { proxy: 'auto' } }],
    ['network.proxy', { ...valid, network: { proxy: 'socks5://proxy:1080' } }],
    ['network.proxy', { ...valid, network: { proxy: 'http://proxy:3128/?x=1' } }],
    ['network.proxy', { ...valid, network: { proxy: 'http://nurse@proxy:3128' } }],
    ['network.extraCaFile', { ...valid, network: { extraCaFile: 'ca.pem' } }],
    ['orViews.allowedEndpoints.0', endpoints([42])],
    ['orViews.allowedEndpoints.0', endpoints(['dynamodb'])],
    ['orViews.allowedEndpoints.0', endpoints(['http://dynamodb.example'])],
    ['orViews.allowedEndpoints.0', endpoints(['ftp://dynamodb.example'])],
    // A scheme without the web's path rules ("s3://host" has an empty path): one problem, the scheme, not also "a path".
    ['orViews.allowedEndpoints.0', endpoints(['s3://dynamodb.example'])],
    ['orViews.allowedEndpoints.0', endpoints(['https://nurse@dynamodb.example'])],
    ['orViews.allowedEndpoints.0', endpoints(['https://dynamodb.example/tables'])],
    ['orViews.allowedEndpoints.0', endpoints(['https://*.example'])],
    ['orViews.allowedEndpoints', endpoints(['https://dynamodb.example', 'https://dynamodb.example/'])],
    ['orViews.caseBoard.endpoint', endpoints([], { region: 'us-east-1' })],
    ['orViews.caseBoard', { ...valid, identityPool: undefined, orViews: { allowedEndpoints: ['https://dynamodb.us-east-1.amazonaws.com'], caseBoard: { region: 'us-east-1' } } }],
  ])('%s', (field, raw) => {
    const { problems } = refusal(() => parseConfig(raw, 'test'));
    expect(problems).toHaveLength(1);
    const [named, hint = ''] = problems[0]?.split(/: (.*)/s) ?? [];
    expect(named).toBe(field);
    expect(hint).toMatch(/\S/);
    expect(hint).not.toMatch(/^Invalid (input|string)\b|must match pattern/);
  });

  it('a wrong type is not reported as missing, and a wrong value is not reported as a wrong type', () => {
    const hint = (raw: unknown): string => refusal(() => parseConfig(raw, 'test')).problems[0]?.split(/: (.*)/s)[1] ?? '';
    expect(hint(userPool({ issuer: 42 }))).not.toMatch(/missing/);
    expect(hint(terminal({ idleLockSeconds: '300' }))).not.toMatch(/missing/);
    expect(hint({ ...valid, redirectUri: 42 })).not.toMatch(/missing/);
    expect(hint(userPool({ issuer: undefined }))).toMatch(/missing/);
    for (const raw of [userPool({ issuer: 'ftp://cognito.example/x' }), userPool({ issuer: 'https://cognito.example/x?a=1' }), { ...valid, redirectUri: 'callback' }, { ...valid, redirectUri: 'app.scrubin:/callback?x=1' }]) {
      expect(hint(raw)).not.toMatch(/as a (URL )?string/);
    }
  });
});

describe('terminal limits and defaults', () => {
  const defaults = {
    mode: 'shared',
    idleLockSeconds: 300,
    sessionCapHours: 12,
    kiosk: false,
    kioskExit: 'os-only',
    startAtLogin: false,
    lockWarningSeconds: 30,
    quickUnlock: { enabled: false, pinLength: 6, graceMinutes: 15, maxAttempts: 3 },
  };

  it('an empty terminal section, or an empty quickUnlock, gets every default', () => {
    expect(parseConfig(terminal({}), 'test').terminal).toEqual(defaults);
    expect(parseConfig(terminal({ quickUnlock: {} }), 'test').terminal.quickUnlock).toEqual(defaults.quickUnlock);
  });

  it('what IT sets is kept', () => {
    const set = { mode: 'personal', idleLockSeconds: 0, sessionCapHours: 0.5, terminalId: 'OR-07', kiosk: true, kioskExit: 'signed-out-shortcut', startAtLogin: true, language: 'ko', lockWarningSeconds: 0, quickUnlock: { enabled: true, pinLength: 4, graceMinutes: 1, maxAttempts: 1 } };
    expect(parseConfig(terminal(set), 'test').terminal).toEqual(set);
    const high = { lockWarningSeconds: 300, quickUnlock: { enabled: false, pinLength: 8, graceMinutes: 60, maxAttempts: 5 } };
    expect(parseConfig(terminal(high), 'test').terminal).toMatchObject(high);
  });

  it.each([
    ['terminal.lockWarningSeconds', { lockWarningSeconds: 301 }],
    ['terminal.lockWarningSeconds', { lockWarningSeconds: -1 }],
    ['terminal.lockWarningSeconds', { lockWarningSeconds: 1.5 }],
    ['terminal.quickUnlock.pinLength', { quickUnlock: { pinLength: 3 } }],
    ['terminal.quickUnlock.pinLength', { quickUnlock: { pinLength: 9 } }],
    ['terminal.quickUnlock.pinLength', { quickUnlock: { pinLength: 4.5 } }],
    ['terminal.quickUnlock.graceMinutes', { quickUnlock: { graceMinutes: 0 } }],
    ['terminal.quickUnlock.graceMinutes', { quickUnlock: { graceMinutes: 61 } }],
    ['terminal.quickUnlock.graceMinutes', { quickUnlock: { graceMinutes: 1.5 } }],
    ['terminal.quickUnlock.maxAttempts', { quickUnlock: { maxAttempts: 0 } }],
    ['terminal.quickUnlock.maxAttempts', { quickUnlock: { maxAttempts: 6 } }],
    ['terminal.quickUnlock.maxAttempts', { quickUnlock: { maxAttempts: 2.5 } }],
    ['terminal.quickUnlock.enabled', { quickUnlock: { enabled: 'yes' } }],
    ['terminal.quickUnlock.pin', { quickUnlock: { pin: '1234' } }],
    ['terminal.kiosk', { kiosk: 'true' }],
    ['terminal.startAtLogin', { startAtLogin: 1 }],
    ['terminal.language', { language: 'de' }],
    ['terminal.sessionCapHours', { sessionCapHours: -1 }],
  ])('%s', (field, over) => {
    expect(refusedFields(terminal(over))).toEqual([field]);
  });
});

describe('network (proxy, extra CA certificates)', () => {
  const network = (over: Raw): Raw => ({ ...valid, network: over });

  it('"system", "direct", a proxy URL and a PAC file URL are kept as written; nothing set is "system"', () => {
    for (const proxy of ['system', 'direct', 'http://proxy.hospital.local:3128', 'https://proxy.hospital.local:8443', 'http://wpad.hospital.local/wpad.dat']) {
      expect(parseConfig(network({ proxy }), 'test').network.proxy).toBe(proxy);
    }
    expect(parseConfig(valid, 'test').network).toEqual({ proxy: 'system' });
    expect(parseConfig(network({}), 'test').network).toEqual({ proxy: 'system' });
  });

  it.each([
    ['a host without a scheme', 'proxy.hospital.local:3128'],
    ['another word', 'auto'],
    ['a capitalised keyword', 'System'],
    ['empty', ''],
    ['a SOCKS proxy', 'socks5://proxy.hospital.local:1080'],
    ['a query', 'http://wpad.hospital.local/wpad.dat?x=1'],
    ['a fragment', 'http://wpad.hospital.local/wpad.dat#x'],
    ['a user name and password', 'http://nurse:secret@proxy.hospital.local:3128'],
    ['a user name only', 'http://nurse@proxy.hospital.local:3128'],
    ['a password only', 'http://:secret@proxy.hospital.local:3128'],
    ['a number', 3128],
  ])('network.proxy: %s is refused, naming the field', (_label, proxy) => {
    expect(refusedFields(network({ proxy }))).toEqual(['network.proxy']);
  });

  it('extraCaFile: an absolute path of the PEM file (POSIX, drive or UNC), nothing else; unknown keys are named', () => {
    for (const extraCaFile of ['/etc/ssl/hospital-ca.pem', 'C:\\ScrubIn\\ca.pem', '\\\\server\\share\\ca.pem']) {
      expect(parseConfig(network({ extraCaFile }), 'test').network).toEqual({ proxy: 'system', extraCaFile });
    }
    for (const extraCaFile of ['hospital-ca.pem', 'C:ca.pem', '', 42]) expect(refusedFields(network({ extraCaFile })), String(extraCaFile)).toEqual(['network.extraCaFile']);
    expect(refusedFields(network({ proxy: 'direct', proxyPassword: 'x' }))).toEqual(['network.proxyPassword']);
  });
});

describe('orViews (the renderer endpoint allowlist and the case board)', () => {
  const DDB = 'https://dynamodb.us-east-1.amazonaws.com';
  const orViews = (over: Raw): Raw => ({ ...valid, orViews: over });

  it('endpoints are kept as origins (a trailing slash and the default port dropped); loopback http is allowed; nothing listed is an empty list', () => {
    const listed = [`${DDB}/`, 'http://127.0.0.1:4566', 'https://vpce.example:443', 'https://vpce.example:8443'];
    expect(parseConfig(orViews({ allowedEndpoints: listed }), 'test').orViews).toEqual({ allowedEndpoints: [DDB, 'http://127.0.0.1:4566', 'https://vpce.example', 'https://vpce.example:8443'] });
    expect(parseConfig(orViews({}), 'test').orViews).toEqual({ allowedEndpoints: [] });
    expect(parseConfig(valid, 'test').orViews).toBeUndefined();
  });

  it.each([
    ['plain http off loopback', 'http://dynamodb.us-east-1.amazonaws.com'],
    ['another scheme', 'ftp://dynamodb.us-east-1.amazonaws.com'],
    ['not a URL', 'dynamodb.us-east-1.amazonaws.com'],
    ['a path', `${DDB}/tables`],
    ['a query', `${DDB}/?x=1`],
    ['a fragment', `${DDB}/#x`],
    ['a user name', 'https://admin@dynamodb.us-east-1.amazonaws.com'],
    ['a password only', 'https://:pw@dynamodb.us-east-1.amazonaws.com'],
    ['a wildcard', 'https://*.amazonaws.com'],
    ['a number', 443],
  ])('orViews.allowedEndpoints: %s is refused, naming the entry', (_label, endpoint) => {
    expect(refusedFields(orViews({ allowedEndpoints: [DDB, endpoint] }))).toEqual(['orViews.allowedEndpoints.1']);
    expect(refusedFields(orViews({ allowedEndpoints: [DDB], caseBoard: { region: 'us-east-1', endpoint } }))).toEqual(['orViews.caseBoard.endpoint']);
  });

  it('an endpoint that breaks several rules gets one line per rule', () => {
    const { problems } = refusal(() => parseConfig(orViews({ allowedEndpoints: ['http://u:p@*.example/path'] }), 'test'));
    expect(problems).toHaveLength(4);
    for (const problem of problems) expect(problem).toMatch(/^orViews\.allowedEndpoints\.0: \S/);
  });

  it('at most 20 endpoints, each once (the same origin written twice is a repeat)', () => {
    const hosts = (n: number): string[] => Array.from({ length: n }, (_, i) => `https://vpce-${i}.example`);
    expect(parseConfig(orViews({ allowedEndpoints: hosts(20) }), 'test').orViews?.allowedEndpoints).toHaveLength(20);
    expect(refusedFields(orViews({ allowedEndpoints: hosts(21) }))).toEqual(['orViews.allowedEndpoints']);
    expect(refusedFields(orViews({ allowedEndpoints: [DDB, `${DDB}/`] }))).toEqual(['orViews.allowedEndpoints']);
    expect(refusedFields(orViews({ allowedEndpoints: 'https://vpce.example' }))).toEqual(['orViews.allowedEndpoints']);
  });

  it('the case board: table ScrubInCases and the region endpoint by default, which must be on the list', () => {
    expect(caseBoardEndpoint({ region: 'eu-west-1' })).toBe('https://dynamodb.eu-west-1.amazonaws.com');
    expect(caseBoardEndpoint({ region: 'eu-west-1', endpoint: 'http://127.0.0.1:4566' })).toBe('http://127.0.0.1:4566');
    expect(parseConfig(orViews({ allowedEndpoints: [DDB], caseBoard: { region: 'us-east-1' } }), 'test').orViews?.caseBoard).toEqual({ tableName: 'ScrubInCases', region: 'us-east-1' });
    const local = parseConfig(orViews({ allowedEndpoints: ['http://127.0.0.1:4566'], caseBoard: { region: 'us-east-1', tableName: 'OrCases', endpoint: 'http://127.0.0.1:4566/' } }), 'test');
    expect(local.orViews?.caseBoard).toEqual({ tableName: 'OrCases', region: 'us-east-1', endpoint: 'http://127.0.0.1:4566' });
    // Not on the list: the region's endpoint, or the configured one, is named on orViews.caseBoard.endpoint.
    expect(refusedFields(orViews({ allowedEndpoints: [], caseBoard: { region: 'us-east-1' } }))).toEqual(['orViews.caseBoard.endpoint']);
    expect(refusedFields(orViews({ allowedEndpoints: [DDB], caseBoard: { region: 'us-east-1', endpoint: 'http://127.0.0.1:4566' } }))).toEqual(['orViews.caseBoard.endpoint']);
    const { problems } = refusal(() => parseConfig(orViews({ allowedEndpoints: [], caseBoard: { region: 'eu-west-1' } }), 'test'));
    expect(problems[0]).toContain('"https://dynamodb.eu-west-1.amazonaws.com"');
  });

  it.each([
    ['orViews.caseBoard.region', { region: 'eu', endpoint: DDB }],
    ['orViews.caseBoard.region', { tableName: 'OrCases' }],
    ['orViews.caseBoard.tableName', { region: 'us-east-1', tableName: 'ab' }],
    ['orViews.caseBoard.colour', { region: 'us-east-1', colour: 'blue' }],
  ])('%s', (field, caseBoard) => {
    expect(refusedFields(orViews({ allowedEndpoints: [DDB], caseBoard }))).toEqual([field]);
  });

  it('the case board needs the identity pool (its credentials read the table)', () => {
    expect(refusedFields({ ...valid, identityPool: undefined, orViews: { allowedEndpoints: [DDB], caseBoard: { region: 'us-east-1' } } })).toEqual(['orViews.caseBoard']);
    expect(accepted({ ...valid, identityPool: undefined, orViews: { allowedEndpoints: [DDB] } })).toBe(true);
  });
});

describe('loading files', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'scrubin-config-refusals-'));
  const write = (name: string, content: string, mode = 0o644): string => {
    const file = path.join(dir, name);
    writeFileSync(file, content);
    chmodSync(file, mode);
    return file;
  };

  it.skipIf(process.platform === 'win32')('loadConfig refuses a world-writable machine file (the file named); Windows has no such mode bit', () => {
    const loose = write('loose-machine.json', JSON.stringify(valid), 0o666);
    const { origin, problems } = refusal(() => loadConfig({ argv: [], env: {}, machinePath: loose, managedPolicy: null }));
    expect(origin).toContain(loose);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain('chmod o-w');
    // Group-writable is IT's choice; only "other" matters. On win32 the mode is not consulted.
    chmodSync(loose, 0o664);
    expect('config' in loadConfig({ argv: [], env: {}, machinePath: loose, managedPolicy: null })).toBe(true);
    chmodSync(loose, 0o666);
    expect('config' in loadConfig({ argv: [], env: {}, machinePath: loose, managedPolicy: null, platform: 'win32' })).toBe(true);
    // The same file given with --config (a developer's file, not IT's) is read.
    expect('config' in loadConfig({ argv: ['--config', loose], env: {}, managedPolicy: null })).toBe(true);
  });

  it('a folder, a missing file, an empty file and invalid JSON are config_invalid naming the file', () => {
    const folder = path.join(dir, 'folder.json');
    mkdirSync(folder);
    for (const file of [folder, path.join(dir, 'missing.json'), write('empty.json', ' \n'), write('broken.json', '{"userPool":')]) {
      const { origin, problems } = refusal(() => readConfigFile(file));
      expect(origin).toContain(file);
      expect(problems).toHaveLength(1);
    }
    expect(refusal(() => parseConfigText('', 'inline')).origin).toContain('inline');
  });

  it.runIf(process.platform === 'linux')('a file that is there but cannot be read is config_invalid naming the file and the OS error code', () => {
    // /proc/self/mem is a regular file whose read fails (EIO) even for root: the same path as a file behind a broken share.
    const { origin, problems } = refusal(() => readConfigFile('/proc/self/mem'));
    expect(origin).toContain('/proc/self/mem');
    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain('EIO');
  });

  it.skipIf(process.platform === 'win32')('a named pipe at the path is refused at once (reading it would wait for a writer forever)', () => {
    const fifo = path.join(dir, 'config-fifo.json');
    execFileSync('mkfifo', [fifo]);
    const { origin, problems } = refusal(() => readConfigFile(fifo, { machineManaged: true }));
    expect(origin).toContain(fifo);
    expect(problems).toHaveLength(1);
  });

  it('a byte-order mark only at the start is tolerated', () => {
    expect(parseConfigText(`\uFEFF${JSON.stringify(valid)}`, 'bom').redirectUri).toBe('app.scrubin:/callback');
    refusal(() => parseConfigText(`${JSON.stringify(valid)}\uFEFF`, 'late bom'));
  });
});

describe('choosing the source', () => {
  it('SCRUBIN_CONFIG of blanks is no choice; --config as the last argument names nothing', () => {
    expect(chooseConfigSource({ argv: [], env: { SCRUBIN_CONFIG: '  ' }, fileExists: () => false, managedPolicy: null }).source).toEqual({ kind: 'embedded' });
    expect(configPathFromArgv(['--config'])).toBeUndefined();
    expect(configPathFromArgv(['--configure', '/x.json'])).toBeUndefined();
    expect(configPathFromArgv(['--config=/a.json', '--config', '/b.json'])).toBe('/a.json');
  });

  it('a machine file that is not there is no choice (the real file check, not an injected one)', () => {
    const missing = path.join(tmpdir(), 'scrubin-no-such-dir', 'config.json');
    expect(chooseConfigSource({ argv: [], env: {}, machinePath: missing, managedPolicy: null })).toEqual({ source: { kind: 'embedded' }, warnings: [] });
    expect(loadConfig({ argv: [], env: {}, machinePath: missing, packaged: true, managedPolicy: null })).toEqual({ source: { kind: 'embedded' }, warnings: [] });
  });

  it('Windows without ProgramData uses C:\\ProgramData', () => {
    expect(machineConfigPath('win32', {})).toBe('C:\\ProgramData\\ScrubIn\\config.json');
    expect(machineConfigPath('freebsd')).toBe('/etc/scrubin/config.json');
  });

  it('a packaged build with SCRUBIN_CONFIG and a machine file allowing it takes it and says so; unreadable machine files never allow', () => {
    const allowing = chooseConfigSource({ argv: [], env: { SCRUBIN_CONFIG: '/u.json' }, machinePath: '/m.json', fileExists: () => true, machineAllowsUserConfig: () => true, packaged: true, managedPolicy: null });
    expect(allowing.source).toEqual({ kind: 'env', path: '/u.json' });
    expect(allowing.warnings).toHaveLength(1);
    expect(allowing.warnings[0]).toContain('SCRUBIN_CONFIG');
    const throwing = chooseConfigSource({
      argv: ['--config', '/u.json'],
      env: {},
      machinePath: '/m.json',
      fileExists: () => true,
      machineAllowsUserConfig: () => {
        throw new Error('unreadable');
      },
      packaged: true,
      managedPolicy: null,
    });
    expect(throwing.source).toEqual({ kind: 'machine', path: '/m.json' });
    expect(throwing.warnings).toHaveLength(1);
    expect(throwing.warnings[0]).toContain('--config');
  });

  it('a packaged build with no user choice and only a machine file warns about nothing', () => {
    expect(chooseConfigSource({ argv: [], env: {}, machinePath: '/m.json', fileExists: () => true, packaged: true, managedPolicy: null })).toEqual({
      source: { kind: 'machine', path: '/m.json' },
      warnings: [],
    });
  });
});

describe('launch guard edges', () => {
  const release = { env: {}, packaged: true, testBuild: false };
  it('switch names are matched whole (before any "="), and the debug switches of old Node too', () => {
    expect(launchRefusal({ ...release, argv: ['--inspector-free'] })).toBeNull();
    expect(launchRefusal({ ...release, argv: ['--debug'] })).toContain('--debug');
    expect(launchRefusal({ ...release, argv: ['--debug-brk=1'] })).toContain('--debug-brk');
    expect(launchRefusal({ ...release, argv: ['--remote-debugging-address=0.0.0.0'] })).toContain('--remote-debugging-address');
    expect(launchRefusal({ ...release, argv: ['--inspect-publish-uid=http'] })).toContain('--inspect-publish-uid');
    expect(launchRefusal({ ...release, argv: ['app.scrubin:/callback', '--inspect-brk'] })).toContain('--inspect-brk');
    expect(launchRefusal({ ...release, argv: [], env: { NODE_OPTIONS: '--max-old-space-size=4096 --debug' } })).toContain('NODE_OPTIONS');
    expect(launchRefusal({ ...release, argv: [], env: { NODE_OPTIONS: '--max-old-space-size=4096' } })).toBeNull();
    expect(launchRefusal({ ...release, argv: [], env: { NODE_OPTIONS: '--inspect' }, packaged: false })).toBeNull();
  });
});

describe('JSON schema for IT tooling', () => {
  it('lists every field path, dotted, without $schema', () => {
    const paths = configFieldPaths();
    expect(paths).toEqual(expect.arrayContaining(['userPool', 'userPool.issuer', 'terminal.idleLockSeconds', 'identityPool.identityIdCacheDays', 'sync.tableName', 'allowUserConfig']));
    expect(paths).not.toContain('$schema');
    expect(paths.filter((p) => !p.includes('.'))).toEqual(['userPool', 'identityPool', 'redirectUri', 'logoutUri', 'sync', 'orViews', 'terminal', 'auditLogPath', 'allowUserConfig', 'network']);
    expect(Object.keys(configJsonSchema().properties as object)).toContain('$schema');
  });

  it('the default terminal id is the host name in the allowed characters', () => {
    expect(defaultTerminalId()).toMatch(/^[\w.-]{1,64}$/);
  });
});
