/**
 * The terminal's language: `terminal.language` when IT set it, else the operating system's locale when Scrub In
 * has words for it, else English. The same language names the renderer's catalogue and goes to Cognito's
 * managed login as `lang` on the authorize URL.
 */
import { LanguageSchema, type Language } from '../../common/contract';
import type { Config } from './schema';

export const DEFAULT_LANGUAGE: Language = 'en';

/** "ko-KR", "ko_KR.UTF-8", "KO" -> "ko"; a locale Scrub In has no words for -> null. */
export function languageOfLocale(locale: string | null | undefined): Language | null {
  if (!locale) return null;
  const primary = locale.trim().split(/[-_.@]/)[0]?.toLowerCase() ?? '';
  const parsed = LanguageSchema.safeParse(primary);
  return parsed.success ? parsed.data : null;
}

/** config > OS locale > English. */
export function resolveLanguage(configured: Language | undefined, osLocale: string | null | undefined): Language {
  return configured ?? languageOfLocale(osLocale) ?? DEFAULT_LANGUAGE;
}

/** The locale of this process (plain Node; the Electron app passes `app.getLocale()` instead). */
export function processLocale(): string {
  return Intl.DateTimeFormat().resolvedOptions().locale;
}

/** The configuration with `terminal.language` resolved, so every part of main uses the same language. */
export function withResolvedLanguage(config: Config, osLocale: string = processLocale()): Config {
  const language = resolveLanguage(config.terminal.language, osLocale);
  return config.terminal.language === language ? config : { ...config, terminal: { ...config.terminal, language } };
}
