import { useCallback, useEffect, useRef, useState } from 'react';
import type { Result, ScrubInBridge, SessionView } from '../../common/contract';
import { formatDuration, formatTime, roleName } from './format';
import { CaseBoard } from './caseboard/CaseBoard';
import { PreferencesPanel } from './PreferencesPanel';
import { usePreferences, type PreferencesState } from './usePreferences';

type Action = () => Promise<Result<unknown>>;

/** Re-renders every second so countdowns stay current. */
function useNow(): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const id = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(id);
  }, []);
  return now;
}

/** Reports keyboard/pointer activity to main (idle lock), at most every 5 s. */
function useActivityReporter(bridge: ScrubInBridge): void {
  const last = useRef(0);
  useEffect(() => {
    const report = (): void => {
      const now = Date.now();
      if (now - last.current < 5000) return;
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
  const [fatal, setFatal] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [actionError, setActionError] = useState<string | null>(null);
  useActivityReporter(bridge);
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
        if (!result.ok) setFatal(result.error.message);
        else if (!pushed) setView(result.value);
      })
      .catch(() => {
        if (live) setFatal('Scrub In could not start its sign-in service. Restart the app; if it persists, ask hospital IT.');
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
          if (!result.ok) setActionError(result.error.message);
        })
        .catch(() => setActionError('Scrub In did not answer. Try again.'))
        .finally(() => setBusy(false));
    },
    [],
  );

  if (fatal) return <Shell title="Scrub In cannot start" tone="error"><p className="lead">{fatal}</p></Shell>;
  if (!view) return <Shell title="Starting Scrub In…"><p className="lead">One moment.</p></Shell>;

  const error = actionError ?? view.lastError?.message ?? null;
  return (
    <Screen view={view} bridge={bridge} run={run} busy={busy} error={error} preferences={preferences} />
  );
}

function Shell({ title, tone, children, footer }: { title: string; tone?: 'error' | 'locked'; children: React.ReactNode; footer?: React.ReactNode }) {
  return (
    <div className={`app ${tone ?? ''}`}>
      <header className="topbar">
        <span className="brand">Scrub In</span>
        {footer}
      </header>
      <main className="content" aria-labelledby="screen-title">
        <h1 id="screen-title">{title}</h1>
        {children}
      </main>
    </div>
  );
}

