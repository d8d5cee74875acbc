import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../main/clock';
import { CAP_TICK_MS } from '../../main/terminal/timers';
import { ConfigSchema, type ConfigInput } from '../../main/config/schema';
import { isScrubInError, ScrubInError } from '../../main/errors';
import { openAuditLog, verifyAuditLog, type AuditLog, type AuditRecord } from '../../main/terminal/audit';
import type {
  GateState,
  IdTokenSource,
  StagedSignIn,
  TerminalAuth,
  TerminalAuthSession,
  TerminalAwsCredentials,
  TerminalCredentials,
  TerminalSettings,
  TerminalSettingsChange,
} from '../../main/terminal/ports';
import { createTerminalSession, type TerminalSession } from '../../main/terminal/session';
import { SessionViewSchema } from '../../common/contract';

// ---------- fakes of the terminal's own narrow interfaces ----------

const USERS: Record<string, TerminalAuthSession> = {
  nurse: { sub: '00000000-0000-4000-8000-00000000000a', username: 'nurse', displayName: 'Nora Nurse', email: 'nurse@or.example', groups: ['nurses'], roles: ['arn:aws:iam::123456789012:role/Nurse'], preferredRole: 'arn:aws:iam::123456789012:role/Nurse', idTokenExpiresAt: 0 },
  surgeon: { sub: '00000000-0000-4000-8000-00000000000b', username: 'surgeon', displayName: 'Sam Surgeon', groups: ['surgeons'], roles: ['arn:aws:iam::123456789012:role/Surgeon'], preferredRole: 'arn:aws:iam::123456789012:role/Surgeon', idTokenExpiresAt: 0 },
};

/** A keychain that outlives an "app restart" (a new FakeAuth). */
type Vault = Map<string, string>;

class FakeAuth implements TerminalAuth {
  log: string[];
  current: TerminalAuthSession | null = null;
  pending: { state: string; expiresAt: number } | null = null;
  begins: { loginHint?: string; identityProvider?: string; forceLogin?: boolean }[] = [];
  revoked: string[] = [];
  discarded: string[] = [];
  restores = 0;
  offline = false;
  signOutThrows = false;
  refreshError: ScrubInError | null = null;
  private seq = 0;

  constructor(readonly clock: ManualClock, readonly vault: Vault = new Map(), log: string[] = []) {
    this.log = log;
  }

  beginSignIn(options: { loginHint?: string; identityProvider?: string; forceLogin?: boolean }) {
    this.begins.push(options);
    const state = `s${++this.seq}`;
    this.pending = { state, expiresAt: this.clock.now() + 300_000 };
    return Promise.resolve({ authorizeUrl: `https://or.auth.us-east-1.amazoncognito.com/oauth2/authorize?state=${state}`, expiresAt: this.pending.expiresAt });
  }

  completeSignIn(callbackUrl: string): Promise<StagedSignIn> {
    const url = new URL(callbackUrl);
    if (!this.pending) return Promise.reject(new ScrubInError('no_pending_flow'));
    if (url.searchParams.get('state') !== this.pending.state) return Promise.reject(new ScrubInError('state_mismatch'));
    this.pending = null;
    if (url.searchParams.get('error') === 'access_denied') return Promise.reject(new ScrubInError('access_denied'));
    const user = USERS[url.searchParams.get('as') ?? ''];
    if (!user) return Promise.reject(new ScrubInError('token_invalid'));
    const session = { ...user, idTokenExpiresAt: this.clock.now() + 3_600_000 };
    return Promise.resolve({
      session,
      commit: () => {
        this.log.push(`commit:${session.username}`);
        this.current = session;
        this.vault.set('refresh', `rt-${session.username}`);
        return Promise.resolve(session);
      },
      discard: () => {
        this.discarded.push(session.username);
        return Promise.resolve();
      },
    });
  }

  cancelSignIn() {
    this.log.push('cancel');
    this.pending = null;
  }

  currentSession() {
    return this.current;
  }

  getTokens() {
    return this.current ? { idToken: `id-token-of-${this.current.username}` } : null;
  }

  refresh() {
    if (this.refreshError) return Promise.reject(this.refreshError);
    return Promise.resolve(null);
  }

  restore() {
    this.restores++;
    const rt = this.vault.get('refresh');
    const user = rt ? USERS[rt.replace('rt-', '')] : undefined;
    this.current = user ? { ...user, idTokenExpiresAt: this.clock.now() + 3_600_000 } : null;
    return Promise.resolve(this.current);
  }

  /** Like the real core: every stored token is a leftover (the fake keychain holds at most one, under 'refresh'). */
  endLeftovers() {
    const rt = this.current ? undefined : this.vault.get('refresh');
    const user = rt ? USERS[rt.replace('rt-', '')] : undefined;
    const ended: { sub: string; username: string; revoked: boolean; errors: ScrubInError[] }[] = [];
    if (user) {
      this.log.push(`endLeftover:${user.username}`);
      if (!this.offline) this.revoked.push(user.username);
      this.vault.delete('refresh');
      ended.push({ sub: user.sub, username: user.username, revoked: !this.offline, errors: this.offline ? [new ScrubInError('network')] : [] });
    }
    return Promise.resolve({ logoutUrl: LOGOUT_URL, ended });
  }

  signOut() {
    const stored = this.vault.get('refresh');
    const who = this.current?.username ?? (stored ? stored.replace('rt-', '') : 'nobody');
    this.log.push(`signOut:${who}`);
    if (this.signOutThrows) {
      this.current = null;
      this.vault.delete('refresh');
      return Promise.reject(new ScrubInError('internal'));
    }
    const errors: ScrubInError[] = [];
    let revoked = false;
    if (this.offline) errors.push(new ScrubInError('network'));
    else if (this.current || stored) {
      this.revoked.push(who);
      revoked = true;
    }
    this.vault.delete('refresh');
    this.current = null;
    return Promise.resolve({ logoutUrl: LOGOUT_URL, revoked, errors });
  }
}

const LOGOUT_URL = 'https://or.auth.us-east-1.amazoncognito.com/logout?client_id=c&logout_uri=app.scrubin%3A%2Flogout';

class FakeCredentials implements TerminalCredentials {
  dropped = 0;
  guest = false;
  linked = 0;
  served: string[] = [];
  constructor(readonly clock: ManualClock, readonly gate: () => GateState, readonly idTokens: IdTokenSource, readonly log: string[]) {}

