/**
 * Starts one private Secret Service for the whole Vitest run and hands its address to the test workers
 * through the environment (workers are forked after global setup). Stopped when the run ends. (The UI suites
 * moved to the Playwright Test suite in tests/e2e, which builds what it drives: tests/support/e2e/global-setup.ts.)
 */
import { startPrivateKeyring, type PrivateKeyring } from './keyring';

let keyring: PrivateKeyring | undefined;

export async function setup(): Promise<void> {
  if (process.env.SCRUBIN_NO_KEYRING === '1') return;
  keyring = await startPrivateKeyring();
  Object.assign(process.env, keyring.env, { SCRUBIN_TEST_KEYRING: '1' });
}

export async function teardown(): Promise<void> {
  await keyring?.stop();
}
