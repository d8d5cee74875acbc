import { useEffect, useState } from 'react';
import type { ScrubInBridge, SessionView } from '../../preload/contract';

export function App({ bridge }: { bridge: ScrubInBridge }) {
  const [view, setView] = useState<SessionView | null>(null);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    let live = true;
    bridge
      .getSession()
      .then((result) => {
        if (!live) return;
        if (result.ok) setView(result.value);
        else setError(result.error.message);
      })
      .catch(() => live && setError('Scrub In could not start its sign-in service.'));
    const off = bridge.onSessionChanged(setView);
    return () => {
      live = false;
      off();
    };
  }, [bridge]);

  return (
    <main className="app">
      <h1>Scrub In</h1>
      <p role="status" aria-live="polite">
        {error ?? (view ? `State: ${view.state}` : 'Starting…')}
      </p>
    </main>
  );
}