  private issue(who: string): TerminalAwsCredentials {
    this.served.push(who);
    return { accessKeyId: `AKIA${who}`, secretAccessKey: 'secret', sessionToken: 'session', expiration: this.clock.now() + 3_600_000, identityId: 'us-east-1:00000000-0000-4000-8000-0000000000ff', roleArn: who === 'guest' ? null : `arn:aws:iam::123456789012:role/${who}` };
  }

  getCredentials() {
    const gate = this.gate();
    if (gate !== 'open') return Promise.reject(new ScrubInError(gate === 'locked' ? 'locked' : 'signed_out'));
    const token = this.idTokens.current();
    if (token) return Promise.resolve(this.issue(token.idToken.replace('id-token-of-', '')));
    if (this.guest) return Promise.resolve(this.issue('guest'));
    return Promise.reject(new ScrubInError('signed_out'));
  }
  startGuest() {
    this.guest = true;
    return this.getCredentials();
  }
  endGuest() {
    this.guest = false;
  }
  async linkGuestOnSignIn() {
    this.linked++;
    this.guest = false;
    const credentials = await this.getCredentials();
    return { linked: 'kept' as const, identityId: credentials.identityId, credentials };
  }
  drop() {
    this.log.push('drop');
    this.dropped++;
  }
  preconnect() {
    this.log.push('preconnect');
  }
}

// ---------- harness ----------

const IDLE_MS = 300_000;

function config(overrides: Partial<ConfigInput> = {}, terminal: Partial<NonNullable<ConfigInput['terminal']>> = {}) {
  return ConfigSchema.parse({
    userPool: { issuer: 'https://cognito-idp.us-east-1.amazonaws.com/us-east-1_AbC123xyz', clientId: 'c', domain: 'https://or.auth.us-east-1.amazoncognito.com', identityProvider: 'HospitalAD', identityProviderLabel: 'Hospital SSO' },
    identityPool: { id: 'us-east-1:00000000-0000-4000-8000-000000000000', region: 'us-east-1', allowGuest: true },
    redirectUri: 'app.scrubin:/callback',
    logoutUri: 'app.scrubin:/logout',
    terminal: { mode: 'shared', idleLockSeconds: 300, sessionCapHours: 12, ...terminal },
    ...overrides,
  });
}

interface Harness {
  session: TerminalSession;
  auth: FakeAuth;
  creds: FakeCredentials;
  clock: ManualClock;
  opened: string[];
  log: string[];
  audit: AuditLog;
  auditPath: string;
  views: string[];
  callback(as: string, extra?: Record<string, string>): string;
  records(): AuditRecord[];
}

const open: Harness[] = [];
afterEach(() => {
  for (const h of open.splice(0)) {
    h.session.dispose();
    h.audit.close();
  }
});

function harness(options: { cfg?: ReturnType<typeof config>; vault?: Vault; clock?: ManualClock; auditPath?: string; settings?: (log: string[]) => TerminalSettings } = {}): Harness {
  const clock = options.clock ?? new ManualClock();
  const log: string[] = [];
  const auth = new FakeAuth(clock, options.vault, log);
  const auditPath = options.auditPath ?? path.join(mkdtempSync(path.join(tmpdir(), 'scrubin-term-')), 'audit.jsonl');
  const audit = openAuditLog({ path: auditPath, terminalId: 'OR-07', clock });
  const opened: string[] = [];
  let creds: FakeCredentials | undefined;
  const session = createTerminalSession({
    config: options.cfg ?? config(),
    auth,
    audit,
    clock,
    terminalId: 'OR-07',
    openBrowser: (url) => {
      log.push(`open:${url.includes('/logout') ? 'logout' : 'authorize'}`);
      opened.push(url);
    },
    credentials: ({ gate, idTokens }) => (creds = new FakeCredentials(clock, gate, idTokens, log)),
    ...(options.settings ? { settings: options.settings(log) } : {}),
    onProblem: (e) => {
      throw e;
    },
  });
  const views: string[] = [];
  session.subscribe((v) => {
    SessionViewSchema.parse(v);
    views.push(v.state);
  });
  const h: Harness = {
    session,
    auth,
    creds: creds!,
    clock,
    opened,
    log,
    audit,
    auditPath,
    views,
    callback(as, extra = {}) {
      const url = new URL('app.scrubin:/callback');
      url.searchParams.set('code', 'auth-code-value-zq');
      url.searchParams.set('state', auth.pending?.state ?? 'none');
      url.searchParams.set('as', as);
      for (const [k, v] of Object.entries(extra)) url.searchParams.set(k, v);
      return url.href;
    },
    records: () => {
      const result = verifyAuditLog(auditPath);
      if (!result.ok) throw new Error(`audit log broken at line ${result.line}: ${result.reason}`);
      return result.records;
    },
  };
  open.push(h);
  return h;
}

async function signedIn(h: Harness, as = 'nurse'): Promise<void> {
  if (h.session.view().state === 'starting') await h.session.start();
  await h.session.signIn();
  await h.session.handleCallback(h.callback(as));
  expect(h.session.view().state).toBe('signed-in');
}

async function rejects(promise: Promise<unknown> | (() => unknown), code: string): Promise<void> {
  let caught: unknown;
  try {
    await (typeof promise === 'function' ? promise() : promise);
  } catch (error) {
    caught = error;
  }
  expect(isScrubInError(caught) ? caught.code : caught).toBe(code);
}

const events = (h: Harness) => h.records().map((r) => r.event);

// ---------- tests ----------

