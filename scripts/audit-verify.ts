/**
 * Verifies a Scrub In audit log: `npm run audit:verify -- <file>` (or `tsx scripts/audit-verify.ts <file>`).
 * Exit codes: 0 = intact chain, nothing to look at; 2 = intact chain WITH findings (a recovery, a chain that
 * started over in a data folder used before, time going backwards; each printed); 1 = broken (the first broken
 * or missing record is printed, with line number and reason); 64 = wrong usage.
 */
import { verifyAuditLog } from '../main/terminal/audit-verifier';

const args = process.argv.slice(2).filter((a) => a !== '--');
const file = args[0];
if (args.length !== 1 || file === undefined) {
  console.error('usage: tsx scripts/audit-verify.ts <audit-log.jsonl>');
  process.exit(64);
}
const result = verifyAuditLog(file);
if (result.ok) {
  const last = result.records[result.records.length - 1];
  const summary = `${file}: ${result.records.length} records (seq 0..${last?.seq ?? 0}), chain intact`;
  if (result.findings.length === 0) {
    console.log(`${summary}: OK`);
    process.exit(0);
  }
  console.log(`${summary}, with ${result.findings.length} finding(s) to review:`);
  for (const finding of result.findings) console.log(`  FINDING line ${finding.line} (${finding.kind}): ${finding.detail}`);
  process.exit(2);
} else {
  const before = result.records[result.records.length - 1];
  console.error(`${file}: BROKEN at line ${result.line}: ${result.reason}`);
  if (before) console.error(`  last intact record: seq ${before.seq} (${before.event} at ${before.time})`);
  process.exit(1);
}
