/**
 * Verifies a Scrub In audit log: `npm run audit:verify -- <file>` (or `tsx scripts/audit-verify.ts <file>`).
 * Prints a summary and exits 0 when the chain is intact; prints the first broken or missing record (line
 * number and reason) and exits 1 otherwise; exits 2 on wrong usage.
 */
import { verifyAuditLog } from '../main/terminal/audit-verifier';

const args = process.argv.slice(2).filter((a) => a !== '--');
const file = args[0];
if (args.length !== 1 || file === undefined) {
  console.error('usage: tsx scripts/audit-verify.ts <audit-log.jsonl>');
  process.exit(2);
}
const result = verifyAuditLog(file);
if (result.ok) {
  const last = result.records[result.records.length - 1];
  console.log(`${file}: OK, ${result.records.length} records (seq 0..${last?.seq ?? 0}), chain intact`);
  for (const torn of result.recovered) {
    console.log(`  note: line ${torn.line} is a torn record (${torn.bytes} bytes, crash mid-write), accounted for by the recovery record after it`);
  }
  process.exit(0);
} else {
  const before = result.records[result.records.length - 1];
  console.error(`${file}: BROKEN at line ${result.line}: ${result.reason}`);
  if (before) console.error(`  last intact record: seq ${before.seq} (${before.event} at ${before.time})`);
  process.exit(1);
}
