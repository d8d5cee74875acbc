import { useTranslation } from 'react-i18next';
import { TEXT_SIZES, type TextSize } from './preferences';

/**
 * The text-size radio group (large targets): the person's preference (My preferences) and the terminal's own
 * size on the sign-in and lock screens.
 */
export function TextSizeChoices({ name, legend, value, onChange }: { name: string; legend: string; value: TextSize; onChange: (size: TextSize) => void }) {
  const { t } = useTranslation();
  return (
    <fieldset className="field choices">
      <legend>{legend}</legend>
      {TEXT_SIZES.map((size) => (
        <label key={size.value} className={value === size.value ? 'choice selected' : 'choice'}>
          <input type="radio" name={name} value={size.value} checked={value === size.value} onChange={() => onChange(size.value)} />
          {t(size.label)}
        </label>
      ))}
    </fieldset>
  );
}
