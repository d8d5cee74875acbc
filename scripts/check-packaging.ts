/**
 * `npm run check:packaging`: checks the packaging WITHOUT the Electron download (run after `npm run build`).
 *  1. electron-builder.yml and electron-builder.test.yml pass electron-builder's own `getConfig` +
 *     `validateConfiguration` (its JSON schema), plus Scrub In's rules (fuses, per-machine NSIS, scheme, ...).
 *  2. The app payload, computed with electron-builder's own file matcher from the config's `files` patterns,
 *     plus the production dependencies (`npm ls --omit=dev --all --json`), contains what the app needs and
 *     nothing it must not ship (no source maps: they stay beside the build in dist/).
 *  3. The bundles: preload within its size budget; in a production build (dist/build-info.json) every packed
 *     bundle minified and naming no source map.
 * Pure parts are exported and unit-tested in tests/unit/packaging.test.ts.
 */
import type { Configuration, FuseOptionsV1 } from 'app-builder-lib';
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { builtinModules, createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const require = createRequire(import.meta.url);

export type Flavour = 'release' | 'test';

/** The URL scheme of the OAuth redirect (docs/decisions.md). */
export const SCHEME = 'app.scrubin';

/** Release fuses (issue: packaging). The test flavour differs only in enableNodeCliInspectArguments. */
export const RELEASE_FUSES: Readonly<Required<Omit<FuseOptionsV1, 'loadBrowserProcessSpecificV8Snapshot' | 'resetAdHocDarwinSignature'>>> = {
  runAsNode: false,
  enableCookieEncryption: true,
  enableNodeOptionsEnvironmentVariable: false,
  enableNodeCliInspectArguments: false,
  enableEmbeddedAsarIntegrityValidation: true,
  onlyLoadAppFromAsar: true,
  grantFileProtocolExtraPrivileges: false,
};

export function expectedFuses(flavour: Flavour): Readonly<Record<keyof typeof RELEASE_FUSES, boolean>> {
  return flavour === 'test' ? { ...RELEASE_FUSES, enableNodeCliInspectArguments: true } : RELEASE_FUSES;
}

/** Dev-only packages that must never be among the packed production dependencies (besides all devDependencies). */
export const ALWAYS_DEV_ONLY = ['oidc-provider', 'playwright-core', 'electron', 'electron-builder', 'vitest', 'typescript', 'esbuild', 'vite', 'tsx'];

/** Files the packaged app cannot start without. */
export const REQUIRED_FILES = ['package.json', 'dist/main/index.js', 'dist/preload/index.cjs', 'dist/renderer/index.html'];

/** Hardened-runtime entitlements Electron + keytar need; anything else in build/entitlements.mac.plist is a problem. */
export const ALLOWED_ENTITLEMENTS = ['com.apple.security.cs.allow-jit'];

/** Placeholders electron-builder fills into deb/rpm scripts (FpmTarget); any other `${letters}` fails the build. */
export const LINUX_SCRIPT_MACROS = ['executable', 'sanitizedProductName', 'productFilename'];

interface ForbiddenRule {
  test: (file: string) => boolean;
  why: string;
  /** Also applies inside node_modules (secrets do; test files of dependencies are their business). */
  inDependencies: boolean;
}

const base = (file: string): string => file.slice(file.lastIndexOf('/') + 1);
const segments = (file: string): string[] => file.split('/');

const FORBIDDEN: ForbiddenRule[] = [
  { test: (f) => f.startsWith('dist/local-cognito/') || segments(f).includes('local-cognito'), why: 'local-cognito is dev-only', inDependencies: false },
  { test: (f) => segments(f).some((s) => s === 'tests' || s === 'test' || s === '__tests__'), why: 'tests are not shipped', inDependencies: false },
  { test: (f) => /\.(test|spec)\.[cm]?[jt]sx?$/.test(f), why: 'test files are not shipped', inDependencies: false },
  { test: (f) => segments(f).some((s) => s === 'fixtures' || s === '__fixtures__'), why: 'test fixtures are not shipped', inDependencies: false },
  { test: (f) => f.endsWith('.map'), why: 'source maps are not shipped', inDependencies: true },
  { test: (f) => /\.(ts|tsx|mts|cts)$/.test(f) && !f.endsWith('.d.ts'), why: 'TypeScript sources are not shipped', inDependencies: false },
  { test: (f) => base(f).startsWith('.env'), why: 'environment files may hold secrets', inDependencies: true },
  { test: (f) => /\.(pem|key|p12|pfx)$/i.test(f), why: 'key and certificate files are not shipped', inDependencies: true },
  { test: (f) => base(f).startsWith('id_rsa'), why: 'SSH keys are not shipped', inDependencies: true },
];

/** The package name a `node_modules/...` path belongs to (innermost node_modules), or undefined. */
export function packageOfPath(file: string): string | undefined {
  const parts = segments(file);
  const at = parts.lastIndexOf('node_modules');
  if (at < 0) return undefined;
  const first = parts[at + 1];
  if (!first) return undefined;
  if (first.startsWith('@')) {
    const second = parts[at + 2];
    return second ? `${first}/${second}` : undefined;
  }
  return first;
}

export interface PayloadOptions {
  /** Packages that must not be packed (dev-only). Defaults to ALWAYS_DEV_ONLY. */
  devOnlyPackages?: readonly string[];
}

/**
 * Problems of a payload: every path is relative to the app root with `/` separators, as packed into app.asar
 * (node_modules paths for dependencies). Returns one line per problem, [] when the payload is fine.
 */
export function payloadProblems(files: readonly string[], options: PayloadOptions = {}): string[] {
  const problems: string[] = [];
  const set = new Set(files);
  for (const required of REQUIRED_FILES) {
    if (!set.has(required)) problems.push(`missing ${required}: the packaged app needs it`);
  }
  const devOnly = new Set(options.devOnlyPackages ?? ALWAYS_DEV_ONLY);
  const reportedPackages = new Set<string>();
  for (const file of files) {
    const pkg = packageOfPath(file);
    if (pkg !== undefined && devOnly.has(pkg) && !reportedPackages.has(pkg)) {
      reportedPackages.add(pkg);
      problems.push(`dev-only package ${pkg} is in the payload (${file})`);
    }
    for (const rule of FORBIDDEN) {
      if ((pkg === undefined || rule.inDependencies) && rule.test(file)) {
        problems.push(`forbidden file ${file}: ${rule.why}`);
        break;
      }
    }
  }
  return problems;
}

/** package.json of the app: `main` must point at a packed file. */
export function packageJsonProblems(pkg: unknown, files: readonly string[]): string[] {
  if (typeof pkg !== 'object' || pkg === null) return ['package.json is not a JSON object'];
  const main = (pkg as { main?: unknown }).main;
  if (typeof main !== 'string' || main === '') return ['package.json has no "main"'];
  const normalized = path.posix.normalize(main.replace(/^\.\//, ''));
  return files.includes(normalized) ? [] : [`package.json "main" is ${main}, which is not in the payload`];
}

/** Local assets referenced by the built renderer/index.html (src= / href=) that are missing from the payload. */
export function rendererAssetProblems(indexHtml: string, files: readonly string[]): string[] {
  const problems: string[] = [];
  const set = new Set(files);
  const references = [...indexHtml.matchAll(/\s(?:src|href)="([^"]+)"/g)].map((m) => m[1] ?? '');
  let local = 0;
  for (const ref of references) {
    if (ref === '' || /^[a-z][a-z0-9+.-]*:/i.test(ref) || ref.startsWith('#') || ref.startsWith('//')) continue;
    local++;
    const clean = ref.split(/[?#]/)[0] ?? ref;
    const file = path.posix.normalize(path.posix.join('dist/renderer', clean.startsWith('/') ? clean.slice(1) : clean));
    if (!set.has(file)) problems.push(`dist/renderer/index.html references ${ref}, but ${file} is not in the payload`);
  }
  if (local === 0) problems.push('dist/renderer/index.html references no local script or stylesheet (is it the built file?)');
  return problems;
}

/** Package name of a bare import specifier (`@scope/name/sub` -> `@scope/name`), or undefined for relative/builtin. */
export function packageOfSpecifier(specifier: string): string | undefined {
  if (specifier.startsWith('.') || specifier.startsWith('/') || specifier.startsWith('node:')) return undefined;
  const parts = specifier.split('/');
  const name = specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
  if (!name || builtinModules.includes(name)) return undefined;
  return name;
}

/**
 * Bare imports of a bundle (dist/main is built with `packages: 'external'`) that the payload cannot satisfy:
 * each must be `electron` or one of the packed production packages.
 */
export function bundleImportProblems(bundleName: string, code: string, productionPackages: ReadonlySet<string>): string[] {
  const specifiers = new Set<string>();
  const patterns = [/\bfrom\s*["']([^"']+)["']/g, /\bimport\s*\(\s*["']([^"']+)["']\s*\)/g, /\bimport\s*["']([^"']+)["']/g, /\brequire\s*\(\s*["']([^"']+)["']\s*\)/g];
  for (const pattern of patterns) for (const match of code.matchAll(pattern)) if (match[1]) specifiers.add(match[1]);
  const problems: string[] = [];
  for (const specifier of [...specifiers].sort()) {
    const pkg = packageOfSpecifier(specifier);
    if (pkg === undefined || pkg === 'electron') continue;
    if (!productionPackages.has(pkg)) problems.push(`${bundleName} imports ${specifier}, but ${pkg} is not a packed production dependency`);
  }
  return problems;
}

/** Largest preload in bytes: it runs in every window before the UI (tests/unit/preload.test.ts guards the source). */
export const PRELOAD_BUDGET_BYTES = 20 * 1024;

/**
 * The sandboxed preload can only require('electron') (and a few builtins); it must be one self-contained file,
 * within its size budget.
 */
export function preloadProblems(code: string): string[] {
  const allowed = new Set(['electron', 'events', 'timers', 'url']);
  const problems: string[] = [];
  const bytes = Buffer.byteLength(code);
  if (bytes > PRELOAD_BUDGET_BYTES) problems.push(`dist/preload/index.cjs is ${bytes} bytes, over its budget of ${PRELOAD_BUDGET_BYTES} (does it bundle a library? main validates, the preload only forwards)`);
  for (const match of code.matchAll(/\brequire\s*\(\s*["']([^"']+)["']\s*\)/g)) {
    const spec = (match[1] ?? '').replace(/^node:/, '');
    if (!allowed.has(spec)) problems.push(`dist/preload/index.cjs requires ${match[1] ?? ''}; a sandboxed preload can only require electron, events, timers, url`);
  }
  if (/^\s*import\s|\bexport\s/m.test(code)) problems.push('dist/preload/index.cjs is not CommonJS (sandboxed preloads cannot be ES modules)');
  return problems;
}

/** Minified = long lines: esbuild and Vite write a few lines per bundle, unminified output averages ~40 characters. */
export function looksMinified(code: string): boolean {
  const lines = code.split('\n').length;
  return code.length / lines >= 200;
}

/**
 * A packed JavaScript file never embeds a source map. In a production build (`dist/build-info.json`) it is also
 * minified, names no source map (no `sourceMappingURL`), and its map is kept beside it in dist/ for diagnostics
 * (`hasMapBeside`), outside the payload.
 */
export function bundleShapeProblems(file: string, code: string, production: boolean, hasMapBeside: boolean): string[] {
  const problems: string[] = [];
  if (/sourceMappingURL=data:/.test(code)) problems.push(`${file} embeds its source map (inline data: URL)`);
  if (!production) return problems;
  if (!looksMinified(code)) problems.push(`${file} is not minified in a production build`);
  if (/[#@] sourceMappingURL=/.test(code)) problems.push(`${file} names a source map that is not packaged (production maps are kept beside the build, unreferenced)`);
  if (!hasMapBeside) problems.push(`${file}.map is missing: production source maps are kept beside the build for diagnostics`);
  return problems;
}

/** `dist/build-info.json` as scripts/build.ts writes it, or undefined when missing or not understood. */
export function readBuildInfo(projectDir: string): { production: boolean } | undefined {
  try {
    const info = JSON.parse(readFileSync(path.join(projectDir, 'dist/build-info.json'), 'utf8')) as { production?: unknown };
    return typeof info.production === 'boolean' ? { production: info.production } : undefined;
  } catch {
    return undefined;
  }
}

// ---------------------------------------------------------------------------------------------------------------
// electron-builder's own code (app-builder-lib 26, pinned): config loading, schema validation, file matching.

interface FileStatLike {
  isDirectory(): boolean;
  isFile(): boolean;
  isSymbolicLink(): boolean;
}
type FileFilter = (file: string, stat: FileStatLike) => boolean;
interface FileMatcherLike {
  createFilter(): FileFilter;
}
interface FileMatcherModule {
  getMainFileMatchers(
    appDir: string,
    destination: string,
    macroExpander: (pattern: string) => string,
    platformSpecificBuildOptions: object,
    platformPackager: object,
    outDir: string,
    isElectronCompile: boolean,
  ): FileMatcherLike[];
  getFileMatchers(config: Configuration, name: 'asarUnpack', destination: string, options: object): FileMatcherLike[] | null;
}
interface ConfigModule {
  getConfig(projectDir: string, configPath: string | null, configFromOptions: Configuration | null): Promise<Configuration>;
  validateConfiguration(config: Configuration, debugLogger: object): Promise<void>;
}
interface LinuxHelperModule {
  LinuxTargetHelper: new (packager: object) => { computeDesktopEntry(options: object): Promise<string> | string };
}

/** Loads an electron-builder module and checks the members Scrub In relies on exist (typed by the caller). */
function builderModule(id: string, members: readonly string[]): Record<string, unknown> {
  const loaded = require(id) as Record<string, unknown>;
  for (const member of members) {
    if (loaded[member] === undefined) throw new Error(`${id} has no ${member}: electron-builder's internals changed (expected app-builder-lib 26.x)`);
  }
  return loaded;
}

const configModule = (): ConfigModule => builderModule('app-builder-lib/out/util/config/config', ['getConfig', 'validateConfiguration']) as unknown as ConfigModule;
const matcherModule = (): FileMatcherModule => builderModule('app-builder-lib/out/fileMatcher', ['getMainFileMatchers', 'getFileMatchers']) as unknown as FileMatcherModule;

/** Loads a config file the way electron-builder does (including `extends`). */
export async function loadBuilderConfig(projectDir: string, configFile: string): Promise<Configuration> {
  return configModule().getConfig(projectDir, configFile, null);
}

/** electron-builder's own validation (its JSON schema). Returns the error text, or [] when valid. */
export async function schemaProblems(config: Configuration): Promise<string[]> {
  try {
    await configModule().validateConfiguration(config, { isEnabled: false, add: () => undefined });
    return [];
  } catch (error) {
    return [`electron-builder rejects the configuration: ${(error as Error).message.split('\n  How to fix:')[0] ?? ''}`];
  }
}

function fakeStat(isDirectory: boolean): FileStatLike {
  return { isDirectory: () => isDirectory, isFile: () => !isDirectory, isSymbolicLink: () => false };
}

/** Filter of the app files exactly as electron-builder builds it from `files` (getMainFileMatchers). */
export function appFileFilter(config: Configuration, projectDir: string): (relative: string, isDirectory: boolean) => boolean {
  const outDir = path.resolve(projectDir, config.directories?.output ?? 'dist');
  const platformPackager = {
    info: { projectDir, buildResourcesDir: config.directories?.buildResources ?? 'build', isPrepackedAppAsar: false, config, debugLogger: { isEnabled: false, add: () => undefined } },
  };
  const expand = (pattern: string): string => pattern;
  const matchers = matcherModule().getMainFileMatchers(projectDir, '/app', expand, {}, platformPackager, outDir, false);
  const [main] = matchers;
  if (!main || matchers.length !== 1) throw new Error('expected one file set in `files` (from/to file sets are not used by Scrub In)');
  const filter = main.createFilter();
  return (relative, isDirectory) => filter(path.join(projectDir, ...relative.split('/')), fakeStat(isDirectory));
}

/**
 * Walks a virtual tree (the given relative file paths) the way electron-builder's walk does: a directory the
 * filter rejects is not entered. Returns the files that would be packed, sorted.
 */
export function selectFiles(files: readonly string[], filter: (relative: string, isDirectory: boolean) => boolean): string[] {
  const children = new Map<string, Set<string>>();
  const fileSet = new Set(files);
  for (const file of files) {
    const parts = file.split('/');
    for (let i = 0; i < parts.length; i++) {
      const parent = parts.slice(0, i).join('/');
      const child = parts.slice(0, i + 1).join('/');
      let set = children.get(parent);
      if (!set) children.set(parent, (set = new Set()));
      set.add(child);
    }
  }
  const selected: string[] = [];
  const queue = [''];
  while (queue.length > 0) {
    const dir = queue.pop() ?? '';
    for (const entry of children.get(dir) ?? []) {
      const isDirectory = children.has(entry) && !fileSet.has(entry);
      if (!filter(entry, isDirectory)) continue;
      if (isDirectory) queue.push(entry);
      else selected.push(entry);
    }
  }
  return selected.sort();
}

/** Whether a packed path would be unpacked next to app.asar (asarUnpack, electron-builder's matcher). */
export function asarUnpackFilter(config: Configuration, projectDir: string): (relative: string) => boolean {
  const matchers = matcherModule().getFileMatchers(config, 'asarUnpack', '/app', {
    macroExpander: (p: string) => p,
    customBuildOptions: {},
    globalOutDir: path.resolve(projectDir, config.directories?.output ?? 'dist'),
    defaultSrc: projectDir,
  });
  const filters = (matchers ?? []).map((m) => m.createFilter());
  return (relative) => filters.some((f) => f(path.join(projectDir, ...relative.split('/')), fakeStat(false)));
}

/** The .desktop entry electron-builder writes for a Linux target (deb, rpm), from its own LinuxTargetHelper. */
export async function linuxDesktopEntry(config: Configuration, target: 'deb' | 'rpm', metadata: { description?: string; version?: string; desktopName?: string }): Promise<string> {
  const { LinuxTargetHelper } = builderModule('app-builder-lib/out/targets/LinuxTargetHelper', ['LinuxTargetHelper']) as unknown as LinuxHelperModule;
  const linux = config.linux ?? {};
  const options = { ...linux, ...(config[target] ?? {}) };
  const productName = config.productName ?? 'app';
  const packager = {
    config,
    platformSpecificBuildOptions: linux,
    fileAssociations: [],
    executableName: linux.executableName ?? 'app',
    appInfo: { productName, sanitizedProductName: productName, description: metadata.description ?? '', buildVersion: metadata.version ?? '0.0.0' },
    info: { metadata: { desktopName: metadata.desktopName } },
  };
  return await new LinuxTargetHelper(packager).computeDesktopEntry(options);
}

// ---------------------------------------------------------------------------------------------------------------
// Scrub In's rules for the configuration (beyond the schema).

function asArray<T>(value: T | readonly T[] | null | undefined): T[] {
  if (value === null || value === undefined) return [];
  return Array.isArray(value) ? [...(value as readonly T[])] : [value as T];
}

function targetNames(target: unknown): string[] {
  return asArray(target).map((t) => (typeof t === 'string' ? t : typeof t === 'object' && t !== null && 'target' in t ? String(t.target) : ''));
}

/** Plain-text entitlement keys of a plist. */
export function entitlementKeys(plist: string): string[] {
  return [...plist.replace(/<!--[\s\S]*?-->/g, '').matchAll(/<key>\s*([^<\s]+)\s*<\/key>/g)].map((m) => m[1] ?? '');
}

/** `${letters}` placeholders of a deb/rpm script template that electron-builder cannot fill. */
export function linuxScriptMacroProblems(template: string, file: string): string[] {
  const unknown = [...template.matchAll(/\$\{([a-zA-Z]+)\}/g)].map((m) => m[1] ?? '').filter((name) => !LINUX_SCRIPT_MACROS.includes(name));
  return [...new Set(unknown)].map((name) => `${file} uses \${${name}}, which electron-builder cannot fill (write $${name} or use a name with an underscore)`);
}

/** Rules of Scrub In's packaging config; `projectDir` resolves referenced files (entitlements, scripts). */
export function configProblems(config: Configuration, flavour: Flavour, projectDir: string): string[] {
  const problems: string[] = [];
  const need = (ok: boolean, message: string): void => {
    if (!ok) problems.push(message);
  };
  need(config.appId === 'app.scrubin.terminal', `appId must be app.scrubin.terminal (is ${String(config.appId)})`);
  need(config.productName === 'Scrub In', `productName must be "Scrub In" (is ${String(config.productName)})`);
  need(asArray(config.protocols).some((p) => asArray(p.schemes).includes(SCHEME)), `protocols must register the ${SCHEME} scheme`);
  need(config.asar !== false, 'asar must stay on (onlyLoadAppFromAsar and asar integrity depend on it)');

  const fuses = (config.electronFuses ?? {}) as Record<string, unknown>;
  for (const [name, value] of Object.entries(expectedFuses(flavour))) {
    need(fuses[name] === value, `electronFuses.${name} must be ${String(value)} in the ${flavour} flavour (is ${String(fuses[name])})`);
  }

  const unpack = asarUnpackFilter(config, projectDir);
  need(unpack('node_modules/keytar/build/Release/keytar.node'), 'asarUnpack must unpack keytar (native module)');
  need(!unpack('dist/main/index.js'), 'asarUnpack must not unpack the app code (dist/main)');
  // Unpacked files sit outside app.asar's integrity check: only the native binary, never keytar's JavaScript.
  need(!unpack('node_modules/keytar/lib/keytar.js') && !unpack('node_modules/keytar/package.json'), 'asarUnpack must unpack only the native .node files of keytar, not its JavaScript');

  const testMark = (config.extraMetadata as { scrubinTestBuild?: unknown } | null | undefined)?.scrubinTestBuild === true;
  need(
    flavour === 'test' ? testMark : !testMark,
    flavour === 'test'
      ? 'the test flavour must set extraMetadata.scrubinTestBuild: true (it lets Playwright\'s debugging switches through)'
      : 'the release flavour must not set extraMetadata.scrubinTestBuild (a release build refuses debugging switches)',
  );

  const win = config.win ?? {};
  const nsis = config.nsis ?? {};
  const winTargets = targetNames(win.target);
  if (flavour === 'release') {
    need(winTargets.includes('nsis'), 'win.target must include nsis');
    need(nsis.perMachine === true, 'nsis.perMachine must be true (per-machine install, no per-user choice)');
    need(nsis.oneClick === false || nsis.oneClick === undefined || nsis.perMachine === true, 'nsis must be per machine');
    need(typeof nsis.include === 'string' && existsSync(path.resolve(projectDir, nsis.include)), 'nsis.include must name build/installer.nsh (URL scheme, /CONFIG, ACLs)');
    if (winTargets.includes('msiWrapped')) need(config.msiWrapped?.perMachine === true, 'msiWrapped.perMachine must be true');
    if (typeof nsis.include === 'string' && existsSync(path.resolve(projectDir, nsis.include))) {
      const nsh = readFileSync(path.resolve(projectDir, nsis.include), 'utf8');
      need(/!macro customInstall\b/.test(nsh) && nsh.includes('Software\\Classes\\app.scrubin'), `${nsis.include} must register the ${SCHEME} scheme in customInstall`);
      need(/\/CONFIG=/.test(nsh) && nsh.includes('SetShellVarContext all') && nsh.includes('$APPDATA\\ScrubIn\\config.json'), `${nsis.include} must handle /CONFIG= into %ProgramData%\\ScrubIn\\config.json ($APPDATA with SetShellVarContext all)`);
      need(
        nsh.includes('WriteRegStr HKLM "Software\\Microsoft\\Windows\\CurrentVersion\\Run" "Scrub In" `"$appExe" --autostart`') && nsh.includes('DeleteRegValue HKLM "Software\\Microsoft\\Windows\\CurrentVersion\\Run" "Scrub In"'),
        `${nsis.include} must add the start-at-login entry (HKLM Run, --autostart) and remove it at uninstall`,
      );
    }
  }
  need(!(win.signtoolOptions && 'certificatePassword' in win.signtoolOptions), 'win.signtoolOptions.certificatePassword must not be in the repo (use CSC_KEY_PASSWORD)');
  need(config.cscKeyPassword === undefined && config.cscLink === undefined, 'cscLink / cscKeyPassword must come from the environment, not the config');

  const mac = config.mac ?? {};
  need(mac.hardenedRuntime !== false, 'mac.hardenedRuntime must be on');
  need(mac.cscKeyPassword === undefined && mac.cscLink === undefined, 'mac signing secrets must come from the environment');
  if (flavour === 'release') {
    need(targetNames(mac.target).includes('dmg') && targetNames(mac.target).includes('zip'), 'mac.target must include dmg and zip');
    need(mac.notarize !== false, 'mac.notarize must not be disabled in the release flavour (it runs when the APPLE_* variables are set)');
  }
  if (typeof mac.entitlements === 'string') {
    const file = path.resolve(projectDir, mac.entitlements);
    if (!existsSync(file)) problems.push(`mac.entitlements ${mac.entitlements} does not exist`);
    else {
      const extra = entitlementKeys(readFileSync(file, 'utf8')).filter((k) => !ALLOWED_ENTITLEMENTS.includes(k));
      need(extra.length === 0, `${mac.entitlements} grants more than Electron + keytar need: ${extra.join(', ')}`);
    }
  } else need(false, 'mac.entitlements must name build/entitlements.mac.plist');

  if (flavour === 'release') {
    const linuxTargets = targetNames(config.linux?.target);
    for (const t of ['deb', 'rpm', 'AppImage']) need(linuxTargets.includes(t), `linux.target must include ${t}`);
    for (const t of ['deb', 'rpm'] as const) {
      const script = config[t]?.afterInstall;
      if (typeof script !== 'string' || !existsSync(path.resolve(projectDir, script))) {
        problems.push(`${t}.afterInstall must name build/linux/after-install.tpl`);
        continue;
      }
      const text = readFileSync(path.resolve(projectDir, script), 'utf8');
      problems.push(...linuxScriptMacroProblems(text, script));
      need(text.includes('/etc/scrubin') && text.includes('0644'), `${script} must lock down /etc/scrubin/config.json (root, 0644)`);
      need(/scrubin_autostart_dir=\/etc\/xdg\/autostart\n/.test(text) && /^Exec="\$app_dir\/\$app_exe" --autostart$/m.test(text), `${script} must install the start-at-login entry /etc/xdg/autostart/scrub-in.desktop (Exec with --autostart)`);
      const remove = config[t]?.afterRemove;
      if (typeof remove !== 'string' || !existsSync(path.resolve(projectDir, remove))) {
        problems.push(`${t}.afterRemove must name build/linux/after-remove.tpl (it removes the start-at-login entry)`);
        continue;
      }
      const removeText = readFileSync(path.resolve(projectDir, remove), 'utf8');
      problems.push(...linuxScriptMacroProblems(removeText, remove));
      need(removeText.includes('rm -f /etc/xdg/autostart/scrub-in.desktop'), `${remove} must remove the start-at-login entry`);
    }
    need(!asArray(config.appImage?.executableArgs).includes('--no-sandbox'), 'appImage must not disable the Chromium sandbox');
  }
  return problems;
}

/** Problems of a generated .desktop entry: the scheme handler and exactly one URL argument (%u). */
export function desktopEntryProblems(entry: string, target: string): string[] {
  const problems: string[] = [];
  const line = (key: string): string | undefined => entry.split('\n').find((l) => l.startsWith(`${key}=`))?.slice(key.length + 1);
  const mime = line('MimeType') ?? '';
  if (!mime.split(';').includes(`x-scheme-handler/${SCHEME}`)) problems.push(`${target} .desktop MimeType lacks x-scheme-handler/${SCHEME} (is "${mime}")`);
  const exec = line('Exec') ?? '';
  const codes = exec.match(/%[fFuU]/g) ?? [];
  if (codes.length !== 1 || codes[0] !== '%u') problems.push(`${target} .desktop Exec must pass exactly one URL with %u (is "${exec}")`);
  return problems;
}

// ---------------------------------------------------------------------------------------------------------------
// The whole check on a real tree.

/** Relative paths of every file under projectDir, skipping node_modules, .git and build outputs (release*). */
export function listProjectFiles(projectDir: string): string[] {
  const out: string[] = [];
  const skip = new Set(['node_modules', '.git']);
  const walk = (relative: string): void => {
    for (const entry of readdirSync(path.join(projectDir, relative), { withFileTypes: true })) {
      const rel = relative ? `${relative}/${entry.name}` : entry.name;
      if (entry.isDirectory()) {
        if (!skip.has(entry.name) && !(relative === '' && entry.name.startsWith('release'))) walk(rel);
      } else if (entry.isFile()) out.push(rel);
    }
  };
  walk('');
  return out;
}

interface NpmLsNode {
  extraneous?: boolean;
  dependencies?: Record<string, NpmLsNode>;
}

/**
 * Production packages (transitively) per `npm ls --omit=dev --all --json`. Extraneous entries (installed but
 * required by nothing in package.json / the lockfile) are not production dependencies and are skipped.
 */
export function productionPackagesFromNpmLs(json: unknown): Set<string> {
  const names = new Set<string>();
  const walk = (deps: Record<string, NpmLsNode> | undefined): void => {
    for (const [name, node] of Object.entries(deps ?? {})) {
      if (names.has(name) || node.extraneous === true) continue;
      names.add(name);
      walk(node.dependencies);
    }
  };
  walk((json as NpmLsNode).dependencies);
  return names;
}

function npmLsProduction(projectDir: string): Set<string> {
  let output: string;
  try {
    output = execFileSync('npm', ['ls', '--omit=dev', '--all', '--json'], { cwd: projectDir, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, stdio: ['ignore', 'pipe', 'ignore'] });
  } catch (error) {
    // npm ls exits 1 on tree problems (e.g. extraneous packages) but still prints the tree.
    const stdout = (error as { stdout?: unknown }).stdout;
    output = typeof stdout === 'string' ? stdout : '';
    if (!output) throw new Error(`npm ls --omit=dev failed: ${(error as Error).message}`);
  }
  return productionPackagesFromNpmLs(JSON.parse(output) as unknown);
}

export interface CheckReport {
  problems: string[];
  notes: string[];
}

export async function checkPackaging(projectDir: string, options: { configs?: Record<Flavour, string> } = {}): Promise<CheckReport> {
  const configs = options.configs ?? { release: 'electron-builder.yml', test: 'electron-builder.test.yml' };
  const problems: string[] = [];
  const notes: string[] = [];
  const loaded: Partial<Record<Flavour, Configuration>> = {};
  for (const flavour of ['release', 'test'] as const) {
    const file = configs[flavour];
    let config: Configuration;
    try {
      config = await loadBuilderConfig(projectDir, file);
    } catch (error) {
      problems.push(`${file}: cannot be loaded: ${(error as Error).message}`);
      continue;
    }
    loaded[flavour] = config;
    const found = [...(await schemaProblems(config)), ...configProblems(config, flavour, projectDir)];
    problems.push(...found.map((p) => `${file}: ${p}`));
    if (found.length === 0) notes.push(`${file}: valid for electron-builder (schema) and Scrub In's ${flavour} rules`);
  }

  const release = loaded.release;
  if (!release) return { problems, notes };

  const pkgJson = JSON.parse(readFileSync(path.join(projectDir, 'package.json'), 'utf8')) as { description?: string; version?: string; desktopName?: string; devDependencies?: Record<string, string> };
  for (const target of ['deb', 'rpm'] as const) {
    const entry = await linuxDesktopEntry(release, target, pkgJson);
    const found = desktopEntryProblems(entry, target);
    problems.push(...found);
    if (found.length === 0) notes.push(`${target} .desktop: ${entry.split('\n').filter((l) => l.startsWith('Exec=') || l.startsWith('MimeType=')).join(' ')}`);
  }

  if (!existsSync(path.join(projectDir, 'dist/main/index.js'))) {
    problems.push('dist/ is not built: run `npm run build` first (NODE_ENV=production for a release payload)');
    return { problems, notes };
  }
  const appFiles = selectFiles(listProjectFiles(projectDir), appFileFilter(release, projectDir));
  const production = npmLsProduction(projectDir);
  const devOnly = [...new Set([...ALWAYS_DEV_ONLY, ...Object.keys(pkgJson.devDependencies ?? {})])].filter((name) => !production.has(name));
  const dependencyFiles = [...production].sort().map((name) => `node_modules/${name}/package.json`);
  const payload = [...appFiles, ...dependencyFiles];

  problems.push(...payloadProblems(payload, { devOnlyPackages: devOnly }));
  problems.push(...packageJsonProblems(pkgJson, payload));
  const indexHtml = path.join(projectDir, 'dist/renderer/index.html');
  if (existsSync(indexHtml)) problems.push(...rendererAssetProblems(readFileSync(indexHtml, 'utf8'), payload));
  problems.push(...bundleImportProblems('dist/main/index.js', readFileSync(path.join(projectDir, 'dist/main/index.js'), 'utf8'), production));
  const preload = path.join(projectDir, 'dist/preload/index.cjs');
  if (existsSync(preload)) problems.push(...preloadProblems(readFileSync(preload, 'utf8')));
  const build = readBuildInfo(projectDir);
  if (!build) problems.push('dist/build-info.json is missing or unreadable: rebuild with `npm run build`');
  else {
    for (const file of appFiles.filter((f) => /\.[cm]?js$/.test(f))) {
      problems.push(...bundleShapeProblems(file, readFileSync(path.join(projectDir, file), 'utf8'), build.production, existsSync(path.join(projectDir, `${file}.map`))));
    }
    notes.push(build.production ? 'production build: bundles minified, source maps beside them in dist/ and not packaged' : 'development build: bundles not minified (NODE_ENV=production npm run build for a release payload)');
  }
  const unpack = asarUnpackFilter(release, projectDir);
  if (production.has('keytar')) {
    const keytarNode = 'node_modules/keytar/build/Release/keytar.node';
    if (!existsSync(path.join(projectDir, keytarNode))) notes.push(`${keytarNode} is not built on this machine (electron-builder rebuilds it for Electron when packaging)`);
    if (!unpack(keytarNode)) problems.push(`${keytarNode} would stay inside app.asar (native modules must be unpacked)`);
  }
  notes.push(`app files: ${appFiles.join(', ')}`);
  notes.push(`payload: ${appFiles.length} app files (${appFiles.filter((f) => f.startsWith('dist/renderer/')).length} renderer), ${production.size} production packages, ${devOnly.length} dev-only packages kept out`);
  return { problems, notes };
}

async function main(): Promise<void> {
  const projectDir = path.resolve(fileURLToPath(new URL('..', import.meta.url)));
  const report = await checkPackaging(projectDir);
  for (const note of report.notes) console.log(`ok   ${note}`);
  for (const problem of report.problems) console.error(`FAIL ${problem}`);
  if (report.problems.length > 0) {
    console.error(`check:packaging: ${report.problems.length} problem(s)`);
    process.exit(1);
  }
  console.log('check:packaging: passed (config validated by electron-builder, payload checked; nothing was packaged)');
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  await main();
}