function ErrorBanner({ message }: { message: string | null }) {
  return (
    <div role="alert" className={message ? 'banner error' : 'banner empty'}>
      {message}
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
  error: string | null;
  preferences: PreferencesState;
}) {
  const now = useNow();
  const terminal = <span className="terminal">Terminal {view.terminalId}</span>;
  const status = <p className="sr-only" role="status" aria-live="polite">{statusLine(view)}</p>;

  switch (view.state) {
    case 'starting':
      return <Shell title="Starting Scrub In…" footer={terminal}>{status}<p className="lead">One moment.</p></Shell>;

    case 'signed-out':
    case 'error':
      return (
        <Shell title={view.state === 'error' ? 'Sign-in problem' : 'Sign in to this terminal'} tone={view.state === 'error' ? 'error' : undefined} footer={terminal}>
          {status}
          <ErrorBanner message={error} />
          <div className="actions">
            <button className="primary" disabled={busy} onClick={() => run(() => bridge.signIn())}>
              Sign in
            </button>
            {view.federatedLabel && (
              <button className="secondary" disabled={busy} onClick={() => run(() => bridge.signIn({ federated: true }))}>
                {view.federatedLabel}
              </button>
            )}
            {view.guestAvailable && (
              <button className="secondary" disabled={busy} onClick={() => run(() => bridge.continueAsGuest())}>
                Continue as guest
              </button>
            )}
          </div>
          <p className="hint">Sign-in opens the hospital sign-in page in the browser. {view.mode === 'shared' ? 'On this shared terminal you always enter your password.' : ''}</p>
        </Shell>
      );

    case 'signing-in':
    case 'unlocking': {
      const forUser = view.pendingSignIn?.forUser;
      return (
        <Shell title={view.state === 'unlocking' ? `Unlocking for ${forUser ?? 'the signed-in person'}` : 'Finish signing in in the browser'} footer={terminal}>
          {status}
          <ErrorBanner message={error} />
          <p className="lead">A browser window shows the hospital sign-in page. Enter your user name and password there; this screen continues by itself.</p>
          {view.pendingSignIn && <p className="meta">This sign-in stays open for {formatDuration(view.pendingSignIn.expiresAt - now)}.</p>}
          <div className="actions">
            <button className="secondary" disabled={busy} onClick={() => run(() => bridge.cancelSignIn())}>
              Cancel
            </button>
          </div>
          <p className="hint">No browser window? Check the taskbar, or press Cancel and try again. If it never opens, ask hospital IT to check the default browser.</p>
        </Shell>
      );
    }

    case 'signed-in':
    case 'guest': {
      const guest = view.state === 'guest';
      return (
        <Shell title={guest ? 'Guest mode' : `Signed in: ${view.user?.displayName ?? ''}`} footer={terminal}>
          {status}
          <ErrorBanner message={error} />
          <dl className="facts">
            {!guest && view.user && (
              <>
                <dt>User</dt>
                <dd data-testid="signed-in-user">{view.user.displayName} ({view.user.username})</dd>
              </>
            )}
            <dt>Role</dt>
            <dd data-testid="signed-in-role">{guest ? 'Guest (limited access)' : roleName(view.role)}</dd>
            {view.sessionEndsAt !== null && (
              <>
                <dt>Session ends in</dt>
                <dd>{formatDuration(view.sessionEndsAt - now)} (at {formatTime(view.sessionEndsAt)})</dd>
              </>
            )}
            <dt>AWS access</dt>
            <dd>{view.credentialsExpireAt ? `ready, renews by itself (current until ${formatTime(view.credentialsExpireAt)})` : 'not requested yet'}</dd>
          </dl>
          <div className="actions">
            {guest ? (
              <button className="primary" disabled={busy} onClick={() => run(() => bridge.signIn())}>
                Sign in
              </button>
            ) : (
              <>
                <button className="primary" disabled={busy} onClick={() => run(() => bridge.lock())}>
                  Lock
                </button>
                <button className="secondary" disabled={busy} onClick={() => run(() => bridge.signOut())}>
                  Sign out
                </button>
              </>
            )}
          </div>
          {!guest && <CaseBoard bridge={bridge} room={view.terminalId} />}
          {!guest && view.settingsAvailable && <PreferencesPanel state={preferences} />}
        </Shell>
      );
    }

    case 'locked':
      return (
        <Shell title="Terminal locked" tone="locked" footer={terminal}>
          {status}
          <ErrorBanner message={error} />
          <p className="lead">In use by {view.user?.displayName ?? 'another person'}. AWS access is paused while locked.</p>
          <div className="actions">
            <button className="primary" disabled={busy} onClick={() => run(() => bridge.unlock())}>
              Unlock as {view.user?.displayName ?? 'same person'}
            </button>
            <button className="secondary" disabled={busy} onClick={() => run(() => bridge.switchUser())}>
              Switch user
            </button>
          </div>
          <p className="hint">Switching user signs {view.user?.displayName ?? 'the current person'} out completely.</p>
        </Shell>
      );
  }
}

function statusLine(view: SessionView): string {
  switch (view.state) {
    case 'signed-in':
      return `Signed in as ${view.user?.displayName ?? ''}`;
    case 'locked':
      return 'Terminal locked';
    case 'guest':
      return 'Guest mode';
    case 'signing-in':
      return 'Waiting for sign-in in the browser';
    case 'unlocking':
      return 'Waiting for unlock in the browser';
    case 'error':
      return view.lastError?.message ?? 'Sign-in problem';
    default:
      return 'Signed out';
  }
}
