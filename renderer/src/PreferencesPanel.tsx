import { useTranslation } from 'react-i18next';
import { ErrorBanner } from './ErrorBanner';
import { ROOMS } from './preferences';
import { TextSizeChoices } from './TextSizeChoices';
import type { PreferencesState } from './usePreferences';

/** "My preferences": saved for the person, so they follow them to any terminal they sign in to. */
export function PreferencesPanel({ state }: { state: PreferencesState }) {
  const { t } = useTranslation();
  const { prefs, loaded, saving, error, overridden, textSize } = state;
  return (
    <section className="prefs" aria-labelledby="prefs-title">
      <h2 id="prefs-title">{t('prefs.title')}</h2>
      <p className="hint">{t('prefs.hint')}</p>
      {error && <ErrorBanner error={error} />}
      {overridden && (
        <p role="status" className="banner notice">
          {t('prefs.overridden', { setting: t(overridden) })}
        </p>
      )}
      <div className="field">
        <label htmlFor="pref-room">{t('prefs.favouriteRoom')}</label>
        <select id="pref-room" value={prefs.favouriteRoom ?? ''} onChange={(e) => state.setFavouriteRoom(e.target.value === '' ? null : e.target.value)}>
          <option value="">{t('prefs.noFavourite')}</option>
          {ROOMS.map((room) => (
            <option key={room} value={room}>
              {room}
            </option>
          ))}
        </select>
      </div>
      <TextSizeChoices name="pref-text-size" legend={t('prefs.textSize')} value={textSize} onChange={(size) => state.setTextSize(size)} />
      <p className="meta" role="status" aria-live="polite">
        {saving ? t('prefs.saving') : loaded ? t('prefs.saved') : t('prefs.loading')}
      </p>
    </section>
  );
}
