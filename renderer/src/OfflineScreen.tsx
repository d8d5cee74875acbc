/**
 * No connection to the hospital sign-in service (issue 21): shown instead of opening the browser onto an error page,
 * and when the token or identity endpoints stop answering mid-sign-in. Main re-checks by itself with backoff and
 * clears `view.offline` when the service answers; Retry starts the interrupted step again at once.
 * Every string of this screen is in OFFLINE_TEXT (to move into the message catalogue with the other screens).
 */
import type { Result, ScrubInBridge, SessionView } from '../../common/contract';

export const OFFLINE_TEXT = {
  title: 'No connection to the hospital sign-in service',
  lead: 'PIN unlock still works if it is on; otherwise call IT, reference SI-OFFLINE.',
  reference: 'SI-OFFLINE',
  referenceLabel: 'Reference for IT',
  retry: 'Retry',
  checking: 'Scrub In checks again by itself and continues when the connection is back.',
  nextCheck: (seconds: number) => `Next check in ${seconds} s.`,
  terminal: (id: string) => `Terminal ${id}`,
} as const;

type Offline = NonNullable<SessionView['offline']>;

/** What Retry does: the step that could not reach the service, started again. */
function retryAction(bridge: ScrubInBridge, offline: Offline): () => Promise<Result<unknown>> {
  switch (offline.during) {
    case 'unlock':
      return () => bridge.unlock();
    case 'switch':
      return () => bridge.switchUser();
    case 'sign-in':
      return () => bridge.signIn();
    case null:
      return () => bridge.getCredentials();
  }
}

export function OfflineScreen({
  view,
  offline,
  bridge,
  run,
  busy,
  now,
}: {
  view: SessionView;
  offline: Offline;
  bridge: ScrubInBridge;
  run: (action: () => Promise<Result<unknown>>) => void;
  busy: boolean;
  now: number;
}) {
  const seconds = offline.nextCheckAt === null ? null : Math.max(0, Math.ceil((offline.nextCheckAt - now) / 1000));
  return (
    <div className="app error">
      <header className="topbar">
        <span className="brand">Scrub In</span>
        <span className="terminal">{OFFLINE_TEXT.terminal(view.terminalId)}</span>
      </header>
      <main className="content" aria-labelledby="screen-title">
        <h1 id="screen-title">{OFFLINE_TEXT.title}</h1>
        <div role="alert" className="banner error">
          {OFFLINE_TEXT.lead}
        </div>
        <p className="lead">
          {OFFLINE_TEXT.referenceLabel}: <strong data-testid="offline-reference">{OFFLINE_TEXT.reference}</strong>
        </p>
        <p role="status" aria-live="polite">
          {OFFLINE_TEXT.checking} {seconds === null ? '' : OFFLINE_TEXT.nextCheck(seconds)}
        </p>
        <div className="actions">
          <button className="primary" disabled={busy} onClick={() => run(retryAction(bridge, offline))}>
            {OFFLINE_TEXT.retry}
          </button>
        </div>
      </main>
    </div>
  );
}