describe('terminal session: shared mode', () => {
  it('starts signed out without restoring anything', async () => {
    const h = harness();
    expect(h.session.view().state).toBe('starting');
    const view = await h.session.start();
    expect(view.state).toBe('signed-out');
    expect(h.auth.restores).toBe(0);
    expect(events(h)).toEqual(['audit-log-created', 'terminal-start']);
  });

  it('the view at start matches the contract', async () => {
    const h = harness();
    const view = await h.session.start();
    expect(SessionViewSchema.parse(view)).toEqual({
      state: 'signed-out', mode: 'shared', terminalId: 'OR-07', display: { language: 'en', textSize: 'normal' }, user: null, role: null, sessionStartedAt: null, sessionEndsAt: null,
      lockAt: null, credentialsExpireAt: null, guestAvailable: true, settingsAvailable: false, federatedLabel: 'Hospital SSO', pendingSignIn: null, lastError: null,
    });
  });

  it('a refresh token left from a crash is revoked and deleted at start, never restored', async () => {
    const vault: Vault = new Map([['refresh', 'rt-nurse']]);
    const h = harness({ vault });
    const view = await h.session.start();
    expect(view.state).toBe('signed-out');
    expect(view.user).toBeNull();
    expect(h.auth.restores).toBe(0);
    expect(h.auth.revoked).toEqual(['nurse']);
    expect(vault.size).toBe(0);
    expect(events(h)).toEqual(['audit-log-created', 'terminal-start', 'sign-out']);
  });

  it('the crash clean-up also opens Cognito /logout, so the previous person\'s managed-login cookie goes too (security defect 3)', async () => {
    const h = harness({ vault: new Map([['refresh', 'rt-nurse']]) });
    await h.session.start();
    expect(h.opened).toEqual([LOGOUT_URL]);
  });

  it('a clean start opens no browser', async () => {
    const h = harness();
    await h.session.start();
    expect(h.opened).toEqual([]);
  });

  it('a leftover that could not be revoked (offline) is still deleted and audited as partial', async () => {
    const vault: Vault = new Map([['refresh', 'rt-nurse']]);
    const h = harness({ vault });
    h.auth.offline = true;
    await h.session.start();
    expect(vault.size).toBe(0);
    expect(h.records().at(-1)).toMatchObject({ event: 'sign-out', outcome: 'partial', reason: 'leftover', revoked: false, errors: ['network'] });
  });

  it('sign-in forces fresh authentication and opens the authorize URL', async () => {
    const h = harness();
    await h.session.start();
    const t0 = h.clock.now();
    const pendingView = await h.session.signIn();
    expect(h.log).toContain('preconnect'); // the identity pool's connection opens while the person is in the browser
    expect(h.auth.begins).toEqual([{ forceLogin: true }]);
    expect(h.opened[0]).toContain('/oauth2/authorize');
    expect(pendingView.state).toBe('signing-in');
    expect(pendingView.pendingSignIn).toEqual({ expiresAt: t0 + 300_000, forUser: null });
  });

  it('AWS credentials are refused while a sign-in from signed-out is pending', async () => {
    const h = harness();
    await h.session.start();
    await h.session.signIn();
    await rejects(h.session.getCredentials(), 'signed_out');
  });

  it('a completed sign-in ends signed in with the profile, cap and lock time, credentials and its audit record', async () => {
    const h = harness();
    await h.session.start();
    const t0 = h.clock.now();
    await h.session.signIn();
    h.clock.advance(5_000);
    const view = await h.session.handleCallback(h.callback('nurse'));
    expect(view).toMatchObject({
      state: 'signed-in',
      user: { username: 'nurse', displayName: 'Nora Nurse', email: 'nurse@or.example', groups: ['nurses'] },
      role: 'arn:aws:iam::123456789012:role/nurse',
      sessionStartedAt: t0 + 5_000,
      sessionEndsAt: t0 + 5_000 + 12 * 3_600_000,
      lockAt: t0 + 5_000 + IDLE_MS,
      credentialsExpireAt: t0 + 5_000 + 3_600_000,
      pendingSignIn: null,
      lastError: null,
    });
    const creds = await h.session.getCredentials();
    expect(creds.accessKeyId).toBe('AKIAnurse');
    expect(h.records().at(-1)).toMatchObject({ event: 'sign-in', user: { username: 'nurse' }, via: 'managed-login', forced: true });
  });

  it('federated sign-in goes straight to the configured IdP', async () => {
    const h = harness();
    await h.session.start();
    await h.session.signIn({ federated: true });
    expect(h.auth.begins).toEqual([{ forceLogin: true, identityProvider: 'HospitalAD' }]);
    await h.session.handleCallback(h.callback('nurse'));
    expect(h.records().at(-1)).toMatchObject({ event: 'sign-in', via: 'federated' });
  });

  it('federated sign-in is refused when no IdP is configured', async () => {
    const cfg = config();
    delete cfg.userPool.identityProvider;
    const plain = harness({ cfg });
    await plain.session.start();
    await rejects(plain.session.signIn({ federated: true }), 'invalid_request');
    expect(plain.session.view()).toMatchObject({ state: 'signed-out', federatedLabel: null });
  });

  it('locks after EXACTLY idleLockSeconds without activity (not 1 ms earlier)', async () => {
    const h = harness();
    await signedIn(h);
    h.clock.advance(IDLE_MS - 1);
    expect(h.session.view().state).toBe('signed-in');
    h.clock.advance(1);
    expect(h.session.view().state).toBe('locked');
    expect(h.records().at(-1)).toMatchObject({ event: 'lock', reason: 'idle', user: { username: 'nurse' } });
  });

  it('activity postpones the idle lock', async () => {
    const g = harness();
    await signedIn(g);
    const t0 = g.clock.now();
    g.clock.advance(200_000);
    g.session.reportActivity();
    expect(g.session.view().lockAt).toBe(t0 + 200_000 + IDLE_MS);
    g.clock.advance(IDLE_MS - 1);
    expect(g.session.view().state).toBe('signed-in');
    g.clock.advance(1);
    expect(g.session.view().state).toBe('locked');
    expect(g.session.view().lockAt).toBeNull();
  });

  it('refuses AWS credentials while locked, here and at the provider gate', async () => {
    const h = harness();
    await signedIn(h);
    h.session.lock();
    expect(h.session.view()).toMatchObject({ state: 'locked', credentialsExpireAt: null, user: { username: 'nurse' } });
    expect(h.session.gate()).toBe('locked');
    await rejects(h.session.getCredentials(), 'locked');
    await rejects(h.session.getCredentials({ roleArn: 'arn:aws:iam::123456789012:role/Nurse' }), 'locked');
    await rejects(h.creds.getCredentials(), 'locked'); // the provider reads the same gate
    expect(h.creds.served).toEqual(['nurse']); // only the prefetch at sign-in
  });

  it('audits the refusals of one locked period once', async () => {
    const h = harness();
    await signedIn(h);
    h.session.lock();
    await rejects(h.session.getCredentials(), 'locked');
    await rejects(h.session.getCredentials({ roleArn: 'arn:aws:iam::123456789012:role/Nurse' }), 'locked');
    expect(events(h).filter((e) => e === 'credentials-refused')).toHaveLength(1);
    expect(h.records().at(-1)).toMatchObject({ event: 'credentials-refused', reason: 'locked', user: { username: 'nurse' } });
  });

  it('a credentials request in flight when the terminal locks is not handed out', async () => {
    const h = harness();
    await signedIn(h);
    const request = h.session.getCredentials();
    h.session.lock();
    await rejects(request, 'locked');
  });

  it('unlock asks for a forced re-authentication of the same person, and credentials stay refused meanwhile', async () => {
    const h = harness();
    await signedIn(h);
    h.session.lock();
    const unlocking = await h.session.unlock();
    expect(h.auth.begins.at(-1)).toEqual({ forceLogin: true, loginHint: 'nurse' });
    expect(unlocking).toMatchObject({ state: 'unlocking', pendingSignIn: { forUser: 'nurse' }, user: { username: 'nurse' } });
    await rejects(h.session.getCredentials(), 'locked');
  });

  it('an unlock by the same person continues the session and its cap', async () => {
    const h = harness();
    await signedIn(h);
    const started = h.session.view().sessionStartedAt;
    h.session.lock();
    await h.session.unlock();
    await rejects(h.session.getCredentials(), 'locked');
    h.clock.advance(10_000);
    const view = await h.session.handleCallback(h.callback('nurse'));
    expect(view).toMatchObject({ state: 'signed-in', user: { username: 'nurse' }, sessionStartedAt: started, lockAt: h.clock.now() + IDLE_MS });
    expect(h.auth.revoked).toEqual([]);
    expect(h.creds.dropped).toBe(0);
    expect(events(h).slice(-3)).toEqual(['lock', 'credentials-refused', 'unlock']);
    expect((await h.session.getCredentials()).accessKeyId).toBe('AKIAnurse');
  });

  it('an unlock completed by a DIFFERENT person is a switch: the previous person is signed out for real first', async () => {
    const h = harness();
    await signedIn(h, 'nurse');
    h.clock.advance(IDLE_MS);
    expect(h.session.view().state).toBe('locked');
    await h.session.unlock();
    h.log.length = 0;
    const t = h.clock.now();
    const view = await h.session.handleCallback(h.callback('surgeon'));
    // Order: nurse's credentials dropped, nurse revoked + vault wiped, /logout opened, THEN surgeon committed.
    expect(h.log).toEqual(['drop', 'signOut:nurse', 'open:logout', 'commit:surgeon']);
    expect(h.auth.revoked).toEqual(['nurse']);
    expect(h.auth.vault.get('refresh')).toBe('rt-surgeon');
    expect(h.opened.at(-1)).toContain('/logout?client_id=');
    expect(view).toMatchObject({ state: 'signed-in', user: { username: 'surgeon' }, sessionStartedAt: t, sessionEndsAt: t + 12 * 3_600_000 });
    expect((await h.session.getCredentials()).accessKeyId).toBe('AKIAsurgeon');
    const tail = h.records().slice(-3);
    expect(tail).toMatchObject([
      { event: 'sign-out', user: { username: 'nurse' }, reason: 'switch', revoked: true, outcome: 'ok' },
      { event: 'switch', from: { username: 'nurse' }, to: { username: 'surgeon' } },
      { event: 'sign-in', user: { username: 'surgeon' }, forced: true },
    ]);
  });

  it('switch user from the lock screen asks for anyone (no login hint)', async () => {
    const h = harness();
    await signedIn(h, 'nurse');
    h.session.lock();
    const view = await h.session.switchUser();
    expect(h.auth.begins.at(-1)).toEqual({ forceLogin: true });
    expect(view).toMatchObject({ state: 'unlocking', pendingSignIn: { forUser: null } });
    await h.session.handleCallback(h.callback('surgeon'));
    expect(h.session.view().user?.username).toBe('surgeon');
    expect(h.auth.revoked).toEqual(['nurse']);
  });

  it('the session cap signs the person out (revoke, /logout), even while they keep working', async () => {
    const h = harness();
    await signedIn(h);
    const ends = h.session.view().sessionEndsAt!;
    while (h.clock.now() + 200_000 < ends) {
      h.clock.advance(200_000);
      h.session.reportActivity();
    }
    expect(h.session.view().state).toBe('signed-in');
    h.clock.advance(ends - h.clock.now() - 1);
    expect(h.session.view().state).toBe('signed-in');
    h.clock.advance(1);
    expect(h.session.view()).toMatchObject({ state: 'signed-out', user: null, lastError: { code: 'signed_out' } });
    expect(h.session.view().lastError?.message).toContain('12-hour');
    await Promise.resolve();
    await Promise.resolve();
    expect(h.auth.revoked).toEqual(['nurse']);
    expect(h.opened.at(-1)).toContain('/logout');
    expect(events(h).slice(-2)).toEqual(['session-cap', 'sign-out']);
    await rejects(h.session.getCredentials(), 'signed_out');
  });

  describe('sleep, screen lock and clock changes (security defect 5)', () => {
    it('the OS going to sleep locks a signed-in terminal at once, audited as suspend', async () => {
      const h = harness();
      await signedIn(h);
      h.session.systemEvent('suspend');
      expect(h.session.view().state).toBe('locked');
      expect(h.records().at(-1)).toMatchObject({ event: 'lock', reason: 'suspend' });
      await rejects(h.session.getCredentials(), 'locked');
    });

    it('the OS screen lock locks a signed-in terminal at once, audited as screen-lock', async () => {
      const h = harness();
      await signedIn(h);
      h.session.systemEvent('lock-screen');
      expect(h.session.view().state).toBe('locked');
      expect(h.records().at(-1)).toMatchObject({ event: 'lock', reason: 'screen-lock' });
    });

    it('sleep while signed out or already locked changes nothing and audits nothing', async () => {
      const h = harness();
      await h.session.start();
      const before = h.records().length;
      h.session.systemEvent('suspend');
      expect(h.session.view().state).toBe('signed-out');
      await signedIn(h);
      h.session.lock();
      const locked = h.records().length;
      h.session.systemEvent('lock-screen');
      expect(h.records()).toHaveLength(locked);
      expect(before).toBeLessThan(locked);
    });

    it('on resume past the shift cap the person is signed out at once, though no timer fired while asleep', async () => {
      const h = harness();
      await signedIn(h);
      h.clock.jump(13 * 3_600_000); // asleep for 13 h: the wall clock moved, the timers did not run
      expect(h.session.view().state).toBe('signed-in');
      h.session.systemEvent('resume');
      expect(h.session.view()).toMatchObject({ state: 'signed-out', lastError: { code: 'signed_out' } });
      expect(events(h)).toContain('session-cap');
    });

    it('on resume past the idle deadline the terminal locks at once', async () => {
      const h = harness();
      await signedIn(h);
      h.clock.jump(IDLE_MS + 1_000);
      h.session.systemEvent('resume');
      expect(h.session.view().state).toBe('locked');
      expect(h.records().at(-1)).toMatchObject({ event: 'lock', reason: 'idle' });
    });

    it('on resume within both deadlines nothing happens, and the idle lock still comes on time', async () => {
      const h = harness();
      await signedIn(h);
      h.clock.jump(60_000);
      h.session.systemEvent('unlock-screen');
      expect(h.session.view().state).toBe('signed-in');
      h.clock.advance(IDLE_MS - 60_000 - 1);
      expect(h.session.view().state).toBe('signed-in');
      h.clock.advance(1);
      expect(h.session.view().state).toBe('locked');
    });

    it('the shift cap is a wall-clock deadline: a clock set forward past it ends the session at the next tick', async () => {
      const h = harness();
      await signedIn(h);
      h.session.lock(); // locked: only the cap timer runs
      h.clock.jump(12 * 3_600_000); // the clock is set forward (NTP, by hand): timers keep their remaining time
      expect(h.session.view().state).toBe('locked');
      h.clock.advance(CAP_TICK_MS);
      expect(h.session.view().state).toBe('signed-out');
      expect(events(h)).toContain('session-cap');
    });
  });

  it('the session cap signs out a locked terminal too', async () => {
    const locked = harness();
    await signedIn(locked);
    locked.session.lock();
    locked.clock.advance(12 * 3_600_000);
    expect(locked.session.view().state).toBe('signed-out');
  });

  it('sign-out while offline (revoke fails) still wipes local state, drops credentials and opens /logout', async () => {
    const h = harness();
    await signedIn(h);
    h.auth.offline = true;
    const view = await h.session.signOut();
    expect(view).toMatchObject({ state: 'signed-out', user: null, credentialsExpireAt: null, lastError: null });
    expect(h.auth.vault.size).toBe(0);
    expect(h.auth.current).toBeNull();
    expect(h.creds.dropped).toBe(1);
    expect(h.opened.at(-1)).toContain('/logout');
    expect(h.records().at(-1)).toMatchObject({ event: 'sign-out', outcome: 'partial', revoked: false, errors: ['network'], reason: 'user' });
    await rejects(h.session.getCredentials(), 'signed_out');
  });

  it('sign-out with an auth core that throws outright still ends signed out and opens /logout built from the config', async () => {
    const g = harness();
    await signedIn(g);
    g.auth.signOutThrows = true;
    await g.session.signOut();
    expect(g.session.view().state).toBe('signed-out');
    expect(g.opened.at(-1)).toBe('https://or.auth.us-east-1.amazoncognito.com/logout?client_id=c&logout_uri=app.scrubin%3A%2Flogout');
    expect(g.records().at(-1)).toMatchObject({ event: 'sign-out', outcome: 'partial', errors: ['internal'] });
  });

  /** Two callbacks that are not ours (none pending, then a forged state), then the logout return, while signing in. */
  async function dropSome(h: Harness): Promise<void> {
    await h.session.start();
    await expect(h.session.handleCallback('app.scrubin:/callback?code=x&state=nope')).resolves.toMatchObject({ state: 'signed-out' });
    await h.session.signIn();
    await expect(h.session.handleCallback('app.scrubin:/callback?code=x&state=forged&as=surgeon')).resolves.toMatchObject({ state: 'signing-in' });
    await expect(h.session.handleCallback('app.scrubin:/logout')).resolves.toMatchObject({ state: 'signing-in' });
  }

  it('dropped callbacks are audited and never throw', async () => {
    const h = harness();
    await dropSome(h);
    expect(events(h).slice(-2)).toEqual(['callback-dropped', 'callback-dropped']);
    expect(h.records().slice(-2)).toMatchObject([{ code: 'no_pending_flow' }, { code: 'state_mismatch' }]);
  });

  it('the pending sign-in survives dropped callbacks, and none of them puts a secret in the audit log', async () => {
    const h = harness();
    await dropSome(h);
    await h.session.handleCallback(h.callback('nurse'));
    expect(h.session.view().state).toBe('signed-in');
    const text = JSON.stringify(h.records());
    expect(text).not.toContain('auth-code-value-zq');
    expect(text).not.toContain('id-token-of');
  });

  it('a refused sign-in (access_denied) returns to where it started with a message', async () => {
    const h = harness();
    await h.session.start();
    await h.session.signIn();
    const view = await h.session.handleCallback(h.callback('nurse', { error: 'access_denied' }));
    expect(view).toMatchObject({ state: 'signed-out', pendingSignIn: null, lastError: { code: 'access_denied' } });
    expect(h.records().at(-1)).toMatchObject({ event: 'sign-in-failed', during: 'sign-in', code: 'access_denied' });
  });

  it('a pending sign-in expires on the clock', async () => {
    const h = harness();
    await h.session.start();
    await h.session.signIn();
    h.clock.advance(300_000 - 1);
    expect(h.session.view().state).toBe('signing-in');
    h.clock.advance(1);
    expect(h.session.view()).toMatchObject({ state: 'signed-out', lastError: { code: 'flow_expired' } });
    expect(h.log).toContain('cancel');
  });

  it('a cancelled unlock returns to the lock screen without a message', async () => {
    const g = harness();
    await signedIn(g);
    g.session.lock();
    await g.session.unlock();
    expect(g.session.cancelSignIn()).toMatchObject({ state: 'locked', lastError: null, user: { username: 'nurse' } });
    expect(g.records().at(-1)).toMatchObject({ event: 'sign-in-failed', during: 'unlock', code: 'flow_cancelled' });
  });

  it('an expired unlock returns to the lock screen with a message', async () => {
    const g = harness();
    await signedIn(g);
    g.session.lock();
    await g.session.unlock();
    g.clock.advance(300_000);
    expect(g.session.view()).toMatchObject({ state: 'locked', lastError: { code: 'flow_expired' } });
    expect(g.records().at(-1)).toMatchObject({ event: 'sign-in-failed', during: 'unlock', code: 'flow_expired' });
  });

  it('a rejected refresh (revoked elsewhere) ends the session', async () => {
    const h = harness();
    await signedIn(h);
    h.auth.refreshError = new ScrubInError('refresh_rejected');
    await rejects(h.session.idTokens.refresh(), 'refresh_rejected');
    await Promise.resolve();
    expect(h.session.view()).toMatchObject({ state: 'signed-out', lastError: { code: 'refresh_rejected' } });
    expect(events(h).slice(-2)).toEqual(['refresh-failed', 'sign-out']);
  });

  it('a refresh failing on the network keeps the session', async () => {
    const g = harness();
    await signedIn(g);
    g.auth.refreshError = new ScrubInError('network');
    await rejects(g.session.idTokens.refresh(), 'network');
    expect(g.session.view().state).toBe('signed-in');
  });

  it('guest mode hands out guest credentials, also while someone signs in on top of it', async () => {
    const h = harness();
    await h.session.start();
    const guest = await h.session.continueAsGuest();
    expect(guest).toMatchObject({ state: 'guest', user: null, role: null });
    expect(guest.credentialsExpireAt).not.toBeNull();
    expect((await h.session.getCredentials()).accessKeyId).toBe('AKIAguest');
    await h.session.signIn();
    expect((await h.session.getCredentials()).accessKeyId).toBe('AKIAguest'); // the board keeps working
    h.session.cancelSignIn();
    expect(h.session.view().state).toBe('guest');
    expect(events(h)).toContain('guest-start');
  });

  it('a sign-in from guest mode (after a cancelled one) upgrades the guest in place (identity linked)', async () => {
    const h = harness();
    await h.session.start();
    await h.session.continueAsGuest();
    await h.session.signIn();
    h.session.cancelSignIn();
    await h.session.signIn();
    await h.session.handleCallback(h.callback('nurse'));
    expect(h.creds.linked).toBe(1);
    expect(h.session.view()).toMatchObject({ state: 'signed-in', user: { username: 'nurse' } });
    expect((await h.session.getCredentials()).accessKeyId).toBe('AKIAnurse');
    expect(h.records().at(-1)).toMatchObject({ event: 'guest-upgrade', outcome: 'ok', linked: 'kept', user: { username: 'nurse' } });
  });

  it('guest mode is refused unless identityPool.allowGuest', async () => {
    const noGuest = harness({ cfg: config({ identityPool: { id: 'us-east-1:00000000-0000-4000-8000-000000000000', region: 'us-east-1', allowGuest: false } }) });
    await noGuest.session.start();
    expect(noGuest.session.view().guestAvailable).toBe(false);
    await rejects(noGuest.session.continueAsGuest(), 'not_authorized');
  });

  it('rejects illegal transitions before start and while signed out, and stays signed out', async () => {
    const h = harness();
    await rejects(() => h.session.lock(), 'illegal_transition'); // starting
    await h.session.start();
    await rejects(h.session.start(), 'illegal_transition');
    await rejects(() => h.session.lock(), 'illegal_transition');
    await rejects(h.session.unlock(), 'illegal_transition');
    await rejects(h.session.switchUser(), 'illegal_transition');
    await rejects(() => h.session.cancelSignIn(), 'illegal_transition');
    await rejects(h.session.signOut(), 'illegal_transition');
    expect(h.session.view().state).toBe('signed-out');
  });

  it('rejects illegal transitions while signed in (at most one person), and stays signed in', async () => {
    const h = harness();
    await signedIn(h);
    await rejects(h.session.signIn(), 'illegal_transition');
    await rejects(h.session.unlock(), 'illegal_transition');
    await rejects(h.session.switchUser(), 'illegal_transition');
    await rejects(h.session.continueAsGuest(), 'illegal_transition');
    expect(h.session.view()).toMatchObject({ state: 'signed-in', user: { username: 'nurse' } });
  });

  it('rejects illegal transitions while locked and unlocking, and keeps the state', async () => {
    const h = harness();
    await signedIn(h);
    h.session.lock();
    await rejects(() => h.session.lock(), 'illegal_transition');
    await rejects(h.session.signIn(), 'illegal_transition');
    await rejects(h.session.continueAsGuest(), 'illegal_transition');
    expect(h.session.view().state).toBe('locked');
    await h.session.unlock();
    await rejects(h.session.signIn(), 'illegal_transition');
    expect(h.session.view()).toMatchObject({ state: 'unlocking', pendingSignIn: { forUser: 'nurse' } });
  });

  it('sign-out from unlocking ends signed out, and a second sign-out is illegal', async () => {
    const h = harness();
    await signedIn(h);
    h.session.lock();
    await h.session.unlock();
    await h.session.signOut();
    await rejects(h.session.signOut(), 'illegal_transition');
    expect(h.session.view().state).toBe('signed-out');
  });

  /** Guest, sign-in on top (upgrade), idle lock, unlock, lock, switch, sign-out. */
  async function wholeShift(h: Harness): Promise<void> {
    await h.session.start();
    await h.session.continueAsGuest();
    await h.session.signIn();
    await h.session.handleCallback(h.callback('nurse'));
    h.clock.advance(IDLE_MS);
    await h.session.unlock();
    await h.session.handleCallback(h.callback('nurse'));
    h.session.lock();
    await h.session.switchUser();
    await h.session.handleCallback(h.callback('surgeon'));
    await h.session.signOut();
  }

  it('the audit log of a whole shift verifies and records every step in order', async () => {
    const h = harness();
    await wholeShift(h);
    expect(events(h)).toEqual([
      'audit-log-created', 'terminal-start', 'guest-start', 'sign-in', 'guest-upgrade', 'lock', 'unlock', 'lock',
      'sign-out', 'switch', 'sign-in', 'sign-out',
    ]);
  });

  it('the audit log of a whole shift holds no secrets', async () => {
    const h = harness();
    await wholeShift(h);
    const text = JSON.stringify(h.records());
    for (const secret of ['id-token-of', 'rt-', 'secret', 'AKIA', 'auth-code-value-zq']) expect(text).not.toContain(secret);
  });
});

