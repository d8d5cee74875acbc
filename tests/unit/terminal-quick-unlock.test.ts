/**
 * The nurse's minute (issue 20), on the terminal session with the ManualClock and a fake OS idle source: PIN quick
 * unlock (pin.ts, quick-unlock.ts), the countdown before the idle lock and whole-terminal activity (timers.ts).
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { SessionViewSchema, type SessionView } from '../../common/contract';
import { ManualClock } from '../../main/clock';
import { ConfigSchema } from '../../main/config/schema';
import { isScrubInError, ScrubInError } from '../../main/errors';
import { openAuditLog, verifyAuditLog, type AuditLog, type AuditRecord } from '../../main/terminal/audit';
import { hashPin, pinMatches, pinShapeOk, pinTooEasy, wrongPinDelayMs } from '../../main/terminal/pin';
import type { StagedSignIn, SystemIdleSource, TerminalAuth, TerminalAuthSession, TerminalCredentials } from '../../main/terminal/ports';
import { createTerminalSession, type TerminalSession } from '../../main/terminal/session';
import { WARNING_POLL_MS } from '../../main/terminal/timers';
import { systemIdleSource } from '../../main/shell/power';
import { ClockIdleSource, createTestHooks } from '../../main/shell/test-hooks';

const PIN = '480915';
const IDLE_MS = 300_000;
const WARN_MS = 30_000;
const GRACE_MS = 15 * 60_000;

const person = (username: string, sub: string): TerminalAuthSession => ({
  sub,
  username,
  displayName: username,
  groups: [],
  roles: [],
  idTokenExpiresAt: 0,
});
const USERS: Record<string, TerminalAuthSession> = {
  nurse: person('nurse', '00000000-0000-4000-8000-00000000000a'),
  surgeon: person('surgeon', '00000000-0000-4000-8000-00000000000b'),
};

/** The auth core as far as these tests need it; `offline` makes every network call fail (Cognito unreachable). */
class FakeAuth implements TerminalAuth {
  current: TerminalAuthSession | null = null;
  begins = 0;
  networkCalls = 0;
  offline = false;
  private state = 0;
  beginSignIn() {
    this.begins++;
    return Promise.resolve({ authorizeUrl: `https://or.auth.us-east-1.amazoncognito.com/oauth2/authorize?state=s${++this.state}`, expiresAt: Date.UTC(2030, 0) });
  }
  completeSignIn(url: string): Promise<StagedSignIn> {
    const session = USERS[new URL(url).searchParams.get('as') ?? ''];
    if (!session) return Promise.reject(new ScrubInError('token_invalid'));
    return Promise.resolve({
      session,
      commit: () => ((this.current = session), Promise.resolve(session)),
      discard: () => Promise.resolve(),
    });
  }
  cancelSignIn() {}
  currentSession() {
    return this.current;
  }
  getTokens() {
    return this.current ? { idToken: `id-${this.current.username}` } : null;
  }
  refresh() {
    this.networkCalls++;
    return this.offline ? Promise.reject(new ScrubInError('network')) : Promise.resolve(null);
  }
  restore() {
    return Promise.resolve(null);
  }
  endLeftovers() {
    return Promise.resolve({ logoutUrl: 'https://or.auth.us-east-1.amazoncognito.com/logout', ended: [] });
  }
  signOut() {
    this.current = null;
    return Promise.resolve({ logoutUrl: 'https://or.auth.us-east-1.amazoncognito.com/logout', revoked: !this.offline, errors: this.offline ? [new ScrubInError('network')] : [] });
  }
}

/** Credentials from the identity pool: fail while offline (what an expired cache would do with Cognito down). */
function fakeCredentials(clock: ManualClock, auth: FakeAuth, asked: string[]): TerminalCredentials {
  return {
    getCredentials: () => {
      asked.push('get');
      if (auth.offline) return Promise.reject(new ScrubInError('network'));
      return Promise.resolve({ accessKeyId: 'ASIAFAKE', secretAccessKey: 's', sessionToken: 't', expiration: clock.now() + 3_600_000, identityId: 'us-east-1:00000000-0000-4000-8000-0000000000ff', roleArn: null });
    },
    startGuest: () => Promise.reject(new ScrubInError('invalid_request')),
    endGuest: () => undefined,
    linkGuestOnSignIn: () => Promise.reject(new ScrubInError('invalid_request')),
    drop: () => undefined,
  };
}

