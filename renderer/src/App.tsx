import { useCallback, useEffect, useLayoutEffect, useRef, useState } from 'react';
import type { TFunction } from 'i18next';
import { useTranslation } from 'react-i18next';
import type { Result, ScrubInBridge, SessionView, TextSize } from '../../common/contract';
import { formatDuration, formatTime, roleName } from './format';
import { OfflineScreen } from './OfflineScreen';
import { CaseBoard } from './caseboard/CaseBoard';
import { applyLanguage, type Language } from './i18n';
import { ErrorBanner } from './ErrorBanner';
import { errorText, localError, type ShownError } from './i18n/errors';
import { LockWarning } from './LockWarning';
import { PinUnlock } from './PinUnlock';
import { PreferencesPanel } from './PreferencesPanel';
import { SetPinPanel } from './SetPinPanel';
import { TextSizeChoices } from './TextSizeChoices';
import { useNow } from './useNow';
import { usePreferences, type PreferencesState } from './usePreferences';

type Action = () => Promise<Result<unknown>>;


/**
 * Reports keyboard/pointer activity to main, at most every 5 s (at once while the lock countdown shows). Only a
 * hint: main reads the operating system's idle time to decide.
 */
function useActivityReporter(bridge: ScrubInBridge, warning: boolean): void {
  const last = useRef(0);
  const urgent = useRef(warning);
  urgent.current = warning;
  useEffect(() => {
    const report = (): void => {
      const now = Date.now();
      if (!urgent.current && now - last.current < 5000) return;
      last.current = now;
      void bridge.reportActivity();
    };
    const events = ['pointerdown', 'keydown', 'wheel', 'touchstart'] as const;
    for (const e of events) window.addEventListener(e, report, { passive: true });
    return () => {
      for (const e of events) window.removeEventListener(e, report);
    };
  }, [bridge]);
}

export function App({ bridge }: { bridge: ScrubInBridge }) {
  const [view, setView] = useState<SessionView | null>(null);
  const { t } = useTranslation();
  const [fatal, setFatal] = useState<ShownError | null>(null);
  const [busy, setBusy] = useState(false);
  const [actionError, setActionError] = useState<ShownError | null>(null);
  useActivityReporter(bridge, view?.lockWarning != null);
  const preferences = usePreferences(bridge, view);

  // Main pushes every session change, in order: the pushes are the one source of the view. The initial
  // getSession() only fills the screen until the first push (an answer that arrives later could be older), and
  // action answers are never applied (a slow answer must not overwrite a newer pushed state).
  useEffect(() => {
    let live = true;
    let pushed = false;
    const off = bridge.onSessionChanged((v) => {
      pushed = true;
      if (live) setView(v);
    });
    bridge
      .getSession()
      .then((result) => {
        if (!live) return;
        if (!result.ok) setFatal(result.error);
        else if (!pushed) setView(result.value);
      })
      .catch(() => {
        if (live) setFatal(localError('start_failed'));
      });
    return () => {
      live = false;
      off();
    };
  }, [bridge]);

  const run = useCallback(
    (action: Action) => {
      setBusy(true);
      setActionError(null);
      action()
        .then((result) => {
          if (!result.ok) setActionError(result.error);
        })
        .catch(() => setActionError(localError('no_answer')))
        .finally(() => setBusy(false));
    },
    [],
  );

  // The terminal's language (main resolves it: terminal.language, else the OS locale, else English).
  const language = view?.display.language ?? 'en';
  useLayoutEffect(() => {
    applyLanguage(language);
  }, [language]);

  if (fatal) return <Shell title={t('app.cannotStart')} tone="error"><ErrorBanner error={fatal} /></Shell>;
  if (!view) return <Shell title={t('app.starting')}><p className="lead">{t('app.oneMoment')}</p></Shell>;

  // No connection to the sign-in service: its own screen (OfflineScreen.tsx) until main sees the service again.
  if (view.offline) return <OfflineScreen view={view} offline={view.offline} bridge={bridge} run={run} busy={busy} />;
  const error = actionError ?? view.lastError ?? null;
  return (
    <Screen view={view} bridge={bridge} run={run} busy={busy} error={error} preferences={preferences} />
  );
}

