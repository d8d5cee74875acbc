/**
 * No connection to the hospital sign-in service (issue 21): shown instead of opening the browser onto an error page,
 * and when the token or identity endpoints stop answering mid-sign-in. Main re-checks by itself with backoff and
 * clears `view.offline` when the service answers; Retry starts the interrupted step again at once.
 * Its words are in the catalogues (`offline.*`; the message and the SI-OFFLINE reference via ErrorBanner and `errors.offline`).
 */
import { useTranslation } from 'react-i18next';
import type { Result, ScrubInBridge, SessionView } from '../../common/contract';
import { ErrorBanner } from './ErrorBanner';
import { localError } from './i18n/errors';
import { useNow } from './useNow';

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
}: {
  view: SessionView;
  offline: Offline;
  bridge: ScrubInBridge;
  run: (action: () => Promise<Result<unknown>>) => void;
  busy: boolean;
}) {
  const { t } = useTranslation();
  const now = useNow();
  const seconds = offline.nextCheckAt === null ? null : Math.max(0, Math.ceil((offline.nextCheckAt - now) / 1000));
  return (
    <div className="app error">
      <header className="topbar">
        <span className="brand">{t('app.brand')}</span>
        <span className="terminal">{t('app.terminal', { id: view.terminalId })}</span>
      </header>
      <main className="content" aria-labelledby="screen-title">
        <h1 id="screen-title">{t('offline.title')}</h1>
        <ErrorBanner error={localError('offline')} />
        <p className="lead">{t('offline.lead')}</p>
        <p role="status" aria-live="polite">
          {t('offline.checking')}
        </p>
        {/* The ticking seconds are a timer, which screen readers do not read out at every tick (the status above is announced once). */}
        {seconds !== null && <p role="timer" aria-live="off">{t('offline.nextCheck', { seconds })}</p>}
        <div className="actions">
          <button className="primary" disabled={busy} onClick={() => run(retryAction(bridge, offline))}>
            {t('offline.retry')}
          </button>
        </div>
      </main>
    </div>
  );
}
