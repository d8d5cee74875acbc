import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['tests/**/*.test.ts'],
    globalSetup: ['tests/support/global-setup.ts'],
    reporters: ['default', './tests/support/summary-reporter.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // Two cores: integration tests start servers and browsers, so keep parallelism modest.
    maxWorkers: 2,
    restoreMocks: true,
    // UI and browser steps are polled, never slept on; on a loaded 2-core CI machine give them room.
    expect: { poll: { timeout: 10_000, interval: 50 } },
  },
});
