/**
 * Fails the build (`npm run lint`, and tests/unit/i18n-catalogue.test.ts) when a UI string is missing from a
 * message catalogue of renderer/src/i18n:
 *   - en.json and ko.json have exactly the same keys, and each key the same {{placeholders}};
 *   - every key given to t('…') / i18n.t('…') in renderer/src exists, and so does every other string literal
 *     that names a catalogue key ("textSize.large": keys kept in tables and translated later);
 *   - no literal user-visible text is left in JSX: text nodes, and string literals in aria-label, aria-description,
 *     title, alt, placeholder and label attributes.
 * The TypeScript compiler API reads the sources (no type checking, so it is quick).
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import ts from 'typescript';
import { LanguageSchema } from '../common/contract';

export const CATALOGUE_DIR = 'renderer/src/i18n';
/** Every language main may choose has a catalogue. */
export const LANGUAGES = LanguageSchema.options;
const SOURCE_DIR = 'renderer/src';
const TEXT_ATTRIBUTES = new Set(['aria-label', 'aria-description', 'aria-roledescription', 'aria-valuetext', 'title', 'alt', 'placeholder', 'label']);

type Catalogue = Record<string, string>;

/** "a.b.c" -> text, for every leaf of a nested catalogue; anything but strings and objects is a problem. */
export function flatten(value: unknown, prefix = '', out: Catalogue = {}, problems: string[] = []): Catalogue {
  if (typeof value === 'string') out[prefix] = value;
  else if (value && typeof value === 'object' && !Array.isArray(value)) {
    for (const [key, inner] of Object.entries(value)) flatten(inner, prefix ? `${prefix}.${key}` : key, out, problems);
  } else problems.push(`${prefix || '(root)'}: expected text or a group of keys`);
  return out;
}

const placeholders = (text: string): string[] => [...text.matchAll(/\{\{\s*([\w.]+)\s*\}\}/g)].map((m) => m[1] ?? '').sort();

export function readCatalogue(root: string, language: string): Catalogue {
  return flatten(JSON.parse(readFileSync(path.join(root, CATALOGUE_DIR, `${language}.json`), 'utf8')));
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(full);
    return /\.(ts|tsx)$/.test(entry.name) && !entry.name.endsWith('.d.ts') ? [full] : [];
  });
}

/** Problems in the catalogues alone. */
export function checkCatalogues(catalogues: Record<string, Catalogue>): string[] {
  const problems: string[] = [];
  const [first, ...others] = Object.keys(catalogues);
  if (!first) return ['no catalogues'];
  const base = catalogues[first] ?? {};
  for (const other of others) {
    const cat = catalogues[other] ?? {};
    for (const key of Object.keys(base)) if (!(key in cat)) problems.push(`${other}.json is missing "${key}" (it is in ${first}.json)`);
    for (const key of Object.keys(cat)) if (!(key in base)) problems.push(`${first}.json is missing "${key}" (it is in ${other}.json)`);
    for (const [key, text] of Object.entries(base)) {
      const theirs = cat[key];
      if (theirs !== undefined && placeholders(theirs).join() !== placeholders(text).join()) {
        problems.push(`"${key}": ${other}.json has {{${placeholders(theirs).join('}}, {{')}}} but ${first}.json has {{${placeholders(text).join('}}, {{')}}}`);
      }
    }
    for (const [key, text] of Object.entries(cat)) if (text.trim() === '') problems.push(`"${key}" is empty in ${other}.json`);
  }
  return problems;
}

