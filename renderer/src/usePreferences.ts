import { useCallback, useEffect, useRef, useState } from 'react';
import type { ScrubInBridge, SessionView } from '../../common/contract';
import { localError, type ShownError } from './i18n/errors';
import { DEFAULT_PREFERENCES, KEY_FAVOURITE_ROOM, KEY_TEXT_SIZE, parseRoom, parseTextSize, PREFS_DATASET, textScale, type Preferences, type TextSize } from './preferences';

export interface PreferencesState {
  prefs: Preferences;
  /** Whether the person's saved values have been read (the defaults show until then). */
  loaded: boolean;
  saving: boolean;
  error: ShownError | null;
  /**
   * A change the person made was replaced by a newer one from another terminal (shown until their next change): the
   * catalogue key of the preference's name.
   */
  overridden: string | null;
  /** The text size on screen: the person's while they are signed in and have chosen one, else the terminal's. */
  textSize: TextSize;
  setFavouriteRoom(room: string | null): void;
  setTextSize(size: TextSize): void;
}

/**
 * The signed-in person's preferences: read through the bridge when they sign in or unlock, kept current by
 * pushed changes (another terminal, or `reset` when the person changes), and the text size applied to the
 * root font size. Back to the defaults as soon as nobody is signed in.
 */
/** How the notice names each preference (catalogue keys). */
const PREFERENCE_LABELS: Record<string, string> = { [KEY_FAVOURITE_ROOM]: 'prefs.favouriteRoom', [KEY_TEXT_SIZE]: 'prefs.textSize' };

export function usePreferences(bridge: ScrubInBridge, view: SessionView | null): PreferencesState {
  const [prefs, setPrefs] = useState<Preferences>(DEFAULT_PREFERENCES);
  const [loaded, setLoaded] = useState(false);
  const [saving, setSaving] = useState(false);
  const [error, setError] = useState<ShownError | null>(null);
  const [overridden, setOverridden] = useState<string | null>(null);
  const active = view?.state === 'signed-in' && view.settingsAvailable;
  const person = view?.user?.username ?? null;
  /** Bumped on every (re)load, so an older read cannot overwrite a newer one. */
  const generation = useRef(0);

  const load = useCallback(() => {
    const gen = ++generation.current;
    Promise.all([bridge.settings.get(PREFS_DATASET, KEY_FAVOURITE_ROOM), bridge.settings.get(PREFS_DATASET, KEY_TEXT_SIZE)])
      .then(([room, size]) => {
        if (gen !== generation.current) return;
        if (!room.ok || !size.ok) {
          // Locked or signed out meanwhile: the next view change reloads.
          return;
        }
        setPrefs({ favouriteRoom: parseRoom(room.value.value), textSize: parseTextSize(size.value.value) });
        setLoaded(true);
      })
      .catch(() => {
        if (gen === generation.current) setError(localError('settings_read_failed'));
      });
  }, [bridge]);

  // Read when the person signs in (or unlocks); forget when nobody is signed in.
  useEffect(() => {
    if (person === null) {
      generation.current++;
      setPrefs(DEFAULT_PREFERENCES);
      setLoaded(false);
      setError(null);
      setOverridden(null);
      return;
    }
    if (active) load();
  }, [active, person, load]);

  // Changes pushed by main: one record (here or from another terminal), or `reset` (re-read everything).
  useEffect(
    () =>
      bridge.settings.onChange((change) => {
        if (change.kind === 'reset') {
          // The person's settings were (re)opened or closed: re-read them, or forget them.
          if (active) load();
          else {
            generation.current++;
            setPrefs(DEFAULT_PREFERENCES);
            setLoaded(false);
          }
          return;
        }
        if (change.dataset !== PREFS_DATASET) return;
        const label = PREFERENCE_LABELS[change.key];
        if (change.overridden && label) setOverridden(label);
        if (change.key === KEY_FAVOURITE_ROOM) setPrefs((p) => ({ ...p, favouriteRoom: parseRoom(change.value) }));
        if (change.key === KEY_TEXT_SIZE) setPrefs((p) => ({ ...p, textSize: parseTextSize(change.value) }));
      }),
    [bridge, load, active],
  );

  // The text size is the root font size (every size in the stylesheet is relative to it). Before anyone signs in,
  // on the lock screen, and for a person who has not chosen one: the terminal's own text size.
  const textSize = (active && loaded ? prefs.textSize : null) ?? view?.display.textSize ?? 'normal';
  useEffect(() => {
    document.documentElement.style.setProperty('--text-scale', String(textScale(textSize)));
  }, [textSize]);

  const save = useCallback(
    (key: string, value: string, next: Partial<Preferences>) => {
      setPrefs((p) => ({ ...p, ...next }));
      setSaving(true);
      setError(null);
      setOverridden(null);
      bridge.settings
        .set(PREFS_DATASET, key, value)
        .then((result) => {
          if (!result.ok) {
            setError(result.error);
            load();
          }
        })
        .catch(() => setError(localError('no_answer')))
        .finally(() => setSaving(false));
    },
    [bridge, load],
  );

  return {
    prefs,
    loaded,
    saving,
    error,
    overridden,
    textSize,
    setFavouriteRoom: (room) => save(KEY_FAVOURITE_ROOM, room ?? '', { favouriteRoom: room }),
    setTextSize: (size) => save(KEY_TEXT_SIZE, size, { textSize: size }),
  };
}
