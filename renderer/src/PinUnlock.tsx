/** The lock screen's keypad: the same person unlocks with their PIN within the grace period of an idle lock. */
import { useCallback, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { ScrubInBridge, SessionView } from '../../common/contract';
import { ErrorBanner } from './ErrorBanner';
import { localError, type ShownError } from './i18n/errors';
import { PinKeypad } from './PinKeypad';

export function PinUnlock({ bridge, quickUnlock }: { bridge: ScrubInBridge; quickUnlock: NonNullable<SessionView['quickUnlock']> }) {
  const { t } = useTranslation();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ShownError | null>(null);
  const submit = useCallback(
    (pin: string) => {
      setBusy(true);
      setError(null);
      bridge
        .unlockWithPin(pin)
        .then((result) => {
          if (!result.ok) setError(result.error);
        })
        .catch(() => setError(localError('no_answer')))
        .finally(() => setBusy(false));
    },
    [bridge],
  );
  return (
    <section className="pin-unlock" aria-labelledby="pin-unlock-title">
      <h2 id="pin-unlock-title">{t('pin.unlockHeading')}</h2>
      <ErrorBanner error={error} />
      <PinKeypad length={quickUnlock.pinLength} label={t('pin.keypad')} busy={busy} onComplete={submit} />
      {quickUnlock.attemptsLeft !== null && quickUnlock.attemptsLeft < 3 && <p className="hint">{quickUnlock.attemptsLeft === 1 ? t('pin.lastTry') : t('pin.triesLeft', { n: quickUnlock.attemptsLeft })}</p>}
    </section>
  );
}
