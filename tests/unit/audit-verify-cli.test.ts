/**
 * The audit verifier's command line (scripts/audit-verify.ts) in a child process. Kept apart from audit-log.test.ts:
 * the mutation run (vitest.mutation.config.ts) cannot see coverage inside a child process, so it leaves this file out.
 */
import { spawnSync } from 'node:child_process';
import { appendFileSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { openAuditLog } from '../../main/terminal/audit';
import { tempFile, writeSample } from '../support/audit-sample';

describe('audit log verifier CLI', () => {
  it('CLI: prints the first broken record and exits 1; exits 0 for an intact log', () => {
    const file = tempFile();
    writeSample(file);
    const tsx = path.resolve('node_modules/.bin/tsx');
    const ok = spawnSync(tsx, ['scripts/audit-verify.ts', file], { encoding: 'utf8' });
    expect(ok.status).toBe(0);
    expect(ok.stdout).toContain('4 records (seq 0..3), chain intact: OK');
    const data = readFileSync(file);
    const third = data.indexOf('"lock"');
    data[third + 2] = data[third + 2]! ^ 0x01;
    writeFileSync(file, data);
    const bad = spawnSync(tsx, ['scripts/audit-verify.ts', file], { encoding: 'utf8' });
    expect(bad.status).toBe(1);
    expect(bad.stderr).toContain('BROKEN at line 3');
    expect(bad.stderr).toContain('last intact record: seq 1 (sign-in');
    const usage = spawnSync(tsx, ['scripts/audit-verify.ts'], { encoding: 'utf8' });
    expect(usage.status).toBe(64);
  });

  it('CLI: an intact chain with a recovery exits 2 and prints the finding (bytes set aside, last intact record)', () => {
    const file = tempFile();
    writeSample(file);
    appendFileSync(file, 'forged tail');
    openAuditLog({ path: file, terminalId: 'OR-07' }).close();
    const tsx = path.resolve('node_modules/.bin/tsx');
    const run = spawnSync(tsx, ['scripts/audit-verify.ts', file], { encoding: 'utf8' });
    expect(run.status).toBe(2);
    expect(run.stdout).toContain('chain intact, with 1 finding(s)');
    expect(run.stdout).toMatch(/FINDING line 5 \(recovery\): 11 bytes without a newline after record seq 3 \(hash [0-9a-f]{16}…\)/);
  });
});