/** The OS idle time on the test clock: `input()` is a key press or touch anywhere on the terminal. */
class FakeIdle implements SystemIdleSource {
  last: number;
  broken = false;
  constructor(private readonly clock: ManualClock) {
    this.last = clock.now();
  }
  input() {
    this.last = this.clock.now();
  }
  idleSeconds() {
    if (this.broken) throw new Error('powerMonitor failed');
    return Math.floor((this.clock.now() - this.last) / 1000);
  }
}

interface H {
  session: TerminalSession;
  clock: ManualClock;
  auth: FakeAuth;
  idle: FakeIdle;
  audit: AuditLog;
  auditPath: string;
  pushed: string[];
  problems: string[];
  asked: string[];
  view(): SessionView;
  records(): AuditRecord[];
}

const open: H[] = [];
afterEach(() => {
  for (const h of open.splice(0)) {
    h.session.dispose();
    h.audit.close();
  }
});

function harness(terminal: Record<string, unknown> = {}, options: { systemIdle?: boolean } = {}): H {
  const clock = new ManualClock();
  const auth = new FakeAuth();
  const idle = new FakeIdle(clock);
  const auditPath = path.join(mkdtempSync(path.join(tmpdir(), 'scrubin-quick-')), 'audit.jsonl');
  const audit = openAuditLog({ path: auditPath, terminalId: 'OR-07', clock });
  const asked: string[] = [];
  const problems: string[] = [];
  const config = ConfigSchema.parse({
    userPool: { issuer: 'https://cognito-idp.us-east-1.amazonaws.com/us-east-1_AbC123xyz', clientId: 'c', domain: 'https://or.auth.us-east-1.amazoncognito.com' },
    identityPool: { id: 'us-east-1:00000000-0000-4000-8000-000000000000', region: 'us-east-1' },
    redirectUri: 'app.scrubin:/callback',
    logoutUri: 'app.scrubin:/logout',
    terminal: { mode: 'shared', quickUnlock: { enabled: true }, ...terminal },
  });
  const session = createTerminalSession({
    config,
    auth,
    audit,
    clock,
    terminalId: 'OR-07',
    openBrowser: () => undefined,
    credentials: fakeCredentials(clock, auth, asked),
    onProblem: (e) => problems.push(`${e.code} ${e.message} ${e.userMessage}`),
    ...(options.systemIdle === false ? {} : { systemIdle: idle }),
  });
  const pushed: string[] = [];
  session.subscribe((v) => pushed.push(JSON.stringify(SessionViewSchema.parse(v))));
  const h: H = {
    session,
    clock,
    auth,
    idle,
    audit,
    auditPath,
    pushed,
    problems,
    asked,
    view: () => session.view(),
    records() {
      const result = verifyAuditLog(auditPath);
      if (!result.ok) throw new Error(`audit log broken at line ${result.line}: ${result.reason}`);
      return result.records;
    },
  };
  open.push(h);
  return h;
}

async function signIn(h: H, as = 'nurse'): Promise<void> {
  if (h.view().state === 'starting') await h.session.start();
  await h.session.signIn();
  await h.session.handleCallback(`app.scrubin:/callback?code=c&state=x&as=${as}`);
  expect(h.view().state).toBe('signed-in');
  h.idle.input(); // the sign-in itself was input
}

/** Signed in with a PIN, then locked by idle time (no input anywhere for idleLockSeconds). */
async function idleLockedWithPin(h: H): Promise<number> {
  await signIn(h);
  await h.session.setPin(PIN);
  h.clock.advance(IDLE_MS);
  expect(h.view().state).toBe('locked');
  return h.clock.now();
}

