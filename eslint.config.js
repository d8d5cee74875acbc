// @ts-check
import js from '@eslint/js';
import { defineConfig } from 'eslint/config';
import tseslint from 'typescript-eslint';

const viaTransport = 'all HTTP of main goes through the transport in main/net (proxy, PAC, trust store)';
/** Modules that would bypass main/net's transport. */
const NO_DIRECT_HTTP = ['node:http', 'node:https', 'http', 'https', 'undici', 'node:http2', 'http2'].map((name) => ({ name, message: viaTransport }));

export default defineConfig(
  { ignores: ['dist/**', 'release/**', 'release-test/**', 'node_modules/**', 'coverage/**', 'test-results/**', 'reports/**', '.stryker-tmp/**'] },
  js.configs.recommended,
  ...tseslint.configs.strictTypeChecked,
  {
    languageOptions: {
      parserOptions: {
        projectService: { allowDefaultProject: ['eslint.config.js', 'scripts/setup.mjs', 'stryker.config.mjs'] },
        tsconfigRootDir: import.meta.dirname,
      },
    },
    rules: {
      '@typescript-eslint/restrict-template-expressions': ['error', { allowNumber: true, allowBoolean: true }],
      '@typescript-eslint/no-confusing-void-expression': ['error', { ignoreArrowShorthand: true }],
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-console': ['error', { allow: ['warn', 'error', 'log'] }],
    },
  },
  {
    // One HTTP transport (main/net, DESIGN.md "Network"): nothing else in main calls fetch, http or https itself.
    files: ['main/**'],
    ignores: ['main/net/**'],
    rules: {
      'no-restricted-imports': ['error', { paths: NO_DIRECT_HTTP }],
      'no-restricted-globals': ['error', { name: 'fetch', message: 'use the transport of main/net (proxy, PAC, trust store)' }],
      'no-restricted-properties': ['error', { object: 'globalThis', property: 'fetch', message: 'use the transport of main/net' }],
    },
  },
  {
    files: ['main/auth/**', 'main/identity-pool/**', 'main/lib/**', 'main/diagnostics/**', 'main/terminal/**', 'main/config/**', 'main/errors.ts', 'main/clock.ts'],
    rules: {
      // The core runs in plain Node: Electron belongs to main/shell and main/index.ts only.
      'no-restricted-imports': ['error', { paths: [{ name: 'electron', message: 'the core must stay electron-free (DESIGN.md)' }, ...NO_DIRECT_HTTP] }],
      'no-console': 'error',
    },
  },
  {
    files: ['tests/**', 'bench/**', 'scripts/**', 'local-cognito/**'],
    rules: { 'no-console': 'off', '@typescript-eslint/no-non-null-assertion': 'off' },
  },
  {
    // Runs before node_modules exists (npm run setup): plain Node ESM, Node's globals.
    files: ['scripts/setup.mjs'],
    languageOptions: { globals: { process: 'readonly', console: 'readonly', fetch: 'readonly', AbortSignal: 'readonly' } },
    rules: { 'no-console': 'off' },
  },
);
