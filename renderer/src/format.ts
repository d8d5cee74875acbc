import type { TFunction } from 'i18next';
import type { Language } from './i18n';

/** "Charge Nurses" from "arn:aws:iam::000000000000:role/ScrubIn-ChargeNurses" (null: the pool's default role). */
export function roleName(arn: string | null): string | null {
  if (!arn) return null;
  const name = arn.slice(arn.lastIndexOf('/') + 1);
  return name.replace(/^ScrubIn-/, '').replace(/([a-z])([A-Z])/g, '$1 $2');
}

export function formatDuration(t: TFunction, ms: number): string {
  const total = Math.max(0, Math.floor(ms / 1000));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  if (h > 0) return t('duration.hours', { h, mm: String(m).padStart(2, '0') });
  if (m > 0) return t('duration.minutes', { m, ss: String(s).padStart(2, '0') });
  return t('duration.seconds', { s });
}

/** The locale of each language's dates and times. */
const LOCALES: Record<Language, string> = { en: 'en-GB', ko: 'ko-KR' };

export function formatTime(language: Language, epochMs: number): string {
  // English keeps the 24-hour clock used on hospital wards and in the OR; Korean follows its locale (오후 2:05).
  const options: Intl.DateTimeFormatOptions = { hour: '2-digit', minute: '2-digit' };
  if (language === 'en') options.hourCycle = 'h23';
  return new Date(epochMs).toLocaleTimeString(LOCALES[language], options);
}

/**
 * A wall-clock time of day kept as "HH:MM" (a case's scheduled start), shown like formatTime: "07:30" in English,
 * "오전 07:30" in Korean. Formatted in UTC so the terminal's time zone (and its DST days) cannot move it.
 */
export function formatClock(language: Language, hhmm: string): string {
  const [h, m] = hhmm.split(':').map(Number);
  if (h === undefined || m === undefined || Number.isNaN(h) || Number.isNaN(m)) return hhmm;
  const options: Intl.DateTimeFormatOptions = { hour: '2-digit', minute: '2-digit', timeZone: 'UTC' };
  if (language === 'en') options.hourCycle = 'h23';
  return new Date(Date.UTC(1970, 0, 1, h, m)).toLocaleTimeString(LOCALES[language], options);
}