describe('terminal session: personal mode', () => {
  /** Signs the surgeon in on a personal terminal, then "restarts": a new auth core and session over the same keychain. */
  async function restarted(cfg = config({}, { mode: 'personal', idleLockSeconds: 0 })): Promise<Harness> {
    const vault: Vault = new Map();
    const clock = new ManualClock();
    const first = harness({ cfg, vault, clock });
    await first.session.start();
    expect(first.session.view().state).toBe('signed-out');
    await first.session.signIn();
    expect(first.auth.begins).toEqual([{ forceLogin: false }]);
    await first.session.handleCallback(first.callback('surgeon'));
    first.session.dispose();
    return harness({ cfg, vault, clock, auditPath: first.auditPath });
  }

  it('restores silently from the keychain after a restart', async () => {
    const second = await restarted();
    const view = await second.session.start();
    expect(second.auth.restores).toBe(1);
    expect(second.auth.begins).toEqual([]);
    expect(view).toMatchObject({ state: 'signed-in', mode: 'personal', user: { username: 'surgeon' } });
    expect((await second.session.getCredentials()).accessKeyId).toBe('AKIAsurgeon');
    expect(second.records().at(-1)).toMatchObject({ event: 'sign-in', via: 'restore', forced: false });
  });

  it('has no session cap, and no idle lock when idleLockSeconds is 0', async () => {
    const second = await restarted();
    const view = await second.session.start();
    expect(view).toMatchObject({ lockAt: null, sessionEndsAt: null });
    second.clock.advance(24 * 3_600_000);
    expect(second.session.view().state).toBe('signed-in');
  });

  it('the unlock of a personal terminal is still a forced re-authentication', async () => {
    const second = await restarted();
    await second.session.start();
    second.session.lock();
    await second.session.unlock();
    expect(second.auth.begins.at(-1)).toEqual({ forceLogin: true, loginHint: 'surgeon' });
  });

  it('personal mode with an idle time locks', async () => {
    const h = harness({ cfg: config({}, { mode: 'personal', idleLockSeconds: 60 }), vault: new Map([['refresh', 'rt-nurse']]) });
    await h.session.start();
    expect(h.session.view().lockAt).toBe(h.clock.now() + 60_000);
    h.clock.advance(60_000);
    expect(h.session.view().state).toBe('locked');
  });

  it('a keychain failure at restore shows an error state', async () => {
    const g = harness({ cfg: config({}, { mode: 'personal', idleLockSeconds: 0 }) });
    g.auth.restore = () => Promise.reject(new ScrubInError('keychain_locked'));
    await g.session.start();
    expect(g.session.view()).toMatchObject({ state: 'error', lastError: { code: 'keychain_locked', retryable: true } });
    expect(g.records().at(-1)).toMatchObject({ event: 'sign-in-failed', during: 'restore', code: 'keychain_locked' });
  });

  it('sign-out from the error state ends signed out', async () => {
    const g = harness({ cfg: config({}, { mode: 'personal', idleLockSeconds: 0 }) });
    g.auth.restore = () => Promise.reject(new ScrubInError('keychain_locked'));
    await g.session.start();
    await g.session.signOut();
    expect(g.session.view().state).toBe('signed-out');
  });
});

