/** After a sign-in: the person may set a PIN for quick unlock (entered twice on the keypad). */
import { useCallback, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { ScrubInBridge, SessionView } from '../../common/contract';
import { ErrorBanner } from './ErrorBanner';
import { localError, type ShownError } from './i18n/errors';
import { PinKeypad } from './PinKeypad';

type Step = 'offer' | 'choose' | 'again' | 'hidden';

export function SetPinPanel({ bridge, quickUnlock }: { bridge: ScrubInBridge; quickUnlock: NonNullable<SessionView['quickUnlock']> }) {
  const { t } = useTranslation();
  const [step, setStep] = useState<Step>('offer');
  const [first, setFirst] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [message, setMessage] = useState<ShownError | { mismatch: true } | null>(null);
  const complete = useCallback(
    (pin: string) => {
      if (step === 'choose') {
        setFirst(pin);
        setMessage(null);
        setStep('again');
        return;
      }
      if (pin !== first) {
        setFirst(null);
        setMessage({ mismatch: true });
        setStep('choose');
        return;
      }
      setFirst(null);
      setBusy(true);
      bridge
        .setPin(pin)
        .then((result) => {
          if (result.ok) setStep('hidden');
          else {
            setMessage(result.error);
            setStep('choose');
          }
        })
        .catch(() => setMessage(localError('no_answer')))
        .finally(() => setBusy(false));
    },
    [bridge, first, step],
  );

  if (quickUnlock.pinSet) return <p className="hint" role="status">{t('pin.done')}</p>;
  if (step === 'hidden') return null;
  return (
    <section className="set-pin" aria-labelledby="set-pin-title">
      <h2 id="set-pin-title">{step === 'offer' ? t('pin.offer') : step === 'choose' ? t('pin.choose', { n: quickUnlock.pinLength }) : t('pin.again')}</h2>
      {message && 'mismatch' in message ? (
        <div role="alert" className="banner error">
          <p className="message">{t('pin.mismatch')}</p>
        </div>
      ) : (
        <ErrorBanner error={message} />
      )}
      {step === 'offer' ? (
        <>
          <p className="hint">{t('pin.explain')}</p>
          <div className="actions">
            <button className="secondary" onClick={() => setStep('choose')}>
              {t('pin.offer')}
            </button>
            <button className="secondary" onClick={() => setStep('hidden')}>
              {t('pin.notNow')}
            </button>
          </div>
        </>
      ) : (
        <PinKeypad key={step} length={quickUnlock.pinLength} label={t('pin.keypad')} busy={busy} onComplete={complete} />
      )}
    </section>
  );
}