function Shell({ title, tone, children, footer }: { title: string; tone?: 'error' | 'locked'; children: React.ReactNode; footer?: React.ReactNode }) {
  const { t } = useTranslation();
  return (
    <div className={`app ${tone ?? ''}`}>
      <header className="topbar">
        <span className="brand">{t('app.brand')}</span>
        {footer}
      </header>
      <main className="content" aria-labelledby="screen-title">
        <h1 id="screen-title">{title}</h1>
        {children}
      </main>
    </div>
  );
}

function Screen({
  view,
  bridge,
  run,
  busy,
  error,
  preferences,
}: {
  view: SessionView;
  bridge: ScrubInBridge;
  run: (a: Action) => void;
  busy: boolean;
  error: ShownError | null;
  preferences: PreferencesState;
}) {
  const { t, i18n } = useTranslation();
  const language = i18n.language as Language;
  const now = useNow();
  const terminal = <span className="terminal">{t('app.terminal', { id: view.terminalId })}</span>;
  const status = <p className="sr-only" role="status" aria-live="polite">{statusLine(t, view)}</p>;
  const name = view.user?.displayName;
  // Before anyone signs in and on the lock screen: the terminal's own text size (remembered by main, not per person).
  const terminalTextSize = <TerminalTextSize view={view} bridge={bridge} run={run} />;

  switch (view.state) {
    case 'starting':
      return <Shell title={t('app.starting')} footer={terminal}>{status}<p className="lead">{t('app.oneMoment')}</p></Shell>;

    case 'signed-out':
    case 'error':
      return (
        <Shell title={view.state === 'error' ? t('signedOut.errorTitle') : t('signedOut.title')} tone={view.state === 'error' ? 'error' : undefined} footer={terminal}>
          {status}
          <ErrorBanner error={error} />
          <div className="actions">
            <button className="primary" disabled={busy} onClick={() => run(() => bridge.signIn())}>
              {t('signedOut.signIn')}
            </button>
            {view.federatedLabel && (
              <button className="secondary" disabled={busy} onClick={() => run(() => bridge.signIn({ federated: true }))}>
                {view.federatedLabel}
              </button>
            )}
            {view.guestAvailable && (
              <button className="secondary" disabled={busy} onClick={() => run(() => bridge.continueAsGuest())}>
                {t('signedOut.guest')}
              </button>
            )}
          </div>
          <p className="hint">{view.mode === 'shared' ? t('signedOut.hintShared') : t('signedOut.hint')}</p>
          {terminalTextSize}
        </Shell>
      );

    case 'signing-in':
    case 'unlocking': {
      const forUser = view.pendingSignIn?.forUser;
      return (
        <Shell
          title={view.state === 'unlocking' ? (forUser ? t('waiting.unlockTitle', { name: forUser }) : t('waiting.unlockTitleNobody')) : t('waiting.signInTitle')}
          footer={terminal}
        >
          {status}
          <ErrorBanner error={error} />
          <p className="lead">{t('waiting.lead')}</p>
          {view.pendingSignIn && <p className="meta">{t('waiting.staysOpen', { duration: formatDuration(t, view.pendingSignIn.expiresAt - now) })}</p>}
          <div className="actions">
            <button className="secondary" disabled={busy} onClick={() => run(() => bridge.cancelSignIn())}>
              {t('waiting.cancel')}
            </button>
          </div>
          <p className="hint">{t('waiting.hint')}</p>
        </Shell>
      );
    }

    case 'signed-in':
    case 'guest': {
      const guest = view.state === 'guest';
      return (
        <Shell title={guest ? t('signedIn.guestTitle') : t('signedIn.title', { name: name ?? '' })} footer={terminal}>
          {view.lockWarning && <LockWarning secondsLeft={view.lockWarning.secondsLeft} />}
          {status}
          <ErrorBanner error={error} />
          <dl className="facts">
            {!guest && view.user && (
              <>
                <dt>{t('signedIn.user')}</dt>
                <dd data-testid="signed-in-user">{t('signedIn.userValue', { name: view.user.displayName, username: view.user.username })}</dd>
              </>
            )}
            <dt>{t('signedIn.role')}</dt>
            <dd data-testid="signed-in-role">{guest ? t('signedIn.guestRole') : (roleName(view.role) ?? t('signedIn.defaultRole'))}</dd>
            {view.sessionEndsAt !== null && (
              <>
                <dt>{t('signedIn.sessionEnds')}</dt>
                <dd>{t('signedIn.sessionEndsValue', { duration: formatDuration(t, view.sessionEndsAt - now), time: formatTime(language, view.sessionEndsAt) })}</dd>
              </>
            )}
            <dt>{t('signedIn.access')}</dt>
            <dd data-testid="signed-in-access">{view.credentialsExpireAt ? t('signedIn.accessReady') : t('signedIn.accessNotYet')}</dd>
          </dl>
          <TechnicalDetails view={view} language={language} />
          <div className="actions">
            {guest ? (
              <button className="primary" disabled={busy} onClick={() => run(() => bridge.signIn())}>
                {t('signedIn.signIn')}
              </button>
            ) : (
              <>
                <button className="primary" disabled={busy} onClick={() => run(() => bridge.lock())}>
                  {t('signedIn.lock')}
                </button>
                <button className="secondary" disabled={busy} onClick={() => run(() => bridge.signOut())}>
                  {t('signedIn.signOut')}
                </button>
              </>
            )}
          </div>
          {!guest && view.quickUnlock && <SetPinPanel bridge={bridge} quickUnlock={view.quickUnlock} />}
          {!guest && <CaseBoard bridge={bridge} room={view.terminalId} />}
          {!guest && view.settingsAvailable && <PreferencesPanel state={preferences} />}
        </Shell>
      );
    }

    case 'locked':
      return (
        <Shell title={t('locked.title')} tone="locked" footer={terminal}>
          {status}
          <ErrorBanner error={error} />
          <p className="lead">{name ? t('locked.lead', { name }) : t('locked.leadNobody')}</p>
          {view.quickUnlock?.available && <PinUnlock bridge={bridge} quickUnlock={view.quickUnlock} />}
          <div className="actions">
            <button className="primary" disabled={busy} onClick={() => run(() => bridge.unlock())}>
              {name ? t('locked.unlock', { name }) : t('locked.unlockNobody')}
            </button>
            <button className="secondary" disabled={busy} onClick={() => run(() => bridge.switchUser())}>
              {t('locked.switchUser')}
            </button>
          </div>
          <p className="hint">{name ? t('locked.hint', { name }) : t('locked.hintNobody')}</p>
          {terminalTextSize}
        </Shell>
      );
  }
}

