/**
 * The terminal's language (issue 20): terminal.language > the OS locale > English; the same language on the
 * authorize URL as Cognito managed login's `lang`; and the terminal's own text size, remembered for the terminal.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { CustomFetch } from 'openid-client';
import { describe, expect, it } from 'vitest';
import { createUserPoolAuth, MemorySecretStore } from '../../main/auth';
import { ManualClock } from '../../main/clock';
import { ConfigSchema, languageOfLocale, resolveLanguage, withResolvedLanguage, type ConfigInput } from '../../main/config';
import { createTerminalDisplay } from '../../main/terminal';

const ISSUER = 'http://127.0.0.1:9/us-east-1_Unit';
const ORIGIN = 'http://127.0.0.1:9';
const base: ConfigInput = { userPool: { issuer: ISSUER, clientId: 'unitclient', domain: ORIGIN }, redirectUri: 'app.scrubin:/callback', logoutUri: 'app.scrubin:/signed-out' };
const withTerminal = (terminal: Record<string, unknown>) => ConfigSchema.parse({ ...base, terminal });

describe('terminal language', () => {
  it('reads the language of an OS locale in its usual spellings', () => {
    for (const locale of ['ko', 'ko-KR', 'ko_KR', 'ko_KR.UTF-8', 'ko.UTF-8', 'ko@euro', 'KO-kr', ' ko-Kore-KR ']) expect(languageOfLocale(locale), locale).toBe('ko');
    for (const locale of ['en', 'en-US', 'en_GB.UTF-8']) expect(languageOfLocale(locale), locale).toBe('en');
    for (const locale of ['de-DE', 'ja-JP', 'kok-IN', 'C', 'POSIX', '', null, undefined]) expect(languageOfLocale(locale), String(locale)).toBeNull();
  });

  it('config wins over the OS locale, the OS locale over English', () => {
    expect(resolveLanguage('en', 'ko-KR')).toBe('en');
    expect(resolveLanguage('ko', 'en-US')).toBe('ko');
    expect(resolveLanguage(undefined, 'ko-KR')).toBe('ko');
    expect(resolveLanguage(undefined, 'en-US')).toBe('en');
    expect(resolveLanguage(undefined, 'fr-FR')).toBe('en');
    expect(resolveLanguage(undefined, undefined)).toBe('en');
  });

  it('the config accepts en and ko only, and leaves the default to the start (not written into the file)', () => {
    expect(withTerminal({ language: 'ko' }).terminal.language).toBe('ko');
    expect(withTerminal({}).terminal.language).toBeUndefined();
    const bad = ConfigSchema.safeParse({ ...base, terminal: { language: 'ko-KR' } });
    expect(bad.success).toBe(false);
    expect(JSON.stringify(bad.error?.issues[0]?.path)).toBe('["terminal","language"]');
  });

  it('withResolvedLanguage fills terminal.language once for the whole app, without changing the input', () => {
    const config = withTerminal({});
    expect(withResolvedLanguage(config, 'ko_KR.UTF-8').terminal.language).toBe('ko');
    expect(withResolvedLanguage(config, 'de-DE').terminal.language).toBe('en');
    expect(withResolvedLanguage(withTerminal({ language: 'en' }), 'ko-KR').terminal.language).toBe('en');
    expect(config.terminal.language).toBeUndefined();
  });
});

describe('managed login lang parameter', () => {
  const fetch: CustomFetch = (url) =>
    Promise.resolve(
      url === `${ISSUER}/.well-known/openid-configuration`
        ? Response.json({ issuer: ISSUER, authorization_endpoint: `${ORIGIN}/oauth2/authorize`, token_endpoint: `${ORIGIN}/oauth2/token`, jwks_uri: `${ISSUER}/.well-known/jwks.json` })
        : new Response('not found', { status: 404 }),
    );
  const authorizeQuery = async (terminal: Record<string, unknown>): Promise<URLSearchParams> => {
    const core = createUserPoolAuth({ config: withTerminal(terminal), store: new MemorySecretStore(), cacheDir: mkdtempSync(path.join(tmpdir(), 'scrubin-lang-')), clock: new ManualClock(), fetch });
    return new URL((await core.beginSignIn({ forceLogin: true })).authorizeUrl).searchParams;
  };

  it('carries the terminal language as lang (ko and en)', async () => {
    expect((await authorizeQuery({ language: 'ko' })).get('lang')).toBe('ko');
    expect((await authorizeQuery({ language: 'en' })).get('lang')).toBe('en');
  });

  it('sends no lang when the language was never resolved (the auth core used on its own)', async () => {
    expect((await authorizeQuery({})).get('lang')).toBeNull();
  });
});

describe('terminal text size (sign-in and lock screens)', () => {
  it('starts normal, remembers a change in the data folder, and reads it back at the next start', async () => {
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'scrubin-display-')), 'terminal-display.json');
    const first = createTerminalDisplay({ language: 'ko', file });
    await first.loaded;
    expect(first.current()).toEqual({ language: 'ko', textSize: 'normal' });
    let changes = 0;
    first.subscribe(() => changes++);
    await first.setTextSize('extra-large');
    expect(first.current().textSize).toBe('extra-large');
    expect(changes).toBe(1);
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual({ textSize: 'extra-large' });
    const second = createTerminalDisplay({ language: 'en', file });
    await second.loaded;
    expect(second.current()).toEqual({ language: 'en', textSize: 'extra-large' });
  });

  it('a broken or foreign file counts as not set; a size that is not on the list is refused', async () => {
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'scrubin-display-')), 'terminal-display.json');
    writeFileSync(file, '{"textSize":"gigantic"}');
    const display = createTerminalDisplay({ language: 'en', file });
    await display.loaded;
    expect(display.current().textSize).toBe('normal');
    await expect(display.setTextSize('gigantic' as never)).rejects.toThrow();
    expect(display.current().textSize).toBe('normal');
  });
});
