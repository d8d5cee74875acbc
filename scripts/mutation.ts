/**
 * `npm run test:mutation`: Stryker over the security-critical modules (stryker.config.mjs), then the mutation score
 * of EACH module group, failing when any group is under its threshold (Stryker's own `break` is one global figure).
 * Incremental: the committed report (reports/mutation/stryker-incremental.json) says which mutants were killed;
 * only mutants whose code or covering tests changed are tested again. docs/testing.md, "Mutation testing".
 *
 *   npm run test:mutation                 incremental run, then the group scores (what CI runs)
 *   npm run test:mutation -- --force      every mutant again (after changing the Stryker or Vitest setup)
 *   npm run test:mutation -- --score-only the group scores of the committed report, without running Stryker
 * Exit codes: 0 = every group at or above its threshold; 1 = a group under it, or Stryker failed.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { INCREMENTAL_FILE, MUTATION_GROUPS } from '../stryker.config.mjs';

/** The mutant statuses of a Stryker report (mutation-testing-report-schema). */
type MutantStatus = 'Killed' | 'Survived' | 'NoCoverage' | 'Timeout' | 'CompileError' | 'RuntimeError' | 'Ignored' | 'Pending';

interface Report {
  files: Record<string, { mutants: { status: MutantStatus }[] }>;
}

export interface GroupScore {
  name: string;
  threshold: number;
  detected: number;
  undetected: number;
  /** (killed + timeout) / (killed + timeout + survived + no coverage) in percent; compile errors and ignored do not count. */
  score: number;
}

function globToRegExp(glob: string): RegExp {
  const escaped = glob.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[^/]*');
  return new RegExp(`^${escaped}$`);
}

export function groupScores(report: Report, groups: typeof MUTATION_GROUPS): GroupScore[] {
  return groups.map((group) => {
    const patterns = group.files.map(globToRegExp);
    let detected = 0;
    let undetected = 0;
    for (const [file, { mutants }] of Object.entries(report.files)) {
      if (!patterns.some((p) => p.test(file))) continue;
      for (const { status } of mutants) {
        if (status === 'Killed' || status === 'Timeout') detected++;
        else if (status === 'Survived' || status === 'NoCoverage') undetected++;
      }
    }
    const total = detected + undetected;
    return { name: group.name, threshold: group.break, detected, undetected, score: total === 0 ? 0 : (100 * detected) / total };
  });
}

function main(): number {
  const args = process.argv.slice(2).filter((a) => a !== '--');
  if (!args.includes('--score-only')) {
    const stryker = spawnSync('npx', ['stryker', 'run', 'stryker.config.mjs', ...(args.includes('--force') ? ['--force'] : [])], { stdio: 'inherit' });
    if (stryker.status !== 0) {
      console.error(`mutation: Stryker failed (exit ${stryker.status ?? stryker.signal ?? 'unknown'})`);
      return 1;
    }
  }
  const report = JSON.parse(readFileSync(INCREMENTAL_FILE, 'utf8')) as Report;
  const scores = groupScores(report, MUTATION_GROUPS);
  let failed = false;
  console.log('\nmutation score per group (killed + timeout over every valid mutant):');
  for (const s of scores) {
    const ok = s.score >= s.threshold && s.detected + s.undetected > 0;
    failed ||= !ok;
    console.log(`  ${ok ? 'ok  ' : 'FAIL'} ${s.score.toFixed(2).padStart(6)} %  (${s.detected} of ${s.detected + s.undetected}, threshold ${s.threshold} %)  ${s.name}`);
  }
  return failed ? 1 : 0;
}

process.exitCode = main();
