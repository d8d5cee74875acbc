#!/usr/bin/env node
/**
 * `npm run setup`: a fresh machine ready for `npm start` and `npm test` in one command. Plain Node, no
 * dependencies: it runs before node_modules exists.
 *   1. System packages (Debian/Ubuntu, apt; sudo when not root): keytar's build headers, a headless Secret
 *      Service for the tests, Chromium (the "system browser" of the sign-in tests), fonts, Xvfb, openssl, ffmpeg
 *      (Playwright's videos). Other systems: prints the exact commands and stops.
 *   2. `npm ci`, without the Electron binary (ELECTRON_SKIP_BINARY_DOWNLOAD=1, said in one line) when its
 *      download site is unreachable. Never downloads Playwright's browsers.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

export const APT_PACKAGES = ['libsecret-1-dev', 'gnome-keyring', 'libsecret-tools', 'dbus-x11', 'chromium', 'fonts-liberation', 'xvfb', 'openssl', 'ffmpeg', 'tinyproxy', 'fonts-nanum'];
const NPM_CI = ['ci', '--no-audit', '--no-fund'];

/** @param {string} command */
function has(command) {
  return spawnSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' }).status === 0;
}

function missingPackages() {
  return APT_PACKAGES.filter((p) => spawnSync('dpkg', ['-s', p], { stdio: 'ignore' }).status !== 0);
}

/**
 * @param {string} command
 * @param {string[]} args
 * @param {NodeJS.ProcessEnv} [env]
 * @returns {number}
 */
function run(command, args, env = process.env) {
  console.log(`$ ${[command, ...args].join(' ')}`);
  return spawnSync(command, args, { stdio: 'inherit', env }).status ?? 1;
}

/**
 * @param {string} message
 * @returns {never}
 */
function stop(message) {
  console.error(message);
  process.exit(1);
}

// 1. System packages.
const debian = process.platform === 'linux' && has('apt-get') && has('dpkg');
if (debian) {
  const missing = missingPackages();
  if (missing.length === 0) {
    console.log('system packages: all present');
  } else {
    const root = typeof process.getuid === 'function' && process.getuid() === 0;
    if (!root && !has('sudo')) stop(`Not root and no sudo: run as root\n  apt-get update && apt-get install -y --no-install-recommends ${missing.join(' ')}\nthen npm run setup again.`);
    const sudo = root ? [] : ['sudo'];
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
    const [command, ...prefix] = [...sudo, 'apt-get'];
    if (run(command, [...prefix, 'update', '-qq'], env) !== 0) stop('apt-get update failed (see above).');
    if (run(command, [...prefix, 'install', '-y', '-qq', '--no-install-recommends', ...missing], env) !== 0) stop('apt-get install failed (see above).');
  }
} else {
  const install = process.platform === 'linux' ? `the equivalents of: ${APT_PACKAGES.join(' ')}` : 'Chromium (and ffmpeg for test videos); the OS keychain needs nothing';
  stop(
    `This is not a Debian/Ubuntu machine (apt-get), so npm run setup does not install system packages here.\n` +
      `Install ${install}, then run exactly:\n  PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund\n` +
      `(add ELECTRON_SKIP_BINARY_DOWNLOAD=1 when github.com is unreachable).`,
  );
}

// 2. npm ci, with or without the Electron binary.
async function electronDownloadReachable() {
  if (process.env.ELECTRON_SKIP_BINARY_DOWNLOAD) return false;
  const mirror = process.env.ELECTRON_MIRROR ?? 'https://github.com/electron/electron/releases/';
  try {
    await fetch(mirror, { method: 'HEAD', signal: AbortSignal.timeout(5000) });
    return true;
  } catch {
    return false;
  }
}

const env = { ...process.env, PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD: '1' };
if (!(await electronDownloadReachable())) {
  if (!process.env.ELECTRON_SKIP_BINARY_DOWNLOAD) console.log('Electron download unreachable: installing without the Electron binary (ELECTRON_SKIP_BINARY_DOWNLOAD=1); npm start and the electron e2e project need it.');
  env.ELECTRON_SKIP_BINARY_DOWNLOAD = '1';
}
let status = run('npm', NPM_CI, env);
if (status !== 0 && !env.ELECTRON_SKIP_BINARY_DOWNLOAD) {
  console.log('npm ci failed with the Electron download: retrying without the Electron binary (ELECTRON_SKIP_BINARY_DOWNLOAD=1).');
  status = run('npm', NPM_CI, { ...env, ELECTRON_SKIP_BINARY_DOWNLOAD: '1' });
}
if (status !== 0) stop('npm ci failed (see above).');
if (!existsSync('/usr/bin/chromium') && !process.env.SCRUBIN_CHROMIUM) console.log('note: no /usr/bin/chromium; set SCRUBIN_CHROMIUM to a Chromium for the tests');
console.log('setup done: npm start, npm test');
