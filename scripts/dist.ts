/**
 * `npm run dist` builds the installers for the current OS; `npm run dist -- --test` builds the unpacked test
 * flavour (electron-builder.test.yml) for Playwright.
 *
 *  1. Fails early, in ONE line, when the Electron zip is neither cached nor downloadable (no hang: 5 s probe).
 *  2. Works out which signing variables are missing and prints them in a loud warning; the build then goes on
 *     UNSIGNED (never a failure halfway through because of a missing or partial set of variables).
 *  3. `npm run build` with NODE_ENV=production, then electron-builder through its JS API (publish: never).
 *  4. Linux: detached armored GPG signatures (.asc) when SCRUBIN_GPG_KEY_ID is set. Every OS: SHA256SUMS beside
 *     the artefacts.
 * Nothing secret is printed: only variable NAMES are listed.
 */
import type { Configuration } from 'app-builder-lib';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { loadBuilderConfig } from './check-packaging';

type Env = Readonly<Record<string, string | undefined>>;
const has = (env: Env, name: string): boolean => (env[name] ?? '').trim() !== '';

export interface SigningPlan {
  /** What will be signed, for the log. */
  signed: string[];
  /** One line per missing piece: which variables to set. Empty when everything is configured. */
  missing: string[];
  /** electron-builder config overrides that keep a partial set from failing the build halfway. */
  overrides: Configuration;
  /** Extra environment for electron-builder. */
  env: Record<string, string>;
}

/** Which signing variables are set for `platform`, and what the build does about the missing ones. */
export function signingPlan(platform: NodeJS.Platform, env: Env): SigningPlan {
  const plan: SigningPlan = { signed: [], missing: [], overrides: {}, env: {} };
  if (platform === 'win32') {
    if (has(env, 'SCRUBIN_WIN_SIGN_COMMAND')) plan.signed.push('Windows executables and installers (signing service: SCRUBIN_WIN_SIGN_COMMAND)');
    else if (has(env, 'WIN_CSC_LINK') || has(env, 'CSC_LINK')) {
      if (has(env, 'WIN_CSC_KEY_PASSWORD') || has(env, 'CSC_KEY_PASSWORD')) plan.signed.push('Windows executables and installers (certificate file)');
      else {
        plan.missing.push('WIN_CSC_KEY_PASSWORD (or CSC_KEY_PASSWORD): the password of the certificate in WIN_CSC_LINK / CSC_LINK');
        plan.env.WIN_CSC_LINK = '';
        plan.env.CSC_LINK = '';
      }
    } else plan.missing.push('WIN_CSC_LINK (or CSC_LINK) + WIN_CSC_KEY_PASSWORD (or CSC_KEY_PASSWORD), or SCRUBIN_WIN_SIGN_COMMAND: Windows code signing');
  } else if (platform === 'darwin') {
    const identity = has(env, 'CSC_NAME') || (has(env, 'CSC_LINK') && has(env, 'CSC_KEY_PASSWORD'));
    if (identity) plan.signed.push('macOS app (Developer ID)');
    else {
      plan.missing.push(has(env, 'CSC_LINK') ? 'CSC_KEY_PASSWORD: the password of the Developer ID certificate in CSC_LINK' : 'CSC_LINK + CSC_KEY_PASSWORD (or CSC_NAME): Developer ID Application identity');
      // Deterministic unsigned build: do not pick up whatever identity the build machine's keychain holds.
      plan.env.CSC_IDENTITY_AUTO_DISCOVERY = 'false';
      plan.env.CSC_LINK = '';
    }
    const sets = [
      ['APPLE_API_KEY', 'APPLE_API_KEY_ID', 'APPLE_API_ISSUER'],
      ['APPLE_ID', 'APPLE_APP_SPECIFIC_PASSWORD', 'APPLE_TEAM_ID'],
      ['APPLE_KEYCHAIN_PROFILE'],
    ];
    const complete = sets.find((set) => set.every((name) => has(env, name)));
    const partial = sets.find((set) => set.some((name) => has(env, name)) && !set.every((name) => has(env, name)));
    if (identity && complete && !partial) plan.signed.push(`macOS notarization (${complete.join(', ')})`);
    else {
      if (partial) plan.missing.push(`${partial.filter((name) => !has(env, name)).join(', ')}: incomplete notarization credentials (${partial.join(' + ')})`);
      else if (!complete) plan.missing.push('APPLE_API_KEY + APPLE_API_KEY_ID + APPLE_API_ISSUER (or APPLE_ID + APPLE_APP_SPECIFIC_PASSWORD + APPLE_TEAM_ID, or APPLE_KEYCHAIN_PROFILE): notarization');
      else plan.missing.push('notarization needs a signing identity (see above)');
      plan.overrides = { mac: { notarize: false } };
    }
  } else {
    if (has(env, 'SCRUBIN_GPG_KEY_ID')) plan.signed.push('Linux packages (detached .asc signatures, GPG key SCRUBIN_GPG_KEY_ID)');
    else plan.missing.push('SCRUBIN_GPG_KEY_ID: GPG key for the detached .asc signatures of the deb, rpm and AppImage');
  }
  return plan;
}