async function codeOf(p: Promise<unknown> | (() => unknown)): Promise<string> {
  try {
    await (typeof p === 'function' ? p() : p);
  } catch (error) {
    if (isScrubInError(error)) return error.code;
    throw error;
  }
  throw new Error('expected a ScrubInError');
}

/** A wrong PIN: answered after its delay, which runs on the session's clock. */
async function wrongPin(h: H, delayMs: number, attempt = '111112'): Promise<string> {
  const before = h.clock.pendingTimers();
  const answer = codeOf(h.session.unlockWithPin(attempt));
  // The hash is computed for real (scrypt) before the delay starts: wait for its timer, then move the clock.
  await expect.poll(() => h.clock.pendingTimers()).toBeGreaterThan(before);
  h.clock.advance(delayMs);
  return answer;
}

const quickUnlocks = (h: H) => h.records().flatMap((r) => (r.event === 'quick-unlock' ? [[r.outcome, r.result, r.attempt]] : []));

describe('pin.ts', () => {
  it('checks the shape and refuses the first guesses', () => {
    expect(pinShapeOk('480915', 6)).toBe(true);
    expect(pinShapeOk('48091', 6)).toBe(false);
    expect(pinShapeOk('48091a', 6)).toBe(false);
    expect(pinShapeOk('4809151', 6)).toBe(false);
    for (const easy of ['000000', '999999', '123456', '654321', '3456', '23456789']) expect(pinTooEasy(easy), easy).toBe(true);
    for (const fine of ['480915', '135790', '112233', '1235', '2468']) expect(pinTooEasy(fine), fine).toBe(false);
  });

  it('the delay after a wrong PIN grows: 1 s, 2 s, 4 s, then at most 8 s', () => {
    expect([1, 2, 3, 4, 5, 9].map(wrongPinDelayMs)).toEqual([1000, 2000, 4000, 8000, 8000, 8000]);
    expect(wrongPinDelayMs(0)).toBe(1000);
  });

  it('keeps a salted scrypt hash (two hashes of one PIN differ) and compares attempts with it', async () => {
    const a = await hashPin(PIN);
    const b = await hashPin(PIN);
    expect(a.salt.equals(b.salt)).toBe(false);
    expect(a.hash.equals(b.hash)).toBe(false);
    expect(a.hash).toHaveLength(32);
    expect(a.hash.toString('utf8')).not.toContain(PIN);
    expect(await pinMatches(a, PIN)).toBe(true);
    expect(await pinMatches(a, '480916')).toBe(false);
  });
});

describe('quick unlock: setting the PIN', () => {
  it('the signed-in person sets a PIN: audited without it, and the view says only that one is set', async () => {
    const h = harness();
    await signIn(h);
    expect(h.view().quickUnlock).toEqual({ pinLength: 6, pinSet: false, available: false, attemptsLeft: null, graceEndsAt: null });
    const view = await h.session.setPin(PIN);
    expect(view.quickUnlock).toEqual({ pinLength: 6, pinSet: true, available: false, attemptsLeft: 3, graceEndsAt: null });
    expect(h.records().at(-1)).toMatchObject({ event: 'pin-set', outcome: 'ok', user: { username: 'nurse' } });
  });

  it('refuses a PIN of the wrong length or too easy to guess, and any PIN when not signed in', async () => {
    const h = harness({ quickUnlock: { enabled: true, pinLength: 4 } });
    await h.session.start();
    expect(await codeOf(h.session.setPin('4809'))).toBe('illegal_transition');
    await signIn(h);
    expect(await codeOf(h.session.setPin('480915'))).toBe('pin_invalid');
    expect(await codeOf(h.session.setPin('1234'))).toBe('pin_invalid');
    expect(await codeOf(h.session.setPin('7777'))).toBe('pin_invalid');
    expect(h.view().quickUnlock?.pinSet).toBe(false);
    await h.session.setPin('4809');
    expect(h.view().quickUnlock).toMatchObject({ pinLength: 4, pinSet: true });
  });

  it('is off unless IT switches it on: no PIN can be set and the view has no quick unlock', async () => {
    const h = harness({ quickUnlock: { enabled: false } });
    await signIn(h);
    expect(h.view().quickUnlock).toBeNull();
    expect(await codeOf(h.session.setPin(PIN))).toBe('pin_unavailable');
  });

  it('a PIN set again replaces the first one', async () => {
    const h = harness();
    await signIn(h);
    await h.session.setPin(PIN);
    await h.session.setPin('135790');
    h.clock.advance(IDLE_MS);
    expect(await wrongPin(h, 1000, PIN)).toBe('pin_wrong');
    await h.session.unlockWithPin('135790');
    expect(h.view().state).toBe('signed-in');
  });
});

