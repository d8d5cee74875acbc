import { useTranslation } from 'react-i18next';
import { errorText, type ShownError } from './i18n/errors';

/** The error of the screen in plain words, with the SI-… reference code people read out to IT. */
export function ErrorBanner({ error }: { error: ShownError | null }) {
  const { t } = useTranslation();
  const text = error ? errorText(t, error) : null;
  return (
    <div role="alert" className={text ? 'banner error' : 'banner empty'}>
      {text && (
        <>
          <p className="message">{text.message}</p>
          <p className="reference">{t('errors.reference', { code: text.reference })}</p>
        </>
      )}
    </div>
  );
}
