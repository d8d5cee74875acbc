/**
 * Starts one private Secret Service for the whole test run and hands its address to the test workers
 * through the environment (workers are forked after global setup). Stopped when the run ends.
 */
import { existsSync } from 'node:fs';
import { build as viteBuild } from 'vite';
import { startPrivateKeyring, type PrivateKeyring } from './keyring';

let keyring: PrivateKeyring | undefined;

export async function setup(): Promise<void> {
  // The renderer suites test the BUILT UI: build it once here (never from two test files at the same time).
  if (!existsSync('dist/renderer/index.html')) await viteBuild({ configFile: 'renderer/vite.config.ts', logLevel: 'warn' });
  if (process.env.SCRUBIN_NO_KEYRING === '1') return;
  keyring = await startPrivateKeyring();
  Object.assign(process.env, keyring.env, { SCRUBIN_TEST_KEYRING: '1' });
}

export async function teardown(): Promise<void> {
  await keyring?.stop();
}
