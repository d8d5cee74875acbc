import type { TFunction } from 'i18next';
import { referenceCode } from '../../../common/reference-codes';
import { i18n } from './index';

/** An error as the renderer holds it: main's error view, or one the renderer raises itself (`no_answer`, `start_failed`, `settings_read_failed`). */
export interface ShownError {
  code: string;
  /** Main's own (English) message: shown only when the catalogue has no words for the code. */
  message: string;
  variant?: string | undefined;
}

/** A renderer-side error (main did not answer, or could not start). */
export function localError(code: 'no_answer' | 'start_failed' | 'settings_read_failed'): ShownError {
  return { code, message: '' };
}

/**
 * The words of an error in the current language and its SI-… reference code. The catalogue's `errorVariants.<variant>`
 * (a more specific message main chose), else `errors.<code>`, else main's own (English) message.
 */
export function errorText(t: TFunction, error: ShownError): { message: string; reference: string } {
  const keys = [...(error.variant ? [`errorVariants.${error.variant}`] : []), `errors.${error.code}`];
  const key = keys.find((k) => i18n.exists(k));
  return { message: key ? t(key) : error.message, reference: referenceCode(error.code) };
}
