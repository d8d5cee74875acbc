import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  electronCacheRoots,
  electronZipName,
  findCachedElectronZip,
  reachable,
  sha256File,
  sha256sumsText,
  signingPlan,
  signingServiceCommandLine,
  unsignedWarning,
} from '../../scripts/dist';

const temps: string[] = [];
afterEach(() => {
  for (const dir of temps.splice(0)) rmSync(dir, { recursive: true, force: true });
});
function tempDir(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'scrubin-dist-'));
  temps.push(dir);
  return dir;
}

describe('signingPlan: missing variables give an unsigned build with a warning naming them', () => {
  it('Windows: nothing set', () => {
    const plan = signingPlan('win32', {});
    expect(plan.signed).toEqual([]);
    expect(plan.missing).toEqual(['WIN_CSC_LINK (or CSC_LINK) + WIN_CSC_KEY_PASSWORD (or CSC_KEY_PASSWORD), or SCRUBIN_WIN_SIGN_COMMAND: Windows code signing']);
    expect(unsignedWarning(plan)).toContain('UNSIGNED BUILD');
  });

  it('Windows: certificate without password is not used (no failure halfway)', () => {
    const plan = signingPlan('win32', { WIN_CSC_LINK: 'C:\\certs\\hospital.pfx' });
    expect(plan.missing).toEqual(['WIN_CSC_KEY_PASSWORD (or CSC_KEY_PASSWORD): the password of the certificate in WIN_CSC_LINK / CSC_LINK']);
    expect(plan.env).toEqual({ WIN_CSC_LINK: '', CSC_LINK: '' });
  });

  it('Windows: certificate + password, or a signing service, is complete', () => {
    expect(signingPlan('win32', { CSC_LINK: 'x.pfx', CSC_KEY_PASSWORD: 'secret' }).missing).toEqual([]);
    expect(signingPlan('win32', { SCRUBIN_WIN_SIGN_COMMAND: 'signtool-service sign' }).missing).toEqual([]);
    expect(unsignedWarning(signingPlan('win32', { SCRUBIN_WIN_SIGN_COMMAND: 'x' }))).toBeUndefined();
  });

  it('macOS: identity and notarization missing; no keychain auto-discovery, notarization off', () => {
    const plan = signingPlan('darwin', {});
    expect(plan.missing).toHaveLength(2);
    expect(plan.missing[0]).toMatch(/^CSC_LINK \+ CSC_KEY_PASSWORD \(or CSC_NAME\)/);
    expect(plan.missing[1]).toMatch(/^APPLE_API_KEY \+ APPLE_API_KEY_ID \+ APPLE_API_ISSUER/);
    expect(plan.env.CSC_IDENTITY_AUTO_DISCOVERY).toBe('false');
    expect(plan.overrides).toEqual({ mac: { notarize: false } });
  });

  it('macOS: a partial Apple ID set names exactly the missing variables', () => {
    const plan = signingPlan('darwin', { CSC_NAME: 'Developer ID Application: Hospital (TEAM123456)', APPLE_ID: 'it@hospital.example' });
    expect(plan.missing).toEqual(['APPLE_APP_SPECIFIC_PASSWORD, APPLE_TEAM_ID: incomplete notarization credentials (APPLE_ID + APPLE_APP_SPECIFIC_PASSWORD + APPLE_TEAM_ID)']);
    expect(plan.overrides).toEqual({ mac: { notarize: false } });
  });

  it('macOS: identity + API key is complete', () => {
    const plan = signingPlan('darwin', { CSC_LINK: 'id.p12', CSC_KEY_PASSWORD: 'p', APPLE_API_KEY: '/k.p8', APPLE_API_KEY_ID: 'K', APPLE_API_ISSUER: 'I' });
    expect(plan.missing).toEqual([]);
    expect(plan.overrides).toEqual({});
    expect(plan.signed).toEqual(['macOS app (Developer ID)', 'macOS notarization (APPLE_API_KEY, APPLE_API_KEY_ID, APPLE_API_ISSUER)']);
  });

  it('Linux: GPG key id', () => {
    expect(signingPlan('linux', {}).missing).toEqual(['SCRUBIN_GPG_KEY_ID: GPG key for the detached .asc signatures of the deb, rpm and AppImage']);
    expect(signingPlan('linux', { SCRUBIN_GPG_KEY_ID: '0xABCDEF' }).missing).toEqual([]);
  });

  it('the warning lists variable names only, never values', () => {
    const warning = unsignedWarning(signingPlan('win32', { WIN_CSC_LINK: 'C:\\secret-path.pfx' })) ?? '';
    expect(warning).toContain('WIN_CSC_KEY_PASSWORD');
    expect(warning).not.toContain('secret-path');
  });
});

