/**
 * The message catalogues (renderer/src/i18n): the same check as `npm run lint` (scripts/check-i18n.ts), plus the
 * keys built at run time: every error code of main and every reference code has words in both languages.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { REFERENCE_CODES, referenceCode } from '../../common/reference-codes';
import { ERROR_CODES } from '../../main/errors';
import { checkCatalogues, checkI18n, checkSource, LANGUAGES, readCatalogue } from '../../scripts/check-i18n';

const root = process.cwd();
const catalogues = Object.fromEntries(LANGUAGES.map((l) => [l, readCatalogue(root, l)]));

describe('message catalogues', () => {
  it('pass the build check: same keys in en and ko, every key used exists, no literal text in JSX', () => {
    expect(checkI18n(root)).toEqual([]);
  });

  it.each(LANGUAGES)('%s has words and a reference code for every error code of main', (language) => {
    for (const code of Object.keys(ERROR_CODES)) {
      expect(catalogues[language], code).toHaveProperty([`errors.${code}`]);
      expect(Object.keys(REFERENCE_CODES), code).toContain(code);
    }
    for (const code of Object.keys(REFERENCE_CODES)) expect(catalogues[language], code).toHaveProperty([`errors.${code}`]);
  });

  it('every error variant main uses (a more specific message) has words in both languages, and none is unused', () => {
    const files = readdirSync('main', { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.ts'));
    const used = new Set(files.flatMap((f) => [...readFileSync(path.join('main', f), 'utf8').matchAll(/\bvariant: '([a-z_]+)'/g)].map((m) => m[1])));
    expect(used.size).toBeGreaterThan(5);
    for (const language of LANGUAGES) {
      const defined = Object.keys(catalogues[language] ?? {}).filter((k) => k.startsWith('errorVariants.')).map((k) => k.slice('errorVariants.'.length));
      expect(new Set(defined), language).toEqual(used);
    }
  });

  it('docs/it-guide.md lists every reference code with its internal code', () => {
    const guide = readFileSync('docs/it-guide.md', 'utf8');
    for (const [code, reference] of Object.entries(REFERENCE_CODES)) expect(guide, reference).toContain(`| \`${reference}\` | \`${code}\` |`);
  });

  it('reference codes are short, unique, and include SI-OFFLINE, SI-THROTTLED and SI-EXPIRED', () => {
    const codes = Object.values(REFERENCE_CODES);
    expect(new Set(codes).size).toBe(codes.length);
    for (const code of codes) expect(code).toMatch(/^SI-[A-Z]+(-[A-Z]+)*$/);
    for (const code of codes) expect(code.length).toBeLessThanOrEqual(20);
    expect(codes).toEqual(expect.arrayContaining(['SI-OFFLINE', 'SI-THROTTLED', 'SI-EXPIRED']));
    expect(referenceCode('throttled')).toBe('SI-THROTTLED');
    expect(referenceCode('no-such-code')).toBe('SI-INTERNAL');
  });

  it('the check finds a missing key, different placeholders, unknown t() keys and literal text in JSX', () => {
    expect(checkCatalogues({ en: { 'a.b': 'Hi {{name}}', 'a.c': 'x' }, ko: { 'a.b': '안녕 {{who}}' } })).toEqual([
      'ko.json is missing "a.c" (it is in en.json)',
      '"a.b": ko.json has {{who}} but en.json has {{name}}',
    ]);
    const problems = checkSource('x.tsx', 'const a = <p title="Hello" aria-label={`Close`}>Text {t("a.missing")}</p>; const k = "a.gone";', new Set(['a.b']));
    expect(problems).toHaveLength(5);
    expect(problems.join('\n')).toMatch(/literal title="Hello"/);
    expect(problems.join('\n')).toMatch(/literal aria-label="Close"/);
    expect(problems.join('\n')).toMatch(/literal text in JSX \("Text"\)/);
    expect(problems.join('\n')).toMatch(/t\('a.missing'\) is not in the catalogues/);
    expect(problems.join('\n')).toMatch(/"a.gone" looks like a catalogue key/);
  });
});
