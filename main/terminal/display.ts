/**
 * How this terminal shows its screens before anyone signs in: the language (resolved from the config and the OS
 * locale, main/config/language.ts) and the text size chosen on the sign-in and lock screens. The text size belongs
 * to the terminal, not to a person: it is remembered in `<dataDir>/terminal-display.json` (validated on read; a
 * missing or broken file means "normal"), and a person's synced text size still applies while they are signed in
 * (the renderer decides which one shows).
 */
import { z } from 'zod';
import { TextSizeSchema, type DisplayView, type Language, type TextSize } from '../../common/contract';
import { readJsonFile, writeJsonFile } from '../lib';

const DisplayFileSchema = z.object({ textSize: TextSizeSchema });

export interface TerminalDisplay {
  current(): DisplayView;
  /** Changes the terminal's text size and remembers it (the change is shown at once; a failed write throws). */
  setTextSize(textSize: TextSize): Promise<void>;
  /** Called after every change (including the remembered size, once it has been read). */
  subscribe(listener: () => void): () => void;
  /** Resolves once the remembered size has been read (tests, start-up). */
  readonly loaded: Promise<void>;
}

export interface TerminalDisplayOptions {
  language: Language;
  /** Where the terminal's text size is remembered; null keeps it in memory only. */
  file: string | null;
}

export function createTerminalDisplay(options: TerminalDisplayOptions): TerminalDisplay {
  let textSize: TextSize = 'normal';
  /** A size chosen before the file was read wins over the remembered one. */
  let chosen = false;
  const listeners = new Set<() => void>();
  const changed = (): void => {
    for (const listener of [...listeners]) listener();
  };
  const { file } = options;
  const loaded = file
    ? readJsonFile(file, DisplayFileSchema).then((saved) => {
        if (saved && !chosen && saved.textSize !== textSize) {
          textSize = saved.textSize;
          changed();
        }
      })
    : Promise.resolve();
  return {
    current: () => ({ language: options.language, textSize }),
    async setTextSize(size) {
      chosen = true;
      const parsed = TextSizeSchema.parse(size);
      if (parsed !== textSize) {
        textSize = parsed;
        changed();
      }
      if (file) await writeJsonFile(file, { textSize: parsed });
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    loaded,
  };
}
