/**
 * The person's preferences that follow them between terminals (settings sync, dataset `prefs`). Values can
 * come from another terminal (or an older app version), so every value read is checked against the allowed
 * lists here; anything else counts as "not set".
 */
export const PREFS_DATASET = 'prefs';
export const KEY_FAVOURITE_ROOM = 'favouriteRoom';
export const KEY_TEXT_SIZE = 'textSize';

export const ROOMS = Array.from({ length: 12 }, (_, i) => `OR-${i + 1}`);

/** `label` is the catalogue key of the size's name. */
export const TEXT_SIZES = [
  { value: 'normal', label: 'textSize.normal', scale: 1 },
  { value: 'large', label: 'textSize.large', scale: 1.25 },
  { value: 'extra-large', label: 'textSize.extra-large', scale: 1.5 },
] as const;

export type TextSize = (typeof TEXT_SIZES)[number]['value'];

export interface Preferences {
  favouriteRoom: string | null;
  textSize: TextSize;
}

export const DEFAULT_PREFERENCES: Preferences = { favouriteRoom: null, textSize: 'normal' };

export function parseRoom(value: string | null | undefined): string | null {
  return typeof value === 'string' && ROOMS.includes(value) ? value : null;
}

export function parseTextSize(value: string | null | undefined): TextSize {
  return TEXT_SIZES.find((t) => t.value === value)?.value ?? 'normal';
}

export function textScale(size: TextSize): number {
  return TEXT_SIZES.find((t) => t.value === size)?.scale ?? 1;
}
