/**
 * `npm test`: Vitest (unit, integration, resilience), then the `web` project of the end-to-end suite
 * (tests/e2e, Playwright Test). Both print their own report; the LAST line sums both runs for CI tooling:
 * "tests: N passed, N failed, N skipped". Exits non-zero when either run fails. Extra arguments go to Vitest.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { z } from 'zod';

const Counts = z.object({ passed: z.number().int(), failed: z.number().int(), skipped: z.number().int() });
type Counts = z.infer<typeof Counts>;

const dir = mkdtempSync(path.join(tmpdir(), 'scrubin-test-summary-'));
const bin = (name: string): string => path.resolve('node_modules/.bin', name);

function run(label: string, command: string, args: string[]): Promise<{ code: number; counts: Counts | undefined }> {
  const file = path.join(dir, `${label}.json`);
  return new Promise((resolve) => {
    const child = spawn(command, args, { stdio: 'inherit', env: { ...process.env, SCRUBIN_SUMMARY_FILE: file } });
    const stop = (signal: NodeJS.Signals): void => {
      child.kill(signal);
    };
    process.on('SIGINT', stop).on('SIGTERM', stop);
    child.on('exit', (code, signal) => {
      process.off('SIGINT', stop).off('SIGTERM', stop);
      let counts: Counts | undefined;
      try {
        counts = Counts.parse(JSON.parse(readFileSync(file, 'utf8')));
      } catch {
        counts = undefined; // the run died before its reporter wrote the summary: counted as one failure below
      }
      resolve({ code: code ?? (signal ? 1 : 0), counts });
    });
  });
}

const runs = [
  await run('vitest', bin('vitest'), ['run', ...process.argv.slice(2)]),
  await run('e2e-web', bin('playwright'), ['test', '--project=web']),
];
rmSync(dir, { recursive: true, force: true });
const total = { passed: 0, failed: 0, skipped: 0 };
for (const { code, counts } of runs) {
  total.passed += counts?.passed ?? 0;
  total.skipped += counts?.skipped ?? 0;
  total.failed += counts ? counts.failed : 1;
  if (code !== 0 && counts && counts.failed === 0) total.failed += 1; // e.g. a global setup that failed
}
console.log('\nelectron project: not part of npm test (npm run test:e2e -- --project=electron; skipped where the Electron binary is missing)');
console.log(`\ntests: ${total.passed} passed, ${total.failed} failed, ${total.skipped} skipped`);
process.exit(runs.some((r) => r.code !== 0) ? 1 : 0);
