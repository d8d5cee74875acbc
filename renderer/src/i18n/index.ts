/**
 * The renderer's words: every UI string, error message and accessible name lives in en.json and ko.json
 * (react-i18next on i18next). Main chooses the language (`terminal.language`, else the OS locale, else English)
 * and sends it in the session view (`display.language`); App.tsx switches to it.
 *
 * HOW TO ADD A STRING
 *   1. Add the key to BOTH en.json and ko.json (same key, same {{placeholders}}), in the block of its screen.
 *   2. In a component: `const { t } = useTranslation();` then `t('screen.key')` / `t('screen.key', { name })`.
 *      Outside React: `i18n.t(...)` from this module. Accessible names (aria-label, title, alt, placeholder)
 *      go through t() too.
 *   3. No literal text in JSX. `npm run lint` runs scripts/check-i18n.ts: the two catalogues must have exactly the
 *      same keys, every t('…') key must exist, and JSX text / aria-label / title / alt / placeholder literals fail.
 *      A key built at run time (t(`errors.${code}`)) is not checked: list its possible keys in the catalogue.
 *   Error screens: `errorText(t, error)` (errors.ts) gives the message and the SI-… reference code.
 */
import i18next from 'i18next';
import type { Language } from '../../../common/contract';
import { initReactI18next } from 'react-i18next';
import en from './en.json';
import ko from './ko.json';

export type { Language };

/** One catalogue per language main may choose (a missing one, or a key missing from ko.json, fails the type check). */
const resources: Record<Language, { translation: typeof en }> = { en: { translation: en }, ko: { translation: ko } };

export const i18n = i18next.createInstance();

void i18n.use(initReactI18next).init({
  resources,
  lng: 'en',
  fallbackLng: 'en',
  supportedLngs: Object.keys(resources),
  // React escapes; the catalogues hold plain text only.
  interpolation: { escapeValue: false },
  // The resources are bundled: initialise synchronously, so the first render already has the words.
  initAsync: false,
});

/** Switches the words and `<html lang>` (screen readers pick their voice from it). */
export function applyLanguage(language: Language): void {
  if (i18n.language !== language) void i18n.changeLanguage(language);
  if (document.documentElement.lang !== language) document.documentElement.lang = language;
}