describe('quick unlock: at the lock screen', () => {
  it('an idle lock opens the grace period: the keypad unlocks the same person, with Cognito unreachable', async () => {
    const h = harness();
    const lockedAt = await idleLockedWithPin(h);
    expect(h.view().quickUnlock).toEqual({ pinLength: 6, pinSet: true, available: true, attemptsLeft: 3, graceEndsAt: lockedAt + GRACE_MS });
    h.auth.offline = true;
    const begins = h.auth.begins;
    h.clock.advance(GRACE_MS - 1);
    const view = await h.session.unlockWithPin(PIN);
    expect(view).toMatchObject({ state: 'signed-in', user: { username: 'nurse' }, quickUnlock: { pinSet: true, available: false, graceEndsAt: null } });
    expect(h.auth.begins).toBe(begins); // no browser
    expect(h.records().at(-1)).toMatchObject({ event: 'quick-unlock', outcome: 'ok', result: 'ok', attempt: 1, user: { username: 'nurse' } });
    // Credentials are asked for afterwards as after any unlock; offline they fail without undoing the unlock.
    await expect.poll(() => h.asked.length).toBeGreaterThan(0);
    await expect.poll(() => h.view().lastError?.code).toBe('network');
    expect(h.view().state).toBe('signed-in');
    // Back online, the next request is served as usual.
    h.auth.offline = false;
    expect((await h.session.getCredentials()).accessKeyId).toBe('ASIAFAKE');
  });

  it('the same PIN works again at the next idle lock', async () => {
    const h = harness();
    await idleLockedWithPin(h);
    await h.session.unlockWithPin(PIN);
    h.clock.advance(IDLE_MS);
    expect(h.view().quickUnlock?.available).toBe(true);
    await h.session.unlockWithPin(PIN);
    expect(h.view().state).toBe('signed-in');
  });

  it('three wrong PINs: each answered after a growing delay, then only the full sign-in unlocks', async () => {
    const h = harness();
    await idleLockedWithPin(h);
    expect(await wrongPin(h, 1000)).toBe('pin_wrong');
    expect(h.view().quickUnlock).toMatchObject({ available: true, attemptsLeft: 2 });
    expect(await wrongPin(h, 2000)).toBe('pin_wrong');
    expect(h.view().quickUnlock).toMatchObject({ available: true, attemptsLeft: 1 });
    expect(await codeOf(h.session.unlockWithPin('111112'))).toBe('pin_exhausted');
    expect(h.view()).toMatchObject({ state: 'locked', quickUnlock: { pinSet: false, available: false, attemptsLeft: null } });
    // Even the right PIN does nothing now.
    expect(await codeOf(h.session.unlockWithPin(PIN))).toBe('pin_unavailable');
    expect(h.view().state).toBe('locked');
    expect(quickUnlocks(h)).toEqual([
      ['failed', 'wrong', 1],
      ['failed', 'wrong', 2],
      ['failed', 'exhausted', 3],
      ['refused', 'refused', 0],
    ]);
    await h.session.unlock(); // the full forced sign-in still works
    expect(h.view().state).toBe('unlocking');
  });

  it('a wrong PIN is not answered before its delay, and no second attempt runs meanwhile', async () => {
    const h = harness();
    await idleLockedWithPin(h);
    let settled = false;
    const before = h.clock.pendingTimers();
    const first = codeOf(h.session.unlockWithPin('111112')).finally(() => (settled = true));
    await expect.poll(() => h.clock.pendingTimers()).toBeGreaterThan(before);
    expect(await codeOf(h.session.unlockWithPin(PIN))).toBe('illegal_transition');
    h.clock.advance(999);
    await Promise.resolve();
    expect(settled).toBe(false);
    h.clock.advance(1);
    expect(await first).toBe('pin_wrong');
    await h.session.unlockWithPin(PIN);
    expect(h.view().state).toBe('signed-in');
    expect(quickUnlocks(h)).toEqual([
      ['failed', 'wrong', 1],
      ['ok', 'ok', 2],
    ]);
  });

  it('after the grace period only the full sign-in unlocks (the PIN is wiped on time)', async () => {
    const h = harness();
    await idleLockedWithPin(h);
    h.clock.advance(GRACE_MS - 1);
    expect(h.view().quickUnlock?.available).toBe(true);
    h.clock.advance(1);
    expect(h.view().quickUnlock).toMatchObject({ pinSet: false, available: false });
    expect(await codeOf(h.session.unlockWithPin(PIN))).toBe('pin_unavailable');
    expect(h.view().state).toBe('locked');
  });

  it('the grace period is a wall-clock deadline: a clock that jumped past it (suspend) refuses the PIN', async () => {
    const h = harness();
    await idleLockedWithPin(h);
    h.clock.jump(GRACE_MS);
    expect(h.view().quickUnlock?.available).toBe(false);
    expect(await codeOf(h.session.unlockWithPin(PIN))).toBe('pin_unavailable');
    expect(h.view().quickUnlock?.pinSet).toBe(false);
  });

  it('an explicit Lock by the person: full sign-in only', async () => {
    const h = harness();
    await signIn(h);
    await h.session.setPin(PIN);
    h.session.lock();
    expect(h.view()).toMatchObject({ state: 'locked', quickUnlock: { pinSet: false, available: false } });
    expect(await codeOf(h.session.unlockWithPin(PIN))).toBe('pin_unavailable');
  });

  it('sleep and the OS screen lock: full sign-in only', async () => {
    for (const event of ['suspend', 'lock-screen'] as const) {
      const h = harness();
      await signIn(h);
      await h.session.setPin(PIN);
      h.session.systemEvent(event);
      expect(h.view()).toMatchObject({ state: 'locked', quickUnlock: { pinSet: false, available: false } });
    }
  });

  it('switch user wipes the PIN, even when the switch is cancelled', async () => {
    const h = harness();
    await idleLockedWithPin(h);
    await h.session.switchUser();
    expect(h.view().quickUnlock?.pinSet).toBe(false);
    h.session.cancelSignIn();
    expect(h.view()).toMatchObject({ state: 'locked', quickUnlock: { pinSet: false, available: false } });
    expect(await codeOf(h.session.unlockWithPin(PIN))).toBe('pin_unavailable');
  });

  it('another person completing the unlock is a switch: the new person has no PIN', async () => {
    const h = harness();
    await idleLockedWithPin(h);
    await h.session.unlock();
    await h.session.handleCallback('app.scrubin:/callback?code=c&state=x&as=surgeon');
    expect(h.view()).toMatchObject({ state: 'signed-in', user: { username: 'surgeon' }, quickUnlock: { pinSet: false } });
  });

  it('the same person unlocking with the password keeps the PIN for the next idle lock', async () => {
    const h = harness();
    await idleLockedWithPin(h);
    await h.session.unlock();
    await h.session.handleCallback('app.scrubin:/callback?code=c&state=x&as=nurse');
    expect(h.view()).toMatchObject({ state: 'signed-in', quickUnlock: { pinSet: true, available: false, graceEndsAt: null } });
  });

  it('a cancelled password unlock returns to the keypad within the grace period', async () => {
    const h = harness();
    await idleLockedWithPin(h);
    await h.session.unlock();
    expect(await codeOf(h.session.unlockWithPin(PIN))).toBe('illegal_transition'); // not while the browser flow runs
    h.session.cancelSignIn();
    await h.session.unlockWithPin(PIN);
    expect(h.view().state).toBe('signed-in');
  });

  it('sign-out wipes the PIN; the next person starts without one', async () => {
    const h = harness();
    await signIn(h);
    await h.session.setPin(PIN);
    await h.session.signOut();
    expect(h.view().quickUnlock?.pinSet).toBe(false);
    await signIn(h, 'surgeon');
    expect(h.view().quickUnlock?.pinSet).toBe(false);
  });

  it('the shift cap ends the session inside the grace period: the PIN is gone with it', async () => {
    const h = harness({ sessionCapHours: 0.1 }); // 6 minutes: the cap falls 1 minute after the idle lock
    await idleLockedWithPin(h);
    expect(h.view().quickUnlock?.available).toBe(true);
    h.clock.advance(60_000);
    expect(h.view()).toMatchObject({ state: 'signed-out', quickUnlock: { pinSet: false } });
    expect(await codeOf(h.session.unlockWithPin(PIN))).toBe('illegal_transition');
  });

  it('an attempt whose hash finishes after a sign-out unlocks nothing', async () => {
    const h = harness();
    await idleLockedWithPin(h);
    const attempt = codeOf(h.session.unlockWithPin(PIN));
    await h.session.signOut();
    expect(await attempt).toBe('pin_unavailable');
    expect(h.view().state).toBe('signed-out');
  });

  it('no PIN unlock from any other phase', async () => {
    const h = harness();
    await h.session.start();
    expect(await codeOf(h.session.unlockWithPin(PIN))).toBe('illegal_transition');
    await signIn(h);
    await h.session.setPin(PIN);
    expect(await codeOf(h.session.unlockWithPin(PIN))).toBe('illegal_transition');
  });

  it('the PIN appears in no pushed view, audit line or reported problem', async () => {
    const h = harness();
    await idleLockedWithPin(h);
    await wrongPin(h, 1000, '135790');
    await h.session.unlockWithPin(PIN);
    h.session.lock();
    await h.session.signOut();
    const everything = [...h.pushed, readFileSync(h.auditPath, 'utf8'), ...h.problems].join('\n');
    expect(h.pushed.length).toBeGreaterThan(5);
    expect(everything).not.toContain(PIN);
    expect(everything).not.toContain('135790');
  });
});

