/** The lock screen's keypad: the same person unlocks with their PIN within the grace period of an idle lock. */
import { useCallback, useState } from 'react';
import type { ScrubInBridge, SessionView } from '../../common/contract';
import { PinKeypad } from './PinKeypad';

export const PIN_UNLOCK_STRINGS = {
  heading: 'Unlock with your PIN',
  keypad: 'PIN keypad',
  triesLeft: (n: number) => (n === 1 ? 'Last try before you need your password.' : `${n} tries left.`),
  noAnswer: 'Scrub In did not answer. Try again.',
} as const;

export function PinUnlock({ bridge, quickUnlock }: { bridge: ScrubInBridge; quickUnlock: NonNullable<SessionView['quickUnlock']> }) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const submit = useCallback(
    (pin: string) => {
      setBusy(true);
      setError(null);
      bridge
        .unlockWithPin(pin)
        .then((result) => {
          if (!result.ok) setError(result.error.message);
        })
        .catch(() => setError(PIN_UNLOCK_STRINGS.noAnswer))
        .finally(() => setBusy(false));
    },
    [bridge],
  );
  return (
    <section className="pin-unlock" aria-labelledby="pin-unlock-title">
      <h2 id="pin-unlock-title">{PIN_UNLOCK_STRINGS.heading}</h2>
      <div role="alert" className={error ? 'banner error' : 'banner empty'}>
        {error}
      </div>
      <PinKeypad length={quickUnlock.pinLength} label={PIN_UNLOCK_STRINGS.keypad} busy={busy} onComplete={submit} />
      {quickUnlock.attemptsLeft !== null && quickUnlock.attemptsLeft < 3 && <p className="hint">{PIN_UNLOCK_STRINGS.triesLeft(quickUnlock.attemptsLeft)}</p>}
    </section>
  );
}
