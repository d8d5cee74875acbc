/**
 * `npm run test:mutation`: Stryker over the security-critical modules (stryker.config.mjs), then the mutation score
 * of EACH module group, failing when any group is under its threshold (Stryker's own `break` is one global figure).
 * Incremental: the committed report (reports/mutation/stryker-incremental.json) says which mutants were killed;
 * only mutants whose code or covering tests changed are tested again. docs/testing.md, "Mutation testing".
 *
 *   npm run test:mutation                 incremental run, then the group scores (what CI runs)
 *   npm run test:mutation -- --force      every mutant again (after changing the Stryker or Vitest setup)
 *   npm run test:mutation -- --score-only the group scores of the committed report, without running Stryker
 * It also fails when a mutant that the committed report (HEAD) records as killed now survives at the same place:
 * a weakened or deleted assertion shows up even while its group stays above the threshold.
 * Exit codes: 0 = every group at or above its threshold and no new survivor; 1 = otherwise, or Stryker failed.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { INCREMENTAL_FILE, MUTATION_GROUPS } from '../stryker.config.mjs';

/** The mutant statuses of a Stryker report (mutation-testing-report-schema). */
type MutantStatus = 'Killed' | 'Survived' | 'NoCoverage' | 'Timeout' | 'CompileError' | 'RuntimeError' | 'Ignored' | 'Pending';

interface Mutant {
  status: MutantStatus;
  killedBy?: string[];
  coveredBy?: string[];
  mutatorName: string;
  replacement?: string;
  location: { start: { line: number; column: number }; end: { line: number; column: number } };
}

interface Report {
  files: Record<string, { mutants: Mutant[] }>;
  testFiles?: Record<string, { source?: string; tests: { id: string }[] }>;
}

const detected = (status: MutantStatus): boolean => status === 'Killed' || status === 'Timeout';
const undetected = (status: MutantStatus): boolean => status === 'Survived' || status === 'NoCoverage';

/** One mutant across runs: same file, place, mutator and replacement (a moved line makes it a new mutant). */
function key(file: string, m: Mutant): string {
  const { start, end } = m.location;
  return `${file}:${start.line}:${start.column}-${end.line}:${end.column} ${m.mutatorName} ${m.replacement ?? ''}`;
}

/** Mutants detected in `before` that survive in `after` at the same place: a test stopped noticing them. */
export function newSurvivors(before: Report, after: Report): string[] {
  const killed = new Set<string>();
  for (const [file, { mutants }] of Object.entries(before.files)) for (const m of mutants) if (detected(m.status)) killed.add(key(file, m));
  const found: string[] = [];
  for (const [file, { mutants }] of Object.entries(after.files)) for (const m of mutants) if (undetected(m.status) && killed.has(key(file, m))) found.push(key(file, m));
  return found;
}

/**
 * The Vitest runner reports no test locations, so Stryker's incremental diff cannot see an assertion changed inside a
 * test that keeps its name: it would reuse every result. Before the run, the results of mutants killed by (or, for
 * survivors, covered by) a test of a test file whose content changed are taken out of the incremental report, so
 * Stryker tests those mutants again. Returns the changed test files.
 */
export function forgetChangedTests(report: Report, readSource: (file: string) => string | undefined): string[] {
  const changed = Object.entries(report.testFiles ?? {}).filter(([file, { source }]) => readSource(file) !== source);
  const ids = new Set(changed.flatMap(([, { tests }]) => tests.map((t) => t.id)));
  if (ids.size === 0) return [];
  for (const entry of Object.values(report.files)) {
    entry.mutants = entry.mutants.filter((m) => {
      const tests = detected(m.status) ? (m.killedBy ?? []) : undetected(m.status) ? (m.coveredBy ?? []) : [];
      return !tests.some((id) => ids.has(id));
    });
  }
  return changed.map(([file]) => file);
}

/** The committed report (HEAD), else the one on disk before this run, else none (a first run). */
function baselineReport(): Report | undefined {
  try {
    return JSON.parse(execFileSync('git', ['show', `HEAD:${INCREMENTAL_FILE}`], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], maxBuffer: 256 * 1024 * 1024 })) as Report;
  } catch {
    return existsSync(INCREMENTAL_FILE) ? (JSON.parse(readFileSync(INCREMENTAL_FILE, 'utf8')) as Report) : undefined;
  }
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
    let found = 0;
    let missed = 0;
    for (const [file, { mutants }] of Object.entries(report.files)) {
      if (!patterns.some((p) => p.test(file))) continue;
      for (const { status } of mutants) {
        if (detected(status)) found++;
        else if (undetected(status)) missed++;
      }
    }
    const total = found + missed;
    return { name: group.name, threshold: group.break, detected: found, undetected: missed, score: total === 0 ? 0 : (100 * found) / total };
  });
}

function main(): number {
  const args = process.argv.slice(2).filter((a) => a !== '--');
  const baseline = baselineReport();
  if (!args.includes('--score-only')) {
    if (!args.includes('--force') && existsSync(INCREMENTAL_FILE)) {
      const previous = JSON.parse(readFileSync(INCREMENTAL_FILE, 'utf8')) as Report;
      const changed = forgetChangedTests(previous, (file) => (existsSync(file) ? readFileSync(file, 'utf8') : undefined));
      if (changed.length > 0) {
        console.log(`mutation: test file(s) changed, their mutants are tested again: ${changed.join(', ')}`);
        writeFileSync(INCREMENTAL_FILE, JSON.stringify(previous, null, 2));
      }
    }
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
  const lost = baseline ? newSurvivors(baseline, report) : [];
  if (lost.length > 0) {
    failed = true;
    console.log(`\nFAIL ${lost.length} mutant(s) killed in the committed report now survive (a test stopped noticing them):`);
    for (const k of lost) console.log(`  ${k}`);
  }
  return failed ? 1 : 0;
}

process.exitCode = main();