describe('the countdown before the idle lock', () => {
  it('appears exactly lockWarningSeconds before the lock, counts the seconds left, and the lock comes on time', async () => {
    const h = harness();
    await signIn(h);
    h.clock.advance(IDLE_MS - WARN_MS - 1);
    expect(h.view().lockWarning).toBeNull();
    h.clock.advance(1);
    expect(h.view().lockWarning).toEqual({ secondsLeft: 30 });
    expect(JSON.parse(h.pushed.at(-1) ?? '{}')).toMatchObject({ state: 'signed-in', lockWarning: { secondsLeft: 30 } });
    h.clock.advance(6_000);
    expect(h.view().lockWarning).toEqual({ secondsLeft: 24 });
    h.clock.advance(WARN_MS - 6_000 - 1);
    expect(h.view().state).toBe('signed-in');
    h.clock.advance(1);
    expect(h.view()).toMatchObject({ state: 'locked', lockWarning: null });
  });

  it('a touch in Scrub In dismisses it at once (the renderer hint makes main read the OS idle time now)', async () => {
    const h = harness();
    await signIn(h);
    h.clock.advance(IDLE_MS - 10_000);
    expect(h.view().lockWarning).not.toBeNull();
    h.idle.input();
    h.session.reportActivity();
    expect(h.view().lockWarning).toBeNull();
    expect(JSON.parse(h.pushed.at(-1) ?? '{}')).toMatchObject({ lockWarning: null });
    h.clock.advance(10_000);
    expect(h.view().state).toBe('signed-in');
    h.clock.advance(IDLE_MS - 10_000);
    expect(h.view().state).toBe('locked');
  });

  it('typing in another application dismisses it within a second (main reads the OS idle time while it shows)', async () => {
    const h = harness();
    await signIn(h);
    h.clock.advance(IDLE_MS - 20_000);
    expect(h.view().lockWarning).not.toBeNull();
    h.idle.input();
    h.clock.advance(WARNING_POLL_MS);
    expect(h.view().lockWarning).toBeNull();
    h.clock.advance(IDLE_MS - WARNING_POLL_MS - 1);
    expect(h.view().state).toBe('signed-in');
  });

  it('without an OS idle source the renderer report is the activity and dismisses it', async () => {
    const h = harness({}, { systemIdle: false });
    await signIn(h);
    h.clock.advance(IDLE_MS - 5_000);
    expect(h.view().lockWarning).not.toBeNull();
    h.session.reportActivity();
    expect(h.view().lockWarning).toBeNull();
    h.clock.advance(IDLE_MS - 1);
    expect(h.view().state).toBe('signed-in');
    h.clock.advance(1);
    expect(h.view().state).toBe('locked');
  });

  it('lasts at most half the idle time, and lockWarningSeconds 0 turns it off', async () => {
    const short = harness({ idleLockSeconds: 30 });
    await signIn(short);
    short.clock.advance(15_000 - 1);
    expect(short.view().lockWarning).toBeNull();
    short.clock.advance(1);
    expect(short.view().lockWarning).toEqual({ secondsLeft: 15 });

    const none = harness({ lockWarningSeconds: 0 });
    await signIn(none);
    none.clock.advance(IDLE_MS - 1);
    expect(none.view()).toMatchObject({ state: 'signed-in', lockWarning: null });
    none.clock.advance(1);
    expect(none.view().state).toBe('locked');
  });
});

