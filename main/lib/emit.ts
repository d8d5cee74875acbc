/** Calling code we do not own (loggers, audit sinks, UI listeners): a throwing listener never breaks the caller. */

/** Calls `listener` (if any) with `value`; a throw goes to `onError` (ignored without it). */
export function callSafely<T>(listener: ((value: T) => void) | undefined, value: T, onError?: (error: unknown) => void): void {
  if (!listener) return;
  try {
    listener(value);
  } catch (error) {
    if (!onError) return;
    try {
      onError(error);
    } catch {
      // the error reporter failed too: nothing left to tell
    }
  }
}

/** Hands `value` to every listener (a snapshot: a listener may unsubscribe meanwhile); one failure does not stop the others. */
export function emitAll<T>(listeners: Iterable<(value: T) => void>, value: T, onError?: (error: unknown) => void): void {
  for (const listener of [...listeners]) callSafely(listener, value, onError);
}
