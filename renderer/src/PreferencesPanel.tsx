import { ROOMS, TEXT_SIZES } from './preferences';
import type { PreferencesState } from './usePreferences';

/** "My preferences": saved for the person, so they follow them to any terminal they sign in to. */
export function PreferencesPanel({ state }: { state: PreferencesState }) {
  const { prefs, loaded, saving, error, overridden } = state;
  return (
    <section className="prefs" aria-labelledby="prefs-title">
      <h2 id="prefs-title">My preferences</h2>
      <p className="hint">Saved for you: they follow you to any Scrub In terminal you sign in to.</p>
      {error && (
        <div role="alert" className="banner error">
          {error}
        </div>
      )}
      {overridden && (
        <p role="status" className="banner notice">
          {overridden}
        </p>
      )}
      <div className="field">
        <label htmlFor="pref-room">Favourite OR</label>
        <select id="pref-room" value={prefs.favouriteRoom ?? ''} onChange={(e) => state.setFavouriteRoom(e.target.value === '' ? null : e.target.value)}>
          <option value="">No favourite</option>
          {ROOMS.map((room) => (
            <option key={room} value={room}>
              {room}
            </option>
          ))}
        </select>
      </div>
      <fieldset className="field choices">
        <legend>Text size</legend>
        {TEXT_SIZES.map((size) => (
          <label key={size.value} className={prefs.textSize === size.value ? 'choice selected' : 'choice'}>
            <input
              type="radio"
              name="pref-text-size"
              value={size.value}
              checked={prefs.textSize === size.value}
              onChange={() => state.setTextSize(size.value)}
            />
            {size.label}
          </label>
        ))}
      </fieldset>
      <p className="meta" role="status" aria-live="polite">
        {saving ? 'Saving…' : loaded ? 'Your preferences are saved.' : 'Loading your saved preferences…'}
      </p>
    </section>
  );
}
