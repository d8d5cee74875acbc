/**
 * The Vitest project of the mutation run (stryker.config.mjs): only the unit tests that cover the mutated modules
 * (callback intake, ID token, fresh authentication, endpoint pinning, the terminal machine, the audit log, the
 * configuration), no global keyring, so each mutant re-runs in well under a second. docs/testing.md, "Mutation testing".
 */
import { defineConfig } from 'vitest/config';

export const MUTATION_TEST_FILES = [
  'tests/unit/auth-callback.test.ts',
  'tests/unit/auth-id-token.test.ts',
  'tests/unit/auth-fresh-auth.test.ts',
  'tests/unit/auth-discovery.test.ts',
  'tests/unit/terminal-machine.test.ts',
  'tests/unit/audit-log.test.ts',
  'tests/unit/audit-verifier.test.ts',
  'tests/unit/audit-record.test.ts',
  'tests/unit/config.test.ts',
  'tests/unit/config-refusals.test.ts',
  'tests/unit/config-policy.test.ts',
  'tests/unit/config-language.test.ts',
  'tests/unit/config-terminal-id.test.ts',
];

export default defineConfig({
  test: {
    include: MUTATION_TEST_FILES,
    testTimeout: 30_000,
    pool: 'forks',
    maxWorkers: 1,
    restoreMocks: true,
  },
});