describe('signing service command line', () => {
  it('quotes the file and refuses quotes in paths', () => {
    expect(signingServiceCommandLine(' sign-with-hsm --profile or ', 'C:\\out\\Scrub In Setup.exe')).toBe('sign-with-hsm --profile or "C:\\out\\Scrub In Setup.exe"');
    expect(() => signingServiceCommandLine('x', 'a".exe')).toThrow(/quotes/);
  });
});

describe('Electron zip detection', () => {
  it('names the zip like @electron/get', () => {
    expect(electronZipName('45.5.0', 'linux', 'x64')).toBe('electron-v45.5.0-linux-x64.zip');
  });

  it('knows the cache folders per OS and honours ELECTRON_CACHE', () => {
    expect(electronCacheRoots('linux', {}, '/home/b')).toEqual(['/home/b/.cache/electron']);
    expect(electronCacheRoots('linux', { ELECTRON_CACHE: '/srv/cache', XDG_CACHE_HOME: '/x' }, '/home/b')).toEqual(['/srv/cache', '/x/electron']);
    expect(electronCacheRoots('darwin', {}, '/Users/b')).toEqual(['/Users/b/Library/Caches/electron']);
  });

  it('finds a zip directly in the cache or one folder down, and nothing otherwise', () => {
    const root = tempDir();
    const zip = electronZipName('45.5.0', 'linux', 'x64');
    expect(findCachedElectronZip([root, path.join(root, 'missing')], zip)).toBeUndefined();
    mkdirSync(path.join(root, 'abc123'));
    writeFileSync(path.join(root, 'abc123', zip), 'zip');
    expect(findCachedElectronZip([path.join(root, 'missing'), root], zip)).toBe(path.join(root, 'abc123', zip));
  });

  it('probes a download host without hanging', async () => {
    const server = createServer((_req, res) => res.writeHead(404).end());
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    try {
      expect(await reachable(`http://127.0.0.1:${port}/`, 2000)).toBe(true);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
    // A closed port: refused at once.
    expect(await reachable(`http://127.0.0.1:${port}/`, 2000)).toBe(false);
    // A host that never answers: the timeout ends the probe.
    const never: typeof fetch = (_url, init) => new Promise((_resolve, reject) => init?.signal?.addEventListener('abort', () => reject(new Error('aborted'))));
    expect(await reachable('https://github.com/', 50, never)).toBe(false);
  });
});

describe('SHA256SUMS', () => {
  it('is in sha256sum format, sorted, with the real digests', () => {
    const dir = tempDir();
    writeFileSync(path.join(dir, 'b.deb'), 'deb');
    writeFileSync(path.join(dir, 'a.rpm'), 'rpm');
    const digest = (s: string): string => createHash('sha256').update(s).digest('hex');
    expect(sha256File(path.join(dir, 'b.deb'))).toBe(digest('deb'));
    const text = sha256sumsText(['b.deb', 'a.rpm'].map((name) => ({ name, sha256: sha256File(path.join(dir, name)) })));
    expect(text).toBe(`${digest('rpm')}  a.rpm\n${digest('deb')}  b.deb\n`);
  });
});
