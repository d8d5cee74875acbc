/**
 * One cold start of the core, in a fresh Node process: bench/cold-start.ts bundles this file like the app's
 * main bundle (minified, dependencies from node_modules) and runs it once per sample. Prints one JSON line of
 * `performance.now()` marks, i.e. milliseconds since this process started.
 *
 *   node cold-core.mjs <config file> <data dir> <jwks uri>
 *
 * The keychain is the real one (keytar) when the parent gives this process a private Secret Service
 * (SCRUBIN_BENCH_KEYCHAIN=keytar), else MemorySecretStore. No network: the discovery document and the signing keys
 * come from the data dir's cache files, and the parent checks with local-cognito's counters that nothing was fetched.
 */
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { createApp } from '../main/app';
import { MemorySecretStore } from '../main/auth';
import { JwksStore } from '../main/auth/jwks-store';
import { DEFAULTS } from '../main/auth/user-pool-auth';
import { systemClock } from '../main/clock';
import { readConfigFile } from '../main/config/load';

export interface ColdCoreMarks {
  /** Node started and every module of the bundle loaded (static imports run before the first statement). */
  loaded: number;
  config: number;
  /** createApp: the audit log opened (its tail read and checked) and the core composed. */
  app: number;
  /** session.start(): shared-terminal start, with the keychain checked for leftover sessions. */
  started: number;
  /** The first sign-in's authorize URL, built from the discovery document cached on disk. */
  discovery: number;
  /** The signing keys read from their cache file. */
  jwks: number;
  keychain: 'keytar' | 'memory';
}

const loaded = performance.now();
const [configFile, dataDir, jwksUri] = process.argv.slice(2);
if (!configFile || !dataDir || !jwksUri) throw new Error('usage: cold-core <config file> <data dir> <jwks uri>');
const keychain = process.env.SCRUBIN_BENCH_KEYCHAIN === 'keytar' ? 'keytar' : 'memory';

const config = readConfigFile(configFile, { machineManaged: true });
const configured = performance.now();
const opened: string[] = [];
const core = createApp({ config, dataDir, openBrowser: (url) => opened.push(url), ...(keychain === 'memory' ? { store: new MemorySecretStore() } : {}) });
const composed = performance.now();
const view = await core.session.start();
const started = performance.now();
if (view.state !== 'signed-out') throw new Error(`the core started in ${view.state}, not signed-out`);
await core.session.signIn();
const discovered = performance.now();
if (!opened.at(-1)?.includes('/oauth2/authorize')) throw new Error('no authorize URL was built');
const noNetwork = (): Promise<Response> => Promise.reject(new Error('the cold-start bench must not fetch the signing keys'));
const keys = await new JwksStore(path.join(dataDir, 'cache'), systemClock, DEFAULTS.discoveryTtlMs, noNetwork).current(jwksUri);
const jwks = performance.now();
if (!keys) throw new Error('the signing keys were not in their cache file');

core.session.cancelSignIn();
core.dispose();
const marks: ColdCoreMarks = { loaded, config: configured, app: composed, started, discovery: discovered, jwks, keychain };
process.stdout.write(`${JSON.stringify(marks)}\n`);
process.exit(0);