/** The terminal's text size: shown as chosen at once, then as main pushes it back (the view is the source). */
function TerminalTextSize({ view, bridge, run }: { view: SessionView; bridge: ScrubInBridge; run: (a: Action) => void }) {
  const { t } = useTranslation();
  const [chosen, setChosen] = useState<TextSize | null>(null);
  const shown = view.display.textSize;
  useEffect(() => {
    setChosen(null);
  }, [shown]);
  return (
    <TextSizeChoices
      name="terminal-text-size"
      legend={t('terminalTextSize')}
      value={chosen ?? shown}
      onChange={(size) => {
        setChosen(size);
        run(async () => {
          const result = await bridge.setTerminalTextSize(size);
          // Refused or not saved: show what main still has (the error banner says why).
          if (!result.ok) setChosen(null);
          return result;
        });
      }}
    />
  );
}

/** What IT asks about, one tap away (a disclosure): the AWS credentials and the IAM role behind "Hospital systems". */
function TechnicalDetails({ view, language }: { view: SessionView; language: Language }) {
  const { t } = useTranslation();
  return (
    <details className="technical">
      <summary>{t('signedIn.technical')}</summary>
      <dl className="facts">
        <dt>{t('signedIn.technicalCredentials')}</dt>
        <dd>{view.credentialsExpireAt ? t('signedIn.technicalCredentialsReady', { time: formatTime(language, view.credentialsExpireAt) }) : t('signedIn.technicalCredentialsNone')}</dd>
        <dt>{t('signedIn.technicalRole')}</dt>
        <dd className="technical-value">{view.role ?? t('signedIn.technicalRoleNone')}</dd>
      </dl>
    </details>
  );
}

function statusLine(t: TFunction, view: SessionView): string {
  switch (view.state) {
    case 'signed-in':
      return t('status.signedIn', { name: view.user?.displayName ?? '' });
    case 'locked':
      return t('status.locked');
    case 'guest':
      return t('status.guest');
    case 'signing-in':
      return t('status.signingIn');
    case 'unlocking':
      return t('status.unlocking');
    case 'error':
      return view.lastError ? errorText(t, view.lastError).message : t('status.error');
    default:
      return t('status.signedOut');
  }
}