describe('whole-terminal activity (the OS idle time decides)', () => {
  it('input in another application keeps the terminal unlocked', async () => {
    const h = harness();
    await signIn(h);
    for (let i = 0; i < 5; i++) {
      h.clock.advance(IDLE_MS - 60_000);
      h.idle.input();
    }
    expect(h.view().state).toBe('signed-in');
    h.clock.advance(IDLE_MS);
    expect(h.view().state).toBe('locked');
  });

  it('a compromised renderer reporting activity without end cannot keep the terminal unlocked', async () => {
    const h = harness();
    await signIn(h);
    for (let t = 0; t < IDLE_MS; t += 1_000) {
      h.session.reportActivity();
      h.clock.advance(1_000);
    }
    expect(h.view().state).toBe('locked');
    expect(h.records().at(-1)).toMatchObject({ event: 'lock', reason: 'idle' });
  });

  it('an OS idle source that fails is reported, and the lock still comes on time', async () => {
    const h = harness();
    await signIn(h);
    h.idle.broken = true;
    h.clock.advance(IDLE_MS);
    expect(h.view().state).toBe('locked');
    expect(h.problems.some((p) => p.includes('the OS idle time could not be read'))).toBe(true);
  });
});

describe('the OS idle time adapters', () => {
  it('the Electron adapter only reads powerMonitor.getSystemIdleTime()', () => {
    let seconds = 42;
    const source = systemIdleSource({ getSystemIdleTime: () => seconds });
    expect(source.idleSeconds()).toBe(42);
    seconds = 0;
    expect(source.idleSeconds()).toBe(0);
  });

  it('test builds: an idle time on the movable clock, started again by input', () => {
    const clock = new ManualClock();
    const idle = new ClockIdleSource(clock);
    clock.advance(61_500);
    expect(idle.idleSeconds()).toBe(61);
    idle.input();
    expect(idle.idleSeconds()).toBe(0);
    const hooks = createTestHooks();
    hooks.global.advanceClock(10_000);
    expect(hooks.idle.idleSeconds()).toBeGreaterThanOrEqual(10);
    hooks.global.systemInput();
    expect(hooks.idle.idleSeconds()).toBe(0);
  });
});
