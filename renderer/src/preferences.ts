/**
 * The person's preferences that follow them between terminals (settings sync, dataset `prefs`). Values can
 * come from another terminal (or an older app version), so every value read is checked against the allowed
 * lists here; anything else counts as "not set".
 */
import type { TextSize } from '../../common/contract';

export const PREFS_DATASET = 'prefs';
export const KEY_FAVOURITE_ROOM = 'favouriteRoom';
export const KEY_TEXT_SIZE = 'textSize';

export const ROOMS = Array.from({ length: 12 }, (_, i) => `OR-${i + 1}`);

/** The sizes of common/contract.ts (the terminal's and the person's); `label` is the catalogue key of the size's name. */
export const TEXT_SIZES = [
  { value: 'normal', label: 'textSize.normal', scale: 1 },
  { value: 'large', label: 'textSize.large', scale: 1.25 },
  { value: 'extra-large', label: 'textSize.extra-large', scale: 1.5 },
] as const satisfies readonly { value: TextSize; label: string; scale: number }[];

export type { TextSize };

export interface Preferences {
  favouriteRoom: string | null;
  /** Null: the person has not chosen one (the terminal's text size applies). */
  textSize: TextSize | null;
}

export const DEFAULT_PREFERENCES: Preferences = { favouriteRoom: null, textSize: null };

export function parseRoom(value: string | null | undefined): string | null {
  return typeof value === 'string' && ROOMS.includes(value) ? value : null;
}

export function parseTextSize(value: string | null | undefined): TextSize | null {
  return TEXT_SIZES.find((t) => t.value === value)?.value ?? null;
}

export function textScale(size: TextSize): number {
  return TEXT_SIZES.find((t) => t.value === size)?.scale ?? 1;
}
