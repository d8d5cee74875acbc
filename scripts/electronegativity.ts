/**
 * Runs @doyensec/electronegativity over the app sources and FAILS on any finding above LOW
 * (the tool itself always exits 0). Findings that are review reminders, not defects, are listed
 * in REVIEWED with the reason; anything else above LOW fails the build.
 */
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const electronVersion = (require('electron/package.json') as { version: string }).version;

/** Descriptions the tool only ever reports at LOW severity (read from its check sources). */
const LOW_ONLY_DESCRIPTIONS = new Set(['One or more CSP directives detected seems to be vulnerable', 'One or more CSP directives detected are vulnerable']);

/** check id -> why it is accepted after review. */
const REVIEWED: Record<string, string> = {
  PRELOAD_JS_CHECK: 'preload/index.ts was reviewed: it exposes named functions only, never ipcRenderer (see docs/threat-model.md)',
  PROTOCOL_HANDLER_JS_CHECK:
    'the app.scrubin scheme is the RFC 8252 redirect: links are only queued by main/shell/deep-links.ts and accepted by the sign-in core when they match the pending flow (docs/threat-model.md)',
  OPEN_EXTERNAL_JS_CHECK: 'shell.openExternal is reached only through main/shell/external.ts, which allows the configured authorize and logout URLs and nothing else',
  CERTIFICATE_VERIFY_PROC_JS_CHECK: 'main/shell/network.ts only narrows: it keeps Chromium\'s verdict except for an unknown-authority refusal of a chain signed by the CA IT configured in network.extraCaFile, for the right host (main/net/extra-ca.ts, tests/integration/network-tls.test.ts)',
};

const out = 'test-results/electronegativity.csv';
mkdirSync('test-results', { recursive: true });
// Global checks (CSP, navigation limits, permission handler) need the whole app in ONE input, and only the
// app: stage main/, preload/ and renderer/ (without tests, local-cognito or node_modules) into one folder.
const stage = 'test-results/electronegativity-src';
rmSync(stage, { recursive: true, force: true });
for (const dir of ['main', 'preload', 'renderer/src', 'renderer/index.html']) cpSync(dir, `${stage}/${dir}`, { recursive: true });
const findings: string[][] = [];
for (const input of [stage]) {
  execFileSync(process.execPath, [require.resolve('@doyensec/electronegativity/dist/index.js'), '-i', input, '-r', '-v', 'false', '-e', electronVersion, '-o', out], {
    stdio: ['ignore', 'ignore', 'ignore'],
  });
  const [, ...rows] = parseCsv(readFileSync(out, 'utf8'));
  for (const cells of rows) if (cells.length > 3) findings.push([input, ...cells.map((c) => c.trim())]);
}
/**
 * The tool writes code samples into its CSV without escaping quotes or newlines (and sometimes garbles a
 * record's head), so a general CSV parser misreads it. Every record ends with `,"description",<wiki URL>`:
 * split on those URLs, read the head `CHECK_ID,"SEVERITY","CONFIDENCE","file","line:col",` where intact, and
 * where it is not, take the check id from the URL and the severity from the description only if that
 * description is one the tool always reports as LOW; anything else counts as UNKNOWN, which fails.
 */

function parseCsv(text: string): string[][] {
  const body = text.slice(text.indexOf('\n') + 1);
  const records: string[][] = [[]];
  const terminator = /,"([^"]*)",https:\/\/github\.com\/doyensec\/electronegativity\/wiki\/([A-Z_]+)[^\S\n]*(\n|$)/g;
  let from = 0;
  for (const match of body.matchAll(terminator)) {
    const chunk = body.slice(from, match.index);
    from = match.index + match[0].length;
    const description = match[1] ?? '';
    const id = match[2] ?? 'UNKNOWN_CHECK';
    const head = /^([A-Z_]+_CHECK),"(\w+)","(\w+)","([^"]*)","([^"]*)",/.exec(chunk);
    if (head) records.push([head[1] ?? id, head[2] ?? 'UNKNOWN', head[3] ?? '', head[4] ?? '', head[5] ?? '', '', description]);
    else records.push([id, LOW_ONLY_DESCRIPTIONS.has(description) ? 'LOW' : 'UNKNOWN', '?', '?', '?', '', description]);
  }
  if (body.slice(from).trim()) records.push(['UNPARSED_OUTPUT', 'UNKNOWN', '?', '?', '?', '', body.slice(from, from + 200)]);
  return records;
}

const serious = findings.filter(([, id, severity]) => severity !== 'LOW' && severity !== 'INFORMATIONAL' && !(id && id in REVIEWED));
for (const [input, id, severity, confidence, file, location, , description] of findings) {
  const note = id && id in REVIEWED ? ` [reviewed: ${REVIEWED[id]}]` : '';
  console.log(`${severity} ${id} (${confidence}) ${input}/${file}:${location} ${description}${note}`);
}
if (serious.length) {
  console.error(`electronegativity: ${serious.length} finding(s) above LOW`);
  process.exit(1);
}
console.log(`electronegativity: no finding above LOW (Electron ${electronVersion}, ${findings.length} reviewed/low finding(s))`);