// ---------- settings (per-person sync) ----------

const IDENTITY = 'us-east-1:00000000-0000-4000-8000-0000000000ff';

/** The settings engine as the terminal sees it: records calls and keeps "cache files" per identity in memory. */
class FakeSettings implements TerminalSettings {
  current: string | null = null;
  values = new Map<string, string>();
  files = new Set<string>();
  private listeners = new Set<(change: TerminalSettingsChange & { identityId?: string | null }) => void>();
  constructor(readonly log: string[]) {}
  private emit(change: TerminalSettingsChange & { identityId?: string | null }) {
    for (const l of this.listeners) l(change);
  }
  open(identityId: string) {
    this.log.push(`settings:open`);
    this.current = identityId;
    this.files.add(identityId);
    this.emit({ kind: 'reset', identityId });
    return Promise.resolve();
  }
  close(options: { flush: boolean; purge: boolean }) {
    this.log.push(`settings:close flush=${options.flush} purge=${options.purge}`);
    if (options.purge && this.current) this.files.delete(this.current);
    this.current = null;
    this.emit({ kind: 'reset', identityId: null });
    return Promise.resolve({ notSaved: 0 });
  }
  currentIdentity() {
    return this.current;
  }
  get(dataset: string, key: string) {
    return this.values.get(`${dataset}/${key}`);
  }
  set(dataset: string, key: string, value: string) {
    this.values.set(`${dataset}/${key}`, value);
    this.emit({ kind: 'record', dataset, key, value, identityId: this.current });
    return Promise.resolve();
  }
  /** A change pulled from another terminal (`overridden`: it replaced the person's own change made here). */
  remote(dataset: string, key: string, value: string | null, overridden?: true) {
    this.emit({ kind: 'record', dataset, key, value, identityId: this.current, ...(overridden ? { overridden } : {}) });
  }
  reconnected() {
    this.log.push('settings:reconnected');
  }
  subscribe(listener: (change: TerminalSettingsChange) => void) {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
  purgeLeftovers() {
    this.log.push('settings:purge-leftovers');
    this.files.clear();
    return Promise.resolve();
  }
}

function withSettings(options: Parameters<typeof harness>[0] = {}): Harness & { settings: FakeSettings; changes: TerminalSettingsChange[] } {
  let settings: FakeSettings | undefined;
  const h = harness({ ...options, settings: (log) => (settings = new FakeSettings(log)) });
  const changes: TerminalSettingsChange[] = [];
  h.session.subscribeSettings((c) => changes.push(c));
  return Object.assign(h, { settings: settings!, changes });
}

describe('terminal session: per-person settings', () => {
  it('shared: every settings cache left behind is purged at start', async () => {
    const h = withSettings();
    h.settings.files.add('us-east-1:00000000-0000-4000-8000-0000000000aa'); // left by a crash
    await h.session.start();
    expect(h.log).toContain('settings:purge-leftovers');
    expect(h.settings.files.size).toBe(0);
    expect(h.session.view().settingsAvailable).toBe(true);
  });

  it('settings are refused while signed out', async () => {
    const h = withSettings();
    await h.session.start();
    await rejects(h.session.getSetting('prefs', 'textSize'), 'signed_out');
  });

  it('settings open for the person\'s identity at sign-in; writes and reads go to them', async () => {
    const h = withSettings();
    await signedIn(h, 'nurse');
    expect(h.settings.current).toBe(IDENTITY);
    await h.session.setSetting('prefs', 'textSize', 'large');
    expect(await h.session.getSetting('prefs', 'textSize')).toBe('large');
    expect(await h.session.getSetting('prefs', 'favouriteRoom')).toBeNull();
  });

  it('settings changes reach the UI without the identity id', async () => {
    const h = withSettings();
    await signedIn(h, 'nurse');
    await h.session.setSetting('prefs', 'textSize', 'large');
    h.settings.remote('prefs', 'favouriteRoom', 'OR-3');
    h.settings.remote('prefs', 'textSize', 'normal', true);
    expect(h.changes).toEqual([
      { kind: 'reset' },
      { kind: 'record', dataset: 'prefs', key: 'textSize', value: 'large' },
      { kind: 'record', dataset: 'prefs', key: 'favouriteRoom', value: 'OR-3' },
      { kind: 'record', dataset: 'prefs', key: 'textSize', value: 'normal', overridden: true },
    ]);
    expect(JSON.stringify(h.changes)).not.toContain('us-east-1:');
  });

  it('settings are refused while locked and unlocking (typed locked)', async () => {
    const h = withSettings();
    await signedIn(h);
    h.session.lock();
    await rejects(h.session.getSetting('prefs', 'textSize'), 'locked');
    await rejects(h.session.setSetting('prefs', 'textSize', 'large'), 'locked');
    await h.session.unlock();
    await rejects(h.session.getSetting('prefs', 'textSize'), 'locked'); // unlocking
  });

  it('no settings change is forwarded while locked', async () => {
    const h = withSettings();
    await signedIn(h);
    h.session.lock();
    h.changes.length = 0;
    h.settings.remote('prefs', 'favouriteRoom', 'OR-9');
    expect(h.changes).toEqual([]);
  });

  it('an unlock syncs the settings and tells the UI to re-read', async () => {
    const h = withSettings();
    await signedIn(h);
    h.session.lock();
    h.changes.length = 0;
    await h.session.unlock();
    await h.session.handleCallback(h.callback('nurse'));
    expect(h.log.slice(-1)).toEqual(['settings:reconnected']);
    expect(h.changes).toEqual([{ kind: 'reset' }]);
    expect(h.settings.current).toBe(IDENTITY);
    expect(h.settings.values.has('prefs/textSize')).toBe(false);
  });

  it('shared sign-out pushes pending changes and purges the cache', async () => {
    const h = withSettings();
    await signedIn(h);
    await h.session.setSetting('prefs', 'textSize', 'large');
    await h.session.signOut();
    expect(h.log).toContain('settings:close flush=true purge=true');
    expect(h.settings.files.size).toBe(0);
    expect(h.changes.at(-1)).toEqual({ kind: 'reset' });
  });

  it('settings are refused after sign-out', async () => {
    const h = withSettings();
    await signedIn(h);
    await h.session.signOut();
    await rejects(h.session.getSetting('prefs', 'textSize'), 'signed_out');
    await rejects(h.session.setSetting('prefs', 'textSize', 'normal'), 'signed_out');
  });

  it('a switch closes (and purges) the previous person\'s settings before the new person is committed', async () => {
    const h = withSettings();
    await signedIn(h, 'nurse');
    h.session.lock();
    await h.session.switchUser();
    h.log.length = 0;
    await h.session.handleCallback(h.callback('surgeon'));
    // The close runs alongside the revoke, and is finished before the surgeon's session is committed.
    expect(h.log.indexOf('settings:close flush=true purge=true')).toBeGreaterThanOrEqual(0);
    expect(h.log.indexOf('settings:close flush=true purge=true')).toBeLessThan(h.log.indexOf('commit:surgeon'));
    expect(h.log.slice(-2)).toEqual(['commit:surgeon', 'settings:open']);
    expect(h.settings.files.size).toBe(1); // the surgeon's only
  });

  it('a rejected refresh closes the settings without pushing', async () => {
    const h = withSettings();
    await signedIn(h);
    h.auth.refreshError = new ScrubInError('refresh_rejected');
    await rejects(h.session.idTokens.refresh(), 'refresh_rejected');
    await new Promise((resolve) => setImmediate(resolve));
    expect(h.log).toContain('settings:close flush=false purge=true');
  });

  it('the session cap closes the settings with a push', async () => {
    const capped = withSettings();
    await signedIn(capped);
    capped.clock.advance(12 * 3_600_000);
    await new Promise((resolve) => setImmediate(resolve));
    expect(capped.log).toContain('settings:close flush=true purge=true');
    expect(capped.settings.files.size).toBe(0);
  });

  it('guests get no settings until they sign in', async () => {
    const g = withSettings();
    await g.session.start();
    await g.session.continueAsGuest();
    await rejects(g.session.getSetting('prefs', 'textSize'), 'signed_out');
    await g.session.signIn();
    await g.session.handleCallback(g.callback('nurse'));
    expect(g.settings.current).toBe(IDENTITY);
  });

  it('personal mode keeps the cache at sign-out (works offline next time)', async () => {
    const h = withSettings({ cfg: config({}, { mode: 'personal', idleLockSeconds: 0 }) });
    await signedIn(h);
    await h.session.signOut();
    expect(h.log).toContain('settings:close flush=true purge=false');
    expect(h.log).not.toContain('settings:purge-leftovers');
    expect(h.settings.files.size).toBe(1);
  });

  it('without a sync section settings are unavailable', async () => {
    const none = harness();
    await signedIn(none);
    expect(none.session.view().settingsAvailable).toBe(false);
    await rejects(none.session.getSetting('prefs', 'textSize'), 'invalid_request');
  });
});