/** Problems in one renderer source file: unknown keys and literal text in JSX. */
export function checkSource(fileName: string, text: string, keys: ReadonlySet<string>): string[] {
  const problems: string[] = [];
  const source = ts.createSourceFile(fileName, text, ts.ScriptTarget.Latest, true, fileName.endsWith('.tsx') ? ts.ScriptKind.TSX : ts.ScriptKind.TS);
  const sections = new Set([...keys].map((k) => k.slice(0, k.indexOf('.'))));
  const at = (node: ts.Node): string => {
    const { line, character } = source.getLineAndCharacterOfPosition(node.getStart(source));
    return `${fileName}:${line + 1}:${character + 1}`;
  };
  const literalText = (node: ts.Node | undefined): string | null => {
    if (!node) return null;
    if (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node)) return node.text;
    if (ts.isJsxExpression(node)) return literalText(node.expression);
    if (ts.isTemplateExpression(node)) return node.head.text + node.templateSpans.map((s) => s.literal.text).join('');
    if (ts.isConditionalExpression(node)) return literalText(node.whenTrue) ?? literalText(node.whenFalse);
    if (ts.isBinaryExpression(node)) return literalText(node.left) ?? literalText(node.right);
    if (ts.isParenthesizedExpression(node)) return literalText(node.expression);
    return null;
  };
  const isTCall = (node: ts.Node): node is ts.CallExpression => {
    if (!ts.isCallExpression(node)) return false;
    const callee = node.expression;
    return (ts.isIdentifier(callee) && callee.text === 't') || (ts.isPropertyAccessExpression(callee) && callee.name.text === 't');
  };
  const visit = (node: ts.Node): void => {
    const arg = isTCall(node) ? node.arguments[0] : undefined;
    if (arg && (ts.isStringLiteral(arg) || ts.isNoSubstitutionTemplateLiteral(arg)) && !keys.has(arg.text)) {
      // t('key') and i18n.t('key'): the key must exist.
      problems.push(`${at(arg)}: t('${arg.text}') is not in the catalogues`);
    } else if (ts.isStringLiteral(node) && !isTCall(node.parent) && /^[a-zA-Z]+\.[\w.-]+$/.test(node.text) && sections.has(node.text.slice(0, node.text.indexOf('.'))) && !keys.has(node.text)) {
      // A key kept in a table ("textSize.large"), translated later.
      problems.push(`${at(node)}: "${node.text}" looks like a catalogue key but is not in the catalogues`);
    }
    if (ts.isJsxText(node) && /[\p{L}\p{N}]/u.test(node.text)) {
      problems.push(`${at(node)}: literal text in JSX ("${node.text.trim().slice(0, 40)}"): put it in the catalogues and use t()`);
    }
    if (ts.isJsxAttribute(node) && TEXT_ATTRIBUTES.has(node.name.getText(source))) {
      const literal = literalText(node.initializer);
      if (literal !== null && /[\p{L}\p{N}]/u.test(literal)) {
        problems.push(`${at(node)}: literal ${node.name.getText(source)}="${literal.slice(0, 40)}": put it in the catalogues and use t()`);
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return problems;
}

/** Every problem of the catalogues and of the renderer sources under `root`. */
export function checkI18n(root: string): string[] {
  const problems: string[] = [];
  const catalogues: Record<string, Catalogue> = {};
  for (const language of LANGUAGES) {
    try {
      const shape: string[] = [];
      catalogues[language] = flatten(JSON.parse(readFileSync(path.join(root, CATALOGUE_DIR, `${language}.json`), 'utf8')), '', {}, shape);
      problems.push(...shape.map((p) => `${language}.json: ${p}`));
    } catch (error) {
      problems.push(`${language}.json cannot be read: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  problems.push(...checkCatalogues(catalogues));
  const keys = new Set(Object.keys(catalogues.en ?? {}));
  for (const file of sourceFiles(path.join(root, SOURCE_DIR))) {
    problems.push(...checkSource(path.relative(root, file), readFileSync(file, 'utf8'), keys));
  }
  return problems;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const problems = checkI18n(process.cwd());
  if (problems.length) {
    console.error(`Message catalogues (renderer/src/i18n): ${problems.length} problem(s)\n${problems.join('\n')}`);
    process.exit(1);
  }
  console.log('renderer/src/i18n: en and ko have the same keys, every key used exists, no literal text in JSX');
}
