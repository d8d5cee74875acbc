/**
 * The full-width countdown before the idle lock. Screen readers hear it once (an alert with fixed words when it
 * appears); the ticking seconds are a `timer`, which assistive technology does not read out every second.
 */
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';

const clockOf = (seconds: number): string => `${Math.floor(seconds / 60)}:${String(seconds % 60).padStart(2, '0')}`;

/** `secondsLeft` as main last said; counted down here between pushes (main decides when the lock falls). */
export function LockWarning({ secondsLeft }: { secondsLeft: number }) {
  const { t } = useTranslation();
  const [left, setLeft] = useState(secondsLeft);
  const [announced] = useState(() => t('lockWarning.announce', { seconds: secondsLeft }));
  useEffect(() => {
    setLeft(secondsLeft);
    const started = Date.now();
    const id = setInterval(() => setLeft(Math.max(0, secondsLeft - Math.floor((Date.now() - started) / 1000))), 250);
    return () => clearInterval(id);
  }, [secondsLeft]);
  return (
    <div className="lock-warning">
      <p className="sr-only" role="alert">
        {announced}
      </p>
      <p role="timer" aria-live="off" className="countdown">
        {t('lockWarning.countdown', { clock: clockOf(left) })}
      </p>
    </div>
  );
}