export function unsignedWarning(plan: SigningPlan): string | undefined {
  if (plan.missing.length === 0) return undefined;
  const bar = '!'.repeat(100);
  return [bar, '!!! UNSIGNED BUILD: these signing variables are missing, so the artefacts below are NOT signed:', ...plan.missing.map((m) => `!!!   - ${m}`), '!!! Do not deploy an unsigned build to hospital machines. See docs/it-guide.md, "Signing".', bar].join('\n');
}

/** The command line a signing service is called with: the configured command plus the file, quoted. */
export function signingServiceCommandLine(command: string, file: string): string {
  if (/["\r\n]/.test(file)) throw new Error(`cannot sign ${JSON.stringify(file)}: quotes or line breaks in the path`);
  return `${command.trim()} "${file}"`;
}

/** Windows signing-service hook for win.signtoolOptions.sign (called once per file, SHA-256 only). */
export function signWithService(command: string): (configuration: { path: string }) => Promise<void> {
  return (configuration) => {
    const line = signingServiceCommandLine(command, configuration.path);
    const result = spawnSync(line, { shell: true, stdio: 'inherit' });
    if (result.status !== 0) return Promise.reject(new Error(`SCRUBIN_WIN_SIGN_COMMAND failed for ${configuration.path} (exit code ${String(result.status)})`));
    return Promise.resolve();
  };
}

// --- Electron download ----------------------------------------------------------------------------------------

export function electronZipName(version: string, platform: NodeJS.Platform, arch: string): string {
  return `electron-v${version}-${platform}-${arch}.zip`;
}

/** Cache folders @electron/get (used by electron-builder) looks in, for this user. */
export function electronCacheRoots(platform: NodeJS.Platform, env: Env, home: string): string[] {
  const roots: string[] = [];
  for (const name of ['ELECTRON_CACHE', 'electron_config_cache']) {
    const value = env[name];
    if (value && value.trim() !== '') roots.push(value);
  }
  if (platform === 'darwin') roots.push(path.join(home, 'Library', 'Caches', 'electron'));
  else if (platform === 'win32') roots.push(path.join(env.LOCALAPPDATA ?? path.join(home, 'AppData', 'Local'), 'electron', 'Cache'));
  else roots.push(path.join(env.XDG_CACHE_HOME ?? path.join(home, '.cache'), 'electron'));
  return roots;
}

/** The cached zip (`<root>/<zip>` or `<root>/<url hash>/<zip>`), or undefined. */
export function findCachedElectronZip(roots: readonly string[], zipName: string): string | undefined {
  for (const root of roots) {
    const direct = path.join(root, zipName);
    if (existsSync(direct)) return direct;
    let entries: string[];
    try {
      entries = readdirSync(root);
    } catch {
      continue;
    }
    for (const entry of entries) {
      const nested = path.join(root, entry, zipName);
      if (existsSync(nested)) return nested;
    }
  }
  return undefined;
}

/** Whether a download host answers within `timeoutMs` (any HTTP status counts: the host is reachable). */
export async function reachable(url: string, timeoutMs = 5000, fetchImpl: typeof fetch = fetch): Promise<boolean> {
  try {
    await fetchImpl(url, { method: 'HEAD', redirect: 'manual', signal: AbortSignal.timeout(timeoutMs) });
    return true;
  } catch {
    return false;
  }
}

// --- Checksums ------------------------------------------------------------------------------------------------

export function sha256File(file: string): string {
  return createHash('sha256').update(readFileSync(file)).digest('hex');
}

/** `sha256sum` format (two spaces, file name relative to the SHA256SUMS folder), sorted by name. */
export function sha256sumsText(entries: ReadonlyArray<{ name: string; sha256: string }>): string {
  return [...entries].sort((a, b) => a.name.localeCompare(b.name)).map((e) => `${e.sha256}  ${e.name}\n`).join('');
}

// --- Main -----------------------------------------------------------------------------------------------------

function fail(message: string): never {
  console.error(`dist: ${message}`);
  process.exit(1);
}

async function main(): Promise<void> {
  const projectDir = path.resolve(fileURLToPath(new URL('..', import.meta.url)));
  process.chdir(projectDir);
  const testFlavour = process.argv.includes('--test');
  const configFile = testFlavour ? 'electron-builder.test.yml' : 'electron-builder.yml';
  const platform = process.platform;
  const arch = process.arch;

  // 1. Electron zip: cached, given (SCRUBIN_ELECTRON_DIST), or downloadable; otherwise one line and out.
  const electronVersion = (JSON.parse(readFileSync(path.join(projectDir, 'node_modules/electron/package.json'), 'utf8')) as { version: string }).version;
  const zip = electronZipName(electronVersion, platform, arch);
  const electronDist = process.env.SCRUBIN_ELECTRON_DIST?.trim() || undefined;
  const cached = electronDist ? (existsSync(electronDist) ? electronDist : undefined) : findCachedElectronZip(electronCacheRoots(platform, process.env, homedir()), zip);
  const mirror = process.env.ELECTRON_MIRROR?.trim() || 'https://github.com/electron/electron/releases/download/';
  if (electronDist && !cached) fail(`SCRUBIN_ELECTRON_DIST=${electronDist} does not exist.`);
  if (!cached && !(await reachable(mirror))) {
    fail(`cannot package: ${zip} is not in the Electron cache (${electronCacheRoots(platform, process.env, homedir()).join(', ')}) and ${new URL(mirror).host} is unreachable; seed the cache or set SCRUBIN_ELECTRON_DIST / ELECTRON_MIRROR (docs/it-guide.md).`);
  }
  if (cached && !(await reachable('https://github.com/electron-userland/electron-builder-binaries/releases/'))) {
    console.warn('dist: github.com is unreachable; electron-builder also downloads its tools (fpm, AppImage, NSIS, WiX, winCodeSign) unless ELECTRON_BUILDER_BINARIES_MIRROR or a seeded ELECTRON_BUILDER_CACHE provides them.');
  }

  // 2. Signing plan.
  const plan = testFlavour ? { signed: [], missing: [], overrides: {}, env: { CSC_IDENTITY_AUTO_DISCOVERY: 'false' } } : signingPlan(platform, process.env);
  const warning = unsignedWarning(plan);
  if (warning) console.warn(warning);
  for (const item of plan.signed) console.log(`dist: signing ${item}`);
  Object.assign(process.env, plan.env);

  // 3. Production build, then electron-builder.
  const built = spawnSync('npm', ['run', 'build'], { stdio: 'inherit', env: { ...process.env, NODE_ENV: 'production' }, shell: platform === 'win32' });
  if (built.status !== 0) fail('`npm run build` failed; nothing was packaged.');

  const config: Configuration = { ...(await loadBuilderConfig(projectDir, configFile)), extends: null };
  const signCommand = process.env.SCRUBIN_WIN_SIGN_COMMAND?.trim();
  const overrides: Configuration = {
    ...(electronDist ? { electronDist } : {}),
    ...(platform === 'win32' && signCommand && !testFlavour ? { win: { ...config.win, signtoolOptions: { ...config.win?.signtoolOptions, sign: signWithService(signCommand) } } } : {}),
    ...(plan.overrides.mac ? { mac: { ...config.mac, ...plan.overrides.mac } } : {}),
  };
  const { build } = await import('electron-builder');
  let artefacts: string[];
  try {
    artefacts = await build({ config: { ...config, ...overrides }, publish: 'never', projectDir });
  } catch (error) {
    fail(`electron-builder failed: ${(error as Error).message.split('\n')[0] ?? ''}`);
  }

  // 4. Linux signatures and SHA256SUMS beside the artefacts.
  const outDir = path.resolve(projectDir, config.directories?.output ?? 'dist');
  const files = artefacts.filter((file) => existsSync(file) && statSync(file).isFile() && !file.endsWith('.blockmap') && path.dirname(path.resolve(file)) === outDir);
  const gpgKey = process.env.SCRUBIN_GPG_KEY_ID?.trim();
  const signatures: string[] = [];
  if (platform === 'linux' && gpgKey && !testFlavour) {
    for (const file of files) {
      const signed = spawnSync('gpg', ['--batch', '--yes', '--local-user', gpgKey, '--detach-sign', '--armor', '--output', `${file}.asc`, file], { stdio: 'inherit' });
      if (signed.status !== 0) fail(`gpg could not sign ${path.basename(file)} with SCRUBIN_GPG_KEY_ID (is the key in the build user's keyring?).`);
      signatures.push(`${file}.asc`);
    }
  }
  if (files.length > 0) {
    const sums = path.join(outDir, 'SHA256SUMS');
    writeFileSync(sums, sha256sumsText([...files, ...signatures].map((file) => ({ name: path.basename(file), sha256: sha256File(file) }))));
    if (platform === 'linux' && gpgKey && !testFlavour) {
      const signed = spawnSync('gpg', ['--batch', '--yes', '--local-user', gpgKey, '--detach-sign', '--armor', '--output', `${sums}.asc`, sums], { stdio: 'inherit' });
      if (signed.status !== 0) fail('gpg could not sign SHA256SUMS.');
    }
  }
  for (const file of [...files, ...signatures]) console.log(`dist: ${path.relative(projectDir, file)}`);
  if (files.length > 0) console.log(`dist: ${path.relative(projectDir, path.join(outDir, 'SHA256SUMS'))}`);
  if (warning) console.warn('dist: finished UNSIGNED (see the warning above).');
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  await main();
}
