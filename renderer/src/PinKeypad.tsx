/**
 * The on-screen PIN keypad: glove-sized keys, digits shown as dots only, sent as soon as the last digit is in
 * (no extra "OK" tap). Keyboard digits, Backspace and Escape work too. The PIN is held only until it is sent.
 */
import { useCallback, useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';

const DIGITS = ['1', '2', '3', '4', '5', '6', '7', '8', '9'] as const;
/** Digits are the same in every language: not catalogue text. */
const ZERO = '0';

export function PinKeypad({ length, label, busy, onComplete }: { length: number; label: string; busy: boolean; onComplete: (pin: string) => void }) {
  const { t } = useTranslation();
  const [digits, setDigits] = useState('');
  // The digits so far, outside React's state updaters (which may run twice): the PIN is sent exactly once.
  const entered = useRef('');
  const show = useCallback((value: string) => {
    entered.current = value;
    setDigits(value);
  }, []);
  const press = useCallback(
    (digit: string) => {
      if (busy || entered.current.length >= length) return;
      const next = entered.current + digit;
      if (next.length < length) {
        show(next);
        return;
      }
      show(''); // sent once, then forgotten here
      onComplete(next);
    },
    [busy, length, onComplete, show],
  );
  const back = useCallback(() => show(entered.current.slice(0, -1)), [show]);

  useEffect(() => {
    const onKey = (event: KeyboardEvent): void => {
      // Typing in a text field elsewhere on the screen is not for the keypad.
      if (event.target instanceof HTMLInputElement || event.target instanceof HTMLTextAreaElement) return;
      if (/^\d$/.test(event.key)) press(event.key);
      else if (event.key === 'Backspace') back();
      else if (event.key === 'Escape') show('');
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [press, back]);

  return (
    <div className="keypad" role="group" aria-label={label}>
      <p className="pin-dots" aria-live="polite">
        <span className="sr-only">{busy ? t('pin.checking') : t('pin.entered', { n: digits.length, of: length })}</span>
        {Array.from({ length }, (_, i) => (
          <span key={i} className={i < digits.length ? 'dot filled' : 'dot'} aria-hidden="true" />
        ))}
      </p>
      <div className="keys">
        {DIGITS.map((d) => (
          <button key={d} type="button" className="key" disabled={busy} onClick={() => press(d)}>
            {d}
          </button>
        ))}
        <button type="button" className="key secondary-key" disabled={busy || digits.length === 0} onClick={() => show('')}>
          {t('pin.clear')}
        </button>
        <button type="button" className="key" disabled={busy} onClick={() => press(ZERO)}>
          {ZERO}
        </button>
        <button type="button" className="key secondary-key" disabled={busy || digits.length === 0} aria-label={t('pin.delete')} onClick={back}>
          ⌫
        </button>
      </div>
    </div>
  );
}
