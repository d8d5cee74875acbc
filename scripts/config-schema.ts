/**
 * Prints the JSON Schema of the configuration file (generated from the zod schema), or with --check
 * verifies that docs/config.schema.json and the README's configuration table are current.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { configJsonSchema, configFieldPaths } from '../main/config/json-schema';

const out = 'docs/config.schema.json';
const text = JSON.stringify(configJsonSchema(), null, 2) + '\n';
if (process.argv.includes('--check')) {
  const problems: string[] = [];
  if (readFileSync(out, 'utf8') !== text) problems.push(`${out} is out of date: run npm run config:schema`);
  const readme = readFileSync('README.md', 'utf8');
  for (const field of configFieldPaths()) if (!readme.includes(`\`${field}\``)) problems.push(`README.md does not document \`${field}\``);
  if (problems.length) {
    console.error(problems.join('\n'));
    process.exit(1);
  }
  console.log(`${out} and README.md match the configuration schema`);
} else {
  writeFileSync(out, text);
  console.log(`wrote ${out}`);
}
