/** After a sign-in: the person may set a PIN for quick unlock (entered twice on the keypad). */
import { useCallback, useState } from 'react';
import type { ScrubInBridge, SessionView } from '../../common/contract';
import { PinKeypad } from './PinKeypad';

export const SET_PIN_STRINGS = {
  offer: 'Set a PIN for quick unlock',
  explain: 'When the terminal locks by itself, you can come back with your PIN instead of your password for a while.',
  choose: (n: number) => `Choose a ${n}-digit PIN`,
  again: 'Enter the same PIN again',
  mismatch: 'The two PINs were different. Choose a PIN again.',
  done: 'Your PIN is set for this session.',
  notNow: 'Not now',
  keypad: 'PIN keypad',
  noAnswer: 'Scrub In did not answer. Try again.',
} as const;

type Step = 'offer' | 'choose' | 'again' | 'hidden';

export function SetPinPanel({ bridge, quickUnlock }: { bridge: ScrubInBridge; quickUnlock: NonNullable<SessionView['quickUnlock']> }) {
  const [step, setStep] = useState<Step>('offer');
  const [first, setFirst] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [message, setMessage] = useState<string | null>(null);
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
        setMessage(SET_PIN_STRINGS.mismatch);
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
            setMessage(result.error.message);
            setStep('choose');
          }
        })
        .catch(() => setMessage(SET_PIN_STRINGS.noAnswer))
        .finally(() => setBusy(false));
    },
    [bridge, first, step],
  );

  if (quickUnlock.pinSet) return <p className="hint" role="status">{SET_PIN_STRINGS.done}</p>;
  if (step === 'hidden') return null;
  return (
    <section className="set-pin" aria-labelledby="set-pin-title">
      <h2 id="set-pin-title">{step === 'offer' ? SET_PIN_STRINGS.offer : step === 'choose' ? SET_PIN_STRINGS.choose(quickUnlock.pinLength) : SET_PIN_STRINGS.again}</h2>
      <div role="alert" className={message ? 'banner error' : 'banner empty'}>
        {message}
      </div>
      {step === 'offer' ? (
        <>
          <p className="hint">{SET_PIN_STRINGS.explain}</p>
          <div className="actions">
            <button className="secondary" onClick={() => setStep('choose')}>
              {SET_PIN_STRINGS.offer}
            </button>
            <button className="secondary" onClick={() => setStep('hidden')}>
              {SET_PIN_STRINGS.notNow}
            </button>
          </div>
        </>
      ) : (
        <PinKeypad key={step} length={quickUnlock.pinLength} label={SET_PIN_STRINGS.keypad} busy={busy} onComplete={complete} />
      )}
    </section>
  );
}
