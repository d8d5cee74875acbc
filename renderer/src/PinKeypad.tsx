/**
 * The on-screen PIN keypad: glove-sized keys, digits shown as dots only, sent as soon as the last digit is in
 * (no extra "OK" tap). Keyboard digits, Backspace and Escape work too. The PIN is held only until it is sent.
 */
import { useCallback, useEffect, useRef, useState } from 'react';

export const KEYPAD_STRINGS = {
  entered: (n: number, of: number) => `${n} of ${of} digits entered`,
  delete: 'Delete last digit',
  clear: 'Clear',
  checking: 'Checking…',
} as const;

const DIGITS = ['1', '2', '3', '4', '5', '6', '7', '8', '9'] as const;

export function PinKeypad({ length, label, busy, onComplete }: { length: number; label: string; busy: boolean; onComplete: (pin: string) => void }) {
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
        <span className="sr-only">{busy ? KEYPAD_STRINGS.checking : KEYPAD_STRINGS.entered(digits.length, length)}</span>
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
          {KEYPAD_STRINGS.clear}
        </button>
        <button type="button" className="key" disabled={busy} onClick={() => press('0')}>
          0
        </button>
        <button type="button" className="key secondary-key" disabled={busy || digits.length === 0} aria-label={KEYPAD_STRINGS.delete} onClick={back}>
          ⌫
        </button>
      </div>
    </div>
  );
}
