/**
 * The e2e run's closing line, "tests: N passed, N failed, N skipped" (the same line as Vitest's summary
 * reporter), after one line per skip reason; with SCRUBIN_SUMMARY_FILE set it also writes the counts there as JSON, for `npm test` to add up.
 */
import { writeFileSync } from 'node:fs';
import type { Reporter, TestCase } from '@playwright/test/reporter';

export default class SummaryReporter implements Reporter {
  private readonly outcome = new Map<TestCase, ReturnType<TestCase['outcome']>>();

  onTestEnd(test: TestCase): void {
    this.outcome.set(test, test.outcome());
  }

  onEnd(): void {
    let passed = 0;
    let failed = 0;
    let skipped = 0;
    for (const outcome of this.outcome.values()) {
      if (outcome === 'expected' || outcome === 'flaky') passed++;
      else if (outcome === 'skipped') skipped++;
      else failed++;
    }
    // Why tests were skipped, once per reason (e.g. the electron project where the binary is missing).
    const reasons = new Map<string, number>();
    for (const [test, outcome] of this.outcome) {
      if (outcome !== 'skipped') continue;
      const reason = test.annotations.find((a) => a.type === 'skip')?.description ?? 'no reason given';
      reasons.set(reason, (reasons.get(reason) ?? 0) + 1);
    }
    for (const [reason, count] of reasons) process.stdout.write(`skipped ${count}: ${reason}\n`);
    const file = process.env.SCRUBIN_SUMMARY_FILE;
    if (file) writeFileSync(file, JSON.stringify({ passed, failed, skipped }));
    process.stdout.write(`\ntests: ${passed} passed, ${failed} failed, ${skipped} skipped\n`);
  }

  printsToStdio(): boolean {
    return true;
  }
}
