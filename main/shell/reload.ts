/**
 * Sign-out and switch user reload the renderer, so nothing of the previous person (the case board, cached
 * credentials, anything an OR screen kept in memory) survives in its heap. The decision is here, unit-tested;
 * Electron's `webContents.reload()` (main/index.ts) and the web test harness's `page.reload()` call it.
 */
import type { SessionView } from '../../common/contract';

/**
 * Returns a session listener that calls `reload` whenever the person the renderer may hold data of goes away:
 * signed out, switched, session ended. A lock keeps the person (no reload: the credential provider drops its
 * credentials instead); a first sign-in or a guest session has nobody to forget.
 */
export function reloadWhenPersonLeaves(reload: () => void): (view: SessionView) => void {
  let person: string | null = null;
  return (view) => {
    const next = view.user?.username ?? null;
    const left = person !== null && next !== person;
    person = next;
    if (left) reload();
  };
}
