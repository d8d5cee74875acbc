import { spawnSync } from 'node:child_process';
import { chmodSync, chownSync, copyFileSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Configuration } from 'app-builder-lib';
import {
  appFileFilter,
  bundleImportProblems,
  bundleShapeProblems,
  checkPackaging,
  asarUnpackFilter,
  configProblems,
  desktopEntryProblems,
  entitlementKeys,
  linuxDesktopEntry,
  linuxScriptMacroProblems,
  loadBuilderConfig,
  looksMinified,
  packageJsonProblems,
  payloadProblems,
  preloadProblems,
  productionPackagesFromNpmLs,
  rendererAssetProblems,
  schemaProblems,
  selectFiles,
} from '../../scripts/check-packaging';

const root = fileURLToPath(new URL('../..', import.meta.url));
const temps: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'scrubin-packaging-'));
  temps.push(dir);
  return dir;
}
afterEach(() => {
  for (const dir of temps.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** What `npm run build` (NODE_ENV=production) writes, plus everything else a source tree holds. */
const SOURCE_TREE = [
  'package.json',
  'package-lock.json',
  'README.md',
  'electron-builder.yml',
  'main/index.ts',
  'preload/index.ts',
  'local-cognito/index.ts',
  'tests/unit/config.test.ts',
  'tests/fixtures/users.json',
  'build/installer.nsh',
  'build/entitlements.mac.plist',
  '.env.local',
  'dist/main/index.js',
  'dist/main/index.js.map',
  'dist/preload/index.cjs',
  'dist/renderer/index.html',
  'dist/renderer/assets/index-abc123.js',
  'dist/renderer/assets/index-def456.css',
  'dist/local-cognito/index.js',
  'dist/local-cognito/cli.js',
  'release/linux-unpacked/resources/app.asar',
  'node_modules/zod/package.json',
];
const RUNTIME = ['dist/main/index.js', 'dist/preload/index.cjs', 'dist/renderer/assets/index-abc123.js', 'dist/renderer/assets/index-def456.css', 'dist/renderer/index.html', 'package.json'];

let release: Configuration;
let testFlavour: Configuration;
beforeAll(async () => {
  release = await loadBuilderConfig(root, 'electron-builder.yml');
  testFlavour = await loadBuilderConfig(root, 'electron-builder.test.yml');
});

describe('app payload from electron-builder.yml `files` (electron-builder file matcher)', () => {
  it('packs exactly the runtime files of the source tree', () => {
    expect(selectFiles(SOURCE_TREE, appFileFilter(release, root))).toEqual(RUNTIME.slice().sort());
  });

  it('the test flavour packs the same files', () => {
    expect(selectFiles(SOURCE_TREE, appFileFilter(testFlavour, root))).toEqual(RUNTIME.slice().sort());
  });

  it('a careless `dist/**` pattern would pack local-cognito and source maps, and the check fails', () => {
    const careless: Configuration = { ...release, files: ['dist/**', 'package.json'] };
    const payload = selectFiles(SOURCE_TREE, appFileFilter(careless, root));
    expect(payload).toContain('dist/local-cognito/index.js');
    const problems = payloadProblems(payload);
    expect(problems).toContain('forbidden file dist/local-cognito/index.js: local-cognito is dev-only');
    expect(problems).toContain('forbidden file dist/main/index.js.map: source maps are not shipped');
  });
});

describe('payloadProblems', () => {
  const good = [...RUNTIME, 'node_modules/zod/package.json', 'node_modules/keytar/build/Release/keytar.node'];

  it('accepts a runtime-only payload', () => {
    expect(payloadProblems(good)).toEqual([]);
  });

  it.each([
    ['tests/unit/config.test.ts', 'tests are not shipped'],
    ['dist/main/helper.test.js', 'test files are not shipped'],
    ['dist/local-cognito/index.js', 'local-cognito is dev-only'],
    ['dist/renderer/fixtures/users.json', 'test fixtures are not shipped'],
    ['dist/renderer/assets/index.js.map', 'source maps are not shipped'],
    ['.env', 'environment files may hold secrets'],
    ['dist/main/.env.production', 'environment files may hold secrets'],
    ['signing.pem', 'key and certificate files are not shipped'],
    ['dist/main/server.key', 'key and certificate files are not shipped'],
    ['build/cert.p12', 'key and certificate files are not shipped'],
    ['codesign.PFX', 'key and certificate files are not shipped'],
    ['id_rsa', 'SSH keys are not shipped'],
    ['dist/id_rsa.pub', 'SSH keys are not shipped'],
    ['main/index.ts', 'TypeScript sources are not shipped'],
    ['node_modules/some-dep/private.pem', 'key and certificate files are not shipped'],
  ])('fails when %s is added', (file, why) => {
    expect(payloadProblems([...good, file])).toEqual([`forbidden file ${file}: ${why}`]);
  });

  it('tolerates test folders inside dependencies but not their secrets', () => {
    expect(payloadProblems([...good, 'node_modules/zod/tests/a.test.js'])).toEqual([]);
  });

  it.each(['oidc-provider', 'playwright-core', 'electron'])('fails when the dev-only package %s is among the dependencies', (name) => {
    expect(payloadProblems([...good, `node_modules/${name}/package.json`])).toEqual([`dev-only package ${name} is in the payload (node_modules/${name}/package.json)`]);
  });

  it('honours a computed dev-only list, including scoped and nested packages', () => {
    const problems = payloadProblems([...good, 'node_modules/a/node_modules/@axe-core/playwright/package.json'], { devOnlyPackages: ['@axe-core/playwright'] });
    expect(problems).toEqual(['dev-only package @axe-core/playwright is in the payload (node_modules/a/node_modules/@axe-core/playwright/package.json)']);
  });

  it('fails when a required file is missing', () => {
    expect(payloadProblems(good.filter((f) => f !== 'dist/preload/index.cjs'))).toEqual(['missing dist/preload/index.cjs: the packaged app needs it']);
  });
});

describe('package.json, renderer assets, bundle imports', () => {
  it('package.json main must be packed', () => {
    expect(packageJsonProblems({ main: 'dist/main/index.js' }, RUNTIME)).toEqual([]);
    expect(packageJsonProblems({ main: './dist/main/index.js' }, RUNTIME)).toEqual([]);
    expect(packageJsonProblems({ main: 'main/index.ts' }, RUNTIME)).toEqual(['package.json "main" is main/index.ts, which is not in the payload']);
    expect(packageJsonProblems({}, RUNTIME)).toEqual(['package.json has no "main"']);
  });

  it('every local asset of index.html must be packed', () => {
    const html = '<script type="module" crossorigin src="./assets/index-abc123.js"></script><link rel="stylesheet" href="./assets/index-def456.css"><a href="https://example.org">x</a>';
    expect(rendererAssetProblems(html, RUNTIME)).toEqual([]);
    expect(rendererAssetProblems(html, RUNTIME.filter((f) => !f.endsWith('.css')))).toEqual([
      'dist/renderer/index.html references ./assets/index-def456.css, but dist/renderer/assets/index-def456.css is not in the payload',
    ]);
    expect(rendererAssetProblems('<html></html>', RUNTIME)).toHaveLength(1);
  });

  it('bare imports of dist/main must be packed production dependencies', () => {
    const code = 'import { app } from "electron";\nimport fs from "node:fs";\nimport path from "path";\nimport { z } from "zod";\nimport * as c from "openid-client";\nimport { fromIni } from "@aws-sdk/client-cognito-identity/dist-cjs";\nconst p = await import("oidc-provider");';
    const production = new Set(['zod', 'openid-client', '@aws-sdk/client-cognito-identity']);
    expect(bundleImportProblems('dist/main/index.js', code, production)).toEqual(['dist/main/index.js imports oidc-provider, but oidc-provider is not a packed production dependency']);
  });

  it('the preload is one CommonJS file requiring only electron', () => {
    expect(preloadProblems('"use strict";\nvar import_electron = require("electron");')).toEqual([]);
    expect(preloadProblems('var z = require("zod");')).toHaveLength(1);
    expect(preloadProblems('import { contextBridge } from "electron";')).toHaveLength(1);
    expect(preloadProblems(`var e = require("electron");${' '.repeat(20 * 1024)}`)).toEqual([expect.stringMatching(/over its budget of 20480/) as unknown]);
  });

  it('production bundles are minified and name no source map; no build ever embeds one', () => {
    const unminified = Array.from({ length: 400 }, (_, i) => `  const value${String(i)} = compute(${String(i)});`).join('\n');
    const minified = `var a=1;${'b(a),'.repeat(400)}c();`;
    expect(looksMinified(unminified)).toBe(false);
    expect(looksMinified(minified)).toBe(true);
    expect(bundleShapeProblems('dist/main/index.js', minified, true, true)).toEqual([]);
    expect(bundleShapeProblems('dist/main/index.js', unminified, false, false)).toEqual([]);
    expect(bundleShapeProblems('dist/main/index.js', `${unminified}\n//# sourceMappingURL=index.js.map`, true, false)).toEqual([
      'dist/main/index.js is not minified in a production build',
      'dist/main/index.js names a source map that is not packaged (production maps are kept beside the build, unreferenced)',
      'dist/main/index.js.map is missing: production source maps are kept beside the build for diagnostics',
    ]);
    expect(bundleShapeProblems('dist/preload/index.cjs', `${minified}\n//# sourceMappingURL=data:application/json;base64,e30=`, false, false)).toEqual([
      'dist/preload/index.cjs embeds its source map (inline data: URL)',
    ]);
  });

  it('production packages come from npm ls, without extraneous entries', () => {
    const tree = { dependencies: { zod: {}, keytar: { dependencies: { 'node-addon-api': {} } }, stray: { extraneous: true } } };
    expect([...productionPackagesFromNpmLs(tree)].sort()).toEqual(['keytar', 'node-addon-api', 'zod']);
  });
});

describe('electron-builder configuration', () => {
  it('both flavours pass electron-builder’s own schema validation and Scrub In’s rules', async () => {
    expect(await schemaProblems(release)).toEqual([]);
    expect(await schemaProblems(testFlavour)).toEqual([]);
    expect(configProblems(release, 'release', root)).toEqual([]);
    expect(configProblems(testFlavour, 'test', root)).toEqual([]);
  });

  it('only keytar\'s native binary is unpacked from app.asar, not its JavaScript (security defect 7)', () => {
    const unpack = asarUnpackFilter(release, root);
    expect(unpack('node_modules/keytar/build/Release/keytar.node')).toBe(true);
    expect(unpack('node_modules/keytar/lib/keytar.js')).toBe(false);
    const loose = { ...release, asarUnpack: ['**/node_modules/keytar/**'] };
    expect(configProblems(loose, 'release', root)).toContain('asarUnpack must unpack only the native .node files of keytar, not its JavaScript');
  });

  it('only the test flavour is marked as a test build (a release build refuses debugging switches)', () => {
    expect((testFlavour.extraMetadata as { scrubinTestBuild?: boolean }).scrubinTestBuild).toBe(true);
    expect(release.extraMetadata).toBeUndefined();
    expect(configProblems({ ...release, extraMetadata: { scrubinTestBuild: true } }, 'release', root)).toContain(
      'the release flavour must not set extraMetadata.scrubinTestBuild (a release build refuses debugging switches)',
    );
  });

  it('the flavours differ only in the inspect fuse (and the test-build mark)', () => {
    expect(release.electronFuses?.enableNodeCliInspectArguments).toBe(false);
    expect(testFlavour.electronFuses?.enableNodeCliInspectArguments).toBe(true);
    expect({ ...testFlavour.electronFuses, enableNodeCliInspectArguments: false }).toEqual(release.electronFuses);
    expect(configProblems(testFlavour, 'release', root)).toContain('electronFuses.enableNodeCliInspectArguments must be false in the release flavour (is true)');
  });

  it('fails on an invalid config: a temp copy of electron-builder.yml with a bad key', async () => {
    const dir = tempDir();
    const yml = readFileSync(path.join(root, 'electron-builder.yml'), 'utf8').replace('nsis:\n', 'nsis:\n  perUserChoice: true\n');
    writeFileSync(path.join(dir, 'electron-builder.yml'), yml);
    copyFileSync(path.join(root, 'electron-builder.test.yml'), path.join(dir, 'electron-builder.test.yml'));
    copyFileSync(path.join(root, 'package.json'), path.join(dir, 'package.json'));
    const problems = await schemaProblems(await loadBuilderConfig(dir, 'electron-builder.yml'));
    expect(problems).toHaveLength(1);
    // electron-builder's schema error names the object holding the unknown key.
    expect(problems[0]).toMatch(/configuration\.nsis/);
    const report = await checkPackaging(dir);
    expect(report.problems.some((p) => p.startsWith('electron-builder.yml: electron-builder rejects the configuration') && p.includes('configuration.nsis'))).toBe(true);
    // The test flavour extends the broken file, so it fails too.
    expect(report.problems.some((p) => p.startsWith('electron-builder.test.yml: electron-builder rejects the configuration'))).toBe(true);
  });

  it('fails on weakened release settings', () => {
    const weakened: Configuration = {
      ...release,
      electronFuses: { ...release.electronFuses, runAsNode: true },
      nsis: { ...release.nsis, perMachine: false },
      protocols: [{ name: 'other', schemes: ['other'] }],
      asarUnpack: ['nothing/**'],
      appImage: { executableArgs: ['--no-sandbox'] },
    };
    expect(configProblems(weakened, 'release', root)).toEqual([
      'protocols must register the app.scrubin scheme',
      'electronFuses.runAsNode must be false in the release flavour (is true)',
      'asarUnpack must unpack keytar (native module)',
      'nsis.perMachine must be true (per-machine install, no per-user choice)',
      'appImage must not disable the Chromium sandbox',
    ]);
  });

  it('entitlements hold only what Electron + keytar need', () => {
    expect(entitlementKeys(readFileSync(path.join(root, 'build/entitlements.mac.plist'), 'utf8'))).toEqual(['com.apple.security.cs.allow-jit']);
    const dir = tempDir();
    writeFileSync(path.join(dir, 'e.plist'), '<plist><dict><key>com.apple.security.cs.allow-jit</key><true/><key>com.apple.security.cs.disable-library-validation</key><true/></dict></plist>');
    const problems = configProblems({ ...release, mac: { ...release.mac, entitlements: path.join(dir, 'e.plist') } }, 'release', root);
    expect(problems).toEqual([`${path.join(dir, 'e.plist')} grants more than Electron + keytar need: com.apple.security.cs.disable-library-validation`]);
  });

  it('deb and rpm desktop entries register the scheme and pass one URL with %u (electron-builder LinuxTargetHelper)', async () => {
    for (const target of ['deb', 'rpm'] as const) {
      const entry = await linuxDesktopEntry(release, target, { description: 'x', version: '0.1.0', desktopName: 'scrub-in.desktop' });
      expect(entry).toContain('MimeType=x-scheme-handler/app.scrubin;');
      expect(entry).toContain('Exec="/opt/Scrub In/scrub-in" %u');
      expect(desktopEntryProblems(entry, target)).toEqual([]);
    }
    expect(desktopEntryProblems('Exec=/opt/x %U\nMimeType=text/plain;', 'deb')).toEqual([
      'deb .desktop MimeType lacks x-scheme-handler/app.scrubin (is "text/plain;")',
      'deb .desktop Exec must pass exactly one URL with %u (is "/opt/x %U")',
    ]);
  });
});

describe('Linux post-install script (build/linux/after-install.tpl)', () => {
  const template = readFileSync(path.join(root, 'build/linux/after-install.tpl'), 'utf8');
  const isRoot = process.getuid?.() === 0;

  it('uses only placeholders electron-builder fills, and is valid bash once filled', () => {
    expect(linuxScriptMacroProblems(template, 'after-install.tpl')).toEqual([]);
    expect(linuxScriptMacroProblems('echo ${source}', 't')).toHaveLength(1);
    const rendered = template.replaceAll('${executable}', 'scrub-in').replaceAll('${sanitizedProductName}', 'Scrub In');
    const dir = tempDir();
    writeFileSync(path.join(dir, 'after-install.sh'), rendered);
    const syntax = spawnSync('bash', ['--norc', '--noprofile', '-n', path.join(dir, 'after-install.sh')], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    expect(syntax.stderr).toBe('');
    expect(syntax.status).toBe(0);
  });

  /** Runs the scrubin-config block of the script with /etc/scrubin replaced by a temporary directory. */
  function runConfigBlock(etc: string, env: Record<string, string> = {}): { status: number | null; stdout: string; stderr: string } {
    const block = /# >>> scrubin-config[^\n]*\n([\s\S]*?)# <<< scrubin-config/.exec(template)?.[1];
    if (!block) throw new Error('scrubin-config block not found');
    const script = block.replaceAll('/etc/scrubin', etc);
    expect(script).not.toContain('/etc/scrubin');
    const result = spawnSync('bash', ['--norc', '--noprofile', '-c', `${script}\nexit 0`], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...env } });
    return { status: result.status, stdout: result.stdout, stderr: result.stderr };
  }

  it.skipIf(!isRoot)('installs SCRUBIN_CONFIG_SOURCE as root-owned 0644 even from a world-writable source', () => {
    const dir = tempDir();
    const source = path.join(dir, 'admin.json');
    writeFileSync(source, '{"userPool":{}}');
    chmodSync(source, 0o666);
    const etc = path.join(dir, 'etc-scrubin');
    const result = runConfigBlock(etc, { SCRUBIN_CONFIG_SOURCE: source });
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    const stat = statSync(path.join(etc, 'config.json'));
    expect(stat.mode & 0o777).toBe(0o644);
    expect(stat.uid).toBe(0);
    expect(readFileSync(path.join(etc, 'config.json'), 'utf8')).toBe('{"userPool":{}}');
  });

  it.skipIf(!isRoot)('does NOT adopt a config file placed before install that users could write (security defect 6): moved aside, folder locked down', () => {
    const etc = path.join(tempDir(), 'etc-scrubin');
    mkdirSync(etc, { mode: 0o777 });
    chmodSync(etc, 0o777);
    writeFileSync(path.join(etc, 'config.json'), '{"userPool":"attacker"}');
    chmodSync(path.join(etc, 'config.json'), 0o666);
    const result = runConfigBlock(etc);
    expect(result.status).toBe(0);
    expect(result.stderr).toContain('It was NOT adopted');
    expect(() => lstatSync(path.join(etc, 'config.json'))).toThrow();
    const aside = statSync(path.join(etc, 'config.json.untrusted'));
    expect(aside.mode & 0o777).toBe(0o600);
    expect(statSync(etc).mode & 0o777).toBe(0o755);
  });

  it.skipIf(!isRoot)('does NOT adopt a pre-existing config file owned by another user, even with mode 0644', () => {
    const etc = path.join(tempDir(), 'etc-scrubin');
    mkdirSync(etc, { mode: 0o755 });
    writeFileSync(path.join(etc, 'config.json'), '{}');
    chmodSync(path.join(etc, 'config.json'), 0o644);
    chownSync(path.join(etc, 'config.json'), 65534, 65534); // nobody
    expect(runConfigBlock(etc).stderr).toContain('file owner uid 65534');
    expect(() => lstatSync(path.join(etc, 'config.json'))).toThrow();
  });

  it.skipIf(!isRoot)('does NOT adopt a root-owned file in a folder another user owns (they could have replaced it)', () => {
    const etc = path.join(tempDir(), 'etc-scrubin');
    mkdirSync(etc, { mode: 0o755 });
    chownSync(etc, 65534, 65534);
    writeFileSync(path.join(etc, 'config.json'), '{}');
    chmodSync(path.join(etc, 'config.json'), 0o644);
    expect(runConfigBlock(etc).stderr).toContain('folder owner uid 65534');
    expect(() => lstatSync(path.join(etc, 'config.json'))).toThrow();
    expect(statSync(etc).uid).toBe(0);
  });

  it.skipIf(!isRoot)('keeps a config file only root could have written (an upgrade over an earlier install)', () => {
    const etc = path.join(tempDir(), 'etc-scrubin');
    mkdirSync(etc, { mode: 0o755 });
    chmodSync(etc, 0o755);
    writeFileSync(path.join(etc, 'config.json'), '{"kept":true}');
    chmodSync(path.join(etc, 'config.json'), 0o644);
    const result = runConfigBlock(etc);
    expect(result.stderr).toBe('');
    expect(readFileSync(path.join(etc, 'config.json'), 'utf8')).toBe('{"kept":true}');
  });

  it('does nothing when there is no configuration', () => {
    const etc = path.join(tempDir(), 'etc-scrubin');
    const result = runConfigBlock(etc);
    expect(result.status).toBe(0);
    expect(() => lstatSync(etc)).toThrow();
  });

  it('fails loudly on a missing SCRUBIN_CONFIG_SOURCE and on a symlinked config', () => {
    const dir = tempDir();
    const missing = runConfigBlock(path.join(dir, 'etc-a'), { SCRUBIN_CONFIG_SOURCE: path.join(dir, 'nope.json') });
    expect(missing.status).toBe(1);
    expect(missing.stderr).toContain('is not a readable file; the configuration was not installed');
    const etc = path.join(dir, 'etc-b');
    mkdirSync(etc);
    writeFileSync(path.join(dir, 'user-owned.json'), '{}');
    symlinkSync(path.join(dir, 'user-owned.json'), path.join(etc, 'config.json'));
    const linked = runConfigBlock(etc);
    expect(linked.status).toBe(1);
    expect(linked.stderr).toContain('must be a regular file');
  });
});

describe('start at login in the installers (terminal.startAtLogin decides at run time)', () => {
  const install = readFileSync(path.join(root, 'build/linux/after-install.tpl'), 'utf8');
  const remove = readFileSync(path.join(root, 'build/linux/after-remove.tpl'), 'utf8');
  const fill = (t: string): string => t.replaceAll('${executable}', 'scrub-in').replaceAll('${sanitizedProductName}', 'Scrub In');
  const block = (template: string, name: string): string => {
    const found = new RegExp(`# >>> ${name}[^\\n]*\\n([\\s\\S]*?)# <<< ${name}`).exec(template)?.[1];
    if (!found) throw new Error(`${name} block not found`);
    return found;
  };
  const bash = (script: string, args: string[] = []) =>
    spawnSync('bash', ['--norc', '--noprofile', '-c', script, 'after-remove', ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], env: { PATH: process.env.PATH ?? '/usr/bin:/bin' } });

  it('the deb/rpm post-install writes an XDG autostart entry that starts the app with --autostart', () => {
    const dir = tempDir();
    const script = `app_dir='/opt/Scrub In'\napp_exe='scrub-in'\n${block(install, 'scrubin-autostart').replaceAll('/etc/xdg/autostart', dir)}`;
    expect(script).not.toContain('/etc/xdg');
    const result = bash(script);
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    const entry = readFileSync(path.join(dir, 'scrub-in.desktop'), 'utf8');
    expect(entry).toContain('\nExec="/opt/Scrub In/scrub-in" --autostart\n');
    expect(entry).toMatch(/^\[Desktop Entry\]\nType=Application\n/);
    expect(statSync(path.join(dir, 'scrub-in.desktop')).mode & 0o777).toBe(0o644);
  });

  it('the post-remove script is valid bash once filled, uses only fillable placeholders, and removes the entry on removal only', () => {
    expect(linuxScriptMacroProblems(remove, 'after-remove.tpl')).toEqual([]);
    const dir = tempDir();
    writeFileSync(path.join(dir, 'after-remove.sh'), fill(remove));
    expect(spawnSync('bash', ['-n', path.join(dir, 'after-remove.sh')]).status).toBe(0);
    const removeBlock = block(remove, 'scrubin-remove').replaceAll('/etc/xdg/autostart', dir);
    const entry = path.join(dir, 'scrub-in.desktop');
    for (const upgrade of ['upgrade', '1']) {
      writeFileSync(entry, 'x');
      expect(bash(removeBlock, [upgrade]).status).toBe(0);
      expect(readFileSync(entry, 'utf8')).toBe('x');
    }
    for (const removal of ['remove', 'purge', '0']) {
      writeFileSync(entry, 'x');
      expect(bash(removeBlock, [removal]).status).toBe(0);
      expect(() => lstatSync(entry)).toThrow();
    }
  });

  it('check:packaging fails when an installer loses its start entry', () => {
    const noRemove: Configuration = { ...release, deb: { ...release.deb, afterRemove: null } };
    expect(configProblems(noRemove, 'release', root)).toContain('deb.afterRemove must name build/linux/after-remove.tpl (it removes the start-at-login entry)');
  });
});
