import { createTestHooks, testHooksAllowed } from '../../main/shell/test-hooks';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { EventEmitter } from 'node:events';
import { forwardPowerEvents } from '../../main/shell/power';
import { describe, expect, it, vi } from 'vitest';
import { CHANNELS, type SessionView } from '../../common/contract';
import { resolveAsset, securityHeaders } from '../../main/shell/assets';
import { DeepLinkIntake, deepLinkFromArgv } from '../../main/shell/deep-links';
import { allowedExternalUrl } from '../../main/shell/external';
import { APP_BACKGROUND, FIRST_SHOW, SHOW_FALLBACK_MS, showWhenReady } from '../../main/shell/first-show';
import { createDispatcher, createPushers, isTrustedSender, toPushedSettingsChange, type BridgeSession } from '../../main/shell/ipc';
import { ScrubInError } from '../../main/errors';

describe('deep links', () => {
  it('finds the app link in first-launch argv among Chromium switches', () => {
    expect(deepLinkFromArgv(['/opt/Scrub In/scrub-in', '--no-sandbox', 'app.scrubin:/callback?code=a&state=b'])).toBe('app.scrubin:/callback?code=a&state=b');
    expect(deepLinkFromArgv(['/opt/Scrub In/scrub-in', '--allow-file-access'])).toBeUndefined();
    expect(deepLinkFromArgv(['x', 'https://evil.example/app.scrubin:/callback'])).toBeUndefined();
  });

  function fakeApp() {
    const listeners: Record<string, (...args: never[]) => void> = {};
    return {
      on: (event: string, listener: (...args: never[]) => void) => {
        listeners[event] = listener;
      },
      emit: (event: string, ...args: unknown[]) => (listeners[event] as (...a: unknown[]) => void)(...args),
    };
  }

  it('queues links that arrive before ready (argv, open-url) and delivers them once, in order', () => {
    const app = fakeApp();
    const intake = new DeepLinkIntake(app, ['exe', 'app.scrubin:/callback?n=1']);
    const preventDefault = vi.fn();
    app.emit('open-url', { preventDefault }, 'app.scrubin:/callback?n=2');
    expect(preventDefault).toHaveBeenCalled();
    const seen: string[] = [];
    intake.attach((url) => seen.push(url));
    expect(seen).toEqual(['app.scrubin:/callback?n=1', 'app.scrubin:/callback?n=2']);
    app.emit('second-instance', {}, ['exe', '--flag', 'app.scrubin:/callback?n=3']);
    expect(seen).toEqual(['app.scrubin:/callback?n=1', 'app.scrubin:/callback?n=2', 'app.scrubin:/callback?n=3']);
  });

  it('focuses the window on a second instance and ignores links on other schemes or oversized ones', () => {
    const app = fakeApp();
    const focus = vi.fn();
    const seen: string[] = [];
    new DeepLinkIntake(app, ['exe'], focus).attach((url) => seen.push(url));
    app.emit('second-instance', {}, ['exe']);
    app.emit('open-url', { preventDefault: vi.fn() }, 'other:/callback');
    app.emit('open-url', { preventDefault: vi.fn() }, `app.scrubin:/callback?x=${'a'.repeat(9000)}`);
    expect(focus).toHaveBeenCalledTimes(1);
    expect(seen).toEqual([]);
  });
});

describe('renderer assets', () => {
  const root = mkdtempSync(path.join(tmpdir(), 'scrubin-assets-'));
  writeFileSync(path.join(root, 'index.html'), '<!doctype html>');

  it('maps app paths inside the renderer folder only', () => {
    expect(resolveAsset(root, '/')?.file).toBe(path.join(root, 'index.html'));
    expect(resolveAsset(root, '/assets/index-1.js')).toEqual({ file: path.join(root, 'assets/index-1.js'), contentType: 'text/javascript; charset=utf-8' });
    for (const evil of ['/../etc/passwd.html', '/%2e%2e/secret.js', '/..%2f..%2fx.css', '/a%00.js', '/%E0%A4%A.js', '/x.exe', '/..\\x.js']) {
      expect(resolveAsset(root, evil), evil).toBeNull();
    }
  });

  it('serves every file with a strict CSP and nosniff', () => {
    const headers = securityHeaders('text/html');
    expect(headers['Content-Security-Policy']).toContain("script-src 'self'");
    expect(headers['Content-Security-Policy']).not.toMatch(/unsafe-(inline|eval)/);
    expect(headers['X-Content-Type-Options']).toBe('nosniff');
  });
});

describe('openExternal allowlist', () => {
  const config = { userPool: { issuer: 'https://i', clientId: 'c', domain: 'https://or.auth.us-east-1.amazoncognito.com', scopes: ['openid'] } };
  it('allows only the configured authorize and logout endpoints', () => {
    expect(allowedExternalUrl(config, 'https://or.auth.us-east-1.amazoncognito.com/oauth2/authorize?client_id=c')).toBe(true);
    expect(allowedExternalUrl(config, 'https://or.auth.us-east-1.amazoncognito.com/logout?client_id=c&logout_uri=x')).toBe(true);
    expect(allowedExternalUrl(config, 'https://or.auth.us-east-1.amazoncognito.com/oauth2/token')).toBe(false);
    expect(allowedExternalUrl(config, 'https://evil.example/oauth2/authorize')).toBe(false);
    expect(allowedExternalUrl(config, 'https://or.auth.us-east-1.amazoncognito.com.evil.example/logout')).toBe(false);
    expect(allowedExternalUrl(config, 'file:///etc/passwd')).toBe(false);
    expect(allowedExternalUrl(config, 'not a url')).toBe(false);
  });
});

describe('IPC dispatcher', () => {
  const view: SessionView = {
    state: 'signed-in', mode: 'shared', terminalId: 'OR-1', display: { language: 'en', textSize: 'normal' }, user: null, role: null, sessionStartedAt: null, sessionEndsAt: null,
    lockAt: null, credentialsExpireAt: null, guestAvailable: false, settingsAvailable: true, federatedLabel: null, pendingSignIn: null, lastError: null,
    lockWarning: null, quickUnlock: null, offline: null,
  };
  function session(overrides: Partial<BridgeSession> = {}): BridgeSession {
    return {
      view: () => view,
      subscribe: () => () => undefined,
      signIn: vi.fn(() => Promise.resolve()),
      cancelSignIn: vi.fn(),
      signOut: vi.fn(() => Promise.resolve()),
      lock: vi.fn(),
      unlock: vi.fn(() => Promise.resolve()),
      switchUser: vi.fn(() => Promise.resolve()),
      continueAsGuest: vi.fn(() => Promise.resolve()),
      reportActivity: vi.fn(),
      setTextSize: vi.fn(() => Promise.resolve()),
      getCredentials: vi.fn(() =>
        Promise.resolve({ accessKeyId: 'ASIA1', secretAccessKey: 's', sessionToken: 't', expiration: 1, identityId: 'id', roleArn: null, idToken: 'must-not-cross' } as never),
      ),
      getSetting: vi.fn(() => Promise.resolve(null)),
      setSetting: vi.fn(() => Promise.resolve()),
      setPin: vi.fn(() => Promise.resolve()),
      unlockWithPin: vi.fn(() => Promise.resolve()),
      subscribeSettings: () => () => undefined,
      ...overrides,
    };
  }
  const app = { url: 'app://scrubin/index.html', isMainFrame: true };

  it('trusts only the app page in the top frame', () => {
    expect(isTrustedSender(app, 'app://scrubin')).toBe(true);
    expect(isTrustedSender({ url: 'app://scrubin/index.html', isMainFrame: false }, 'app://scrubin')).toBe(false);
    expect(isTrustedSender({ url: 'app://evil/index.html', isMainFrame: true }, 'app://scrubin')).toBe(false);
    expect(isTrustedSender({ url: 'https://scrubin/index.html', isMainFrame: true }, 'app://scrubin')).toBe(false);
    expect(isTrustedSender({ url: undefined, isMainFrame: true }, 'app://scrubin')).toBe(false);
  });

  it('refuses untrusted senders, unknown channels and invalid payloads without calling the session', async () => {
    const signIn = vi.fn(() => Promise.resolve());
    const getCredentials = vi.fn(() => Promise.reject(new Error('must not be called')));
    const s = session({ signIn, getCredentials });
    const rejected = vi.fn<(reason: string, channel: string) => void>();
    const dispatch = createDispatcher(s, { trustedOrigin: 'app://scrubin', onRejected: rejected });
    expect(await dispatch(CHANNELS.signIn, undefined, { url: 'https://evil.example', isMainFrame: true })).toMatchObject({ ok: false, error: { code: 'invalid_request' } });
    expect(await dispatch('scrubin:tokens:get', undefined, app)).toMatchObject({ ok: false });
    expect(await dispatch(CHANNELS.signIn, { federated: 'yes' }, app)).toMatchObject({ ok: false });
    expect(await dispatch(CHANNELS.signIn, { federated: true, extra: 1 }, app)).toMatchObject({ ok: false });
    expect(await dispatch(CHANNELS.getCredentials, { roleArn: 'not-an-arn' }, app)).toMatchObject({ ok: false });
    expect(signIn).not.toHaveBeenCalled();
    expect(getCredentials).not.toHaveBeenCalled();
    expect(rejected.mock.calls.map((c) => c[0])).toEqual(['untrusted-sender', 'unknown-channel', 'invalid-payload', 'invalid-payload', 'invalid-payload']);
  });

  it('calls the session and answers with the view; credentials are re-shaped to the six documented fields', async () => {
    const signIn = vi.fn(() => Promise.resolve());
    const s = session({ signIn });
    const dispatch = createDispatcher(s, { trustedOrigin: 'app://scrubin' });
    expect(await dispatch(CHANNELS.signIn, { federated: true }, app)).toEqual({ ok: true, value: view });
    expect(signIn).toHaveBeenCalledWith({ federated: true });
    const creds = await dispatch(CHANNELS.getCredentials, undefined, app);
    expect(creds).toEqual({ ok: true, value: { accessKeyId: 'ASIA1', secretAccessKey: 's', sessionToken: 't', expiration: 1, roleArn: null } });
    expect(JSON.stringify(creds)).not.toContain('must-not-cross');
  });

  it('settings: names and values are validated before the session is called; answers are { value } / null', async () => {
    const getSetting = vi.fn((dataset: string, key: string) => Promise.resolve(dataset === 'prefs' && key === 'textSize' ? 'large' : null));
    const setSetting = vi.fn(() => Promise.resolve());
    const rejected = vi.fn<(reason: string, channel: string) => void>();
    const dispatch = createDispatcher(session({ getSetting, setSetting }), { trustedOrigin: 'app://scrubin', onRejected: rejected });
    expect(await dispatch(CHANNELS.getSetting, { dataset: 'prefs', key: 'textSize' }, app)).toEqual({ ok: true, value: { value: 'large' } });
    expect(await dispatch(CHANNELS.getSetting, { dataset: 'prefs', key: 'favouriteRoom' }, app)).toEqual({ ok: true, value: { value: null } });
    expect(await dispatch(CHANNELS.setSetting, { dataset: 'prefs', key: 'textSize', value: 'normal' }, app)).toEqual({ ok: true, value: null });
    expect(setSetting).toHaveBeenCalledWith('prefs', 'textSize', 'normal');
    const bad = [
      [CHANNELS.getSetting, { dataset: 'pre#fs', key: 'k' }],
      [CHANNELS.getSetting, { dataset: 'prefs', key: '' }],
      [CHANNELS.getSetting, { dataset: 'prefs', key: 'a\u0007b' }],
      [CHANNELS.getSetting, { dataset: 'prefs', key: 'k', identityId: 'us-east-1:x' }],
      [CHANNELS.setSetting, { dataset: 'prefs', key: 'k' }],
      [CHANNELS.setSetting, { dataset: 'prefs', key: 'k', value: 7 }],
      [CHANNELS.setSetting, { dataset: 'prefs', key: 'k', value: 'x'.repeat(350_001) }],
      [CHANNELS.settingsChanged, { kind: 'reset' }],
    ] as const;
    for (const [channel, payload] of bad) expect(await dispatch(channel, payload, app)).toMatchObject({ ok: false, error: { code: 'invalid_request' } });
    expect(await dispatch(CHANNELS.setSetting, { dataset: 'prefs', key: 'k', value: 'x'.repeat(350_000) }, app)).toEqual({ ok: true, value: null });
    expect(await dispatch(CHANNELS.getSetting, { dataset: 'prefs', key: 'k' }, { url: 'https://evil.example/', isMainFrame: true })).toMatchObject({ ok: false });
    expect(getSetting).toHaveBeenCalledTimes(2);
    expect(setSetting).toHaveBeenCalledTimes(2);
    expect(rejected.mock.calls.map((c) => c[0])).toEqual([...Array<string>(7).fill('invalid-payload'), 'unknown-channel', 'untrusted-sender']);
  });

  it('terminal text size: one of the three sizes, nothing else, answered with the view', async () => {
    const setTextSize = vi.fn(() => Promise.resolve());
    const rejected = vi.fn<(reason: string, channel: string) => void>();
    const dispatch = createDispatcher(session({ setTextSize }), { trustedOrigin: 'app://scrubin', onRejected: rejected });
    expect(await dispatch(CHANNELS.setTextSize, { textSize: 'large' }, app)).toEqual({ ok: true, value: view });
    expect(setTextSize).toHaveBeenCalledWith('large');
    for (const payload of [{ textSize: 'huge' }, { textSize: 'large', person: 'nurse' }, 'large', undefined]) {
      expect(await dispatch(CHANNELS.setTextSize, payload, app)).toMatchObject({ ok: false, error: { code: 'invalid_request' } });
    }
    expect(setTextSize).toHaveBeenCalledTimes(1);
    expect(rejected.mock.calls.map((c) => c[0])).toEqual(Array<string>(4).fill('invalid-payload'));
  });

  it('settings: a refusal while locked reaches the UI as the typed error', async () => {
    const dispatch = createDispatcher(session({ getSetting: () => Promise.reject(new ScrubInError('locked', { detail: 'settings refused' })) }), { trustedOrigin: 'app://scrubin' });
    expect(await dispatch(CHANNELS.getSetting, { dataset: 'prefs', key: 'k' }, app)).toMatchObject({ ok: false, error: { code: 'locked', retryable: false } });
  });

  it('settings pushes carry only the contract fields, never the identity id', () => {
    const change = { kind: 'record', dataset: 'prefs', key: 'textSize', value: 'large', identityId: 'us-east-1:0000', source: 'remote' } as const;
    const pushed = toPushedSettingsChange(change);
    expect(pushed).toEqual({ kind: 'record', dataset: 'prefs', key: 'textSize', value: 'large' });
    expect(toPushedSettingsChange({ kind: 'reset', identityId: 'us-east-1:0000' } as never)).toEqual({ kind: 'reset' });
    // A change of theirs replaced by a newer one elsewhere keeps its flag (the UI tells the person).
    expect(toPushedSettingsChange({ ...change, overridden: true })).toEqual({ kind: 'record', dataset: 'prefs', key: 'textSize', value: 'large', overridden: true });
  });

  describe('pushes to windows (the preload forwards them unchecked)', () => {
    function windows() {
      const sent: [string, string, unknown][] = [];
      const targets = ['main', 'second'].map((name) => ({ webContents: { send: (channel: string, payload: unknown) => sent.push([name, channel, payload]) } }));
      const dropped = vi.fn<(channel: string, problems: string[]) => void>();
      return { sent, dropped, push: createPushers(() => targets, dropped) };
    }

    it('sends a valid session view and settings change to every window, settings stripped to the contract fields', () => {
      const { sent, dropped, push } = windows();
      push.sessionChanged(view);
      push.settingsChanged({ kind: 'record', dataset: 'prefs', key: 'textSize', value: 'large', identityId: 'us-east-1:0000' } as never);
      expect(sent).toEqual([
        ['main', CHANNELS.sessionChanged, view],
        ['second', CHANNELS.sessionChanged, view],
        ['main', CHANNELS.settingsChanged, { kind: 'record', dataset: 'prefs', key: 'textSize', value: 'large' }],
        ['second', CHANNELS.settingsChanged, { kind: 'record', dataset: 'prefs', key: 'textSize', value: 'large' }],
      ]);
      expect(dropped).not.toHaveBeenCalled();
    });

    it('never sends a malformed push; it reports the channel and the failing paths, not the values', () => {
      const { sent, dropped, push } = windows();
      push.sessionChanged({ ...view, idToken: 'eyJ.secret.token' } as never);
      push.sessionChanged({ ...view, state: 'hacked' } as never);
      push.sessionChanged({ ...view, user: { username: 'u', displayName: 'U', groups: [], roles: [], refreshToken: 'r' } } as never);
      push.settingsChanged({ kind: 'record', dataset: 'pre#fs', key: 'k', value: 'v' });
      push.settingsChanged({ kind: 'record', dataset: 'prefs', key: 'k', value: 7 } as never);
      push.settingsChanged({ kind: 'everything' } as never);
      expect(sent).toEqual([]);
      expect(dropped.mock.calls.map((c) => c[0])).toEqual([...Array<string>(3).fill(CHANNELS.sessionChanged), ...Array<string>(3).fill(CHANNELS.settingsChanged)]);
      expect(dropped.mock.calls[0]?.[1]).toEqual(['(root): unrecognized_keys']);
      expect(dropped.mock.calls[2]?.[1]).toEqual(['user: unrecognized_keys']);
      expect(JSON.stringify(dropped.mock.calls)).not.toMatch(/secret|hacked|pre#fs/);
    });
  });

  it('turns session errors into user-facing error views, never internals', async () => {
    const dispatch = createDispatcher(
      session({ unlock: () => Promise.reject(new ScrubInError('network', { detail: 'ECONNRESET at 10.0.0.1', cause: new Error('secret internals') })) }),
      { trustedOrigin: 'app://scrubin' },
    );
    const result = await dispatch(CHANNELS.unlock, undefined, app);
    expect(result).toEqual({ ok: false, error: { code: 'network', message: expect.stringMatching(/network/) as unknown, retryable: true } });
    expect(JSON.stringify(result)).not.toMatch(/ECONNRESET|internals/);
  });
});

describe('power events (sleep and screen lock)', () => {
  it('forwards suspend, lock-screen, resume and unlock-screen to the session, each as itself', () => {
    const power = new EventEmitter();
    const seen: string[] = [];
    forwardPowerEvents(power, (event) => seen.push(event));
    for (const event of ['suspend', 'lock-screen', 'resume', 'unlock-screen', 'shutdown', 'on-ac']) power.emit(event);
    expect(seen).toEqual(['suspend', 'lock-screen', 'resume', 'unlock-screen']);
  });
});

describe('first appearance of the window', () => {
  function fakeWindow() {
    const ready: (() => void)[] = [];
    const window = { once: vi.fn((_event: 'ready-to-show', listener: () => void) => ready.push(listener)), show: vi.fn(), isDestroyed: vi.fn(() => false) };
    return { window, ready: () => ready.forEach((listener) => listener()) };
  }

  it('is created hidden, on the background colour of the page itself (no white flash)', () => {
    const css = readFileSync(path.resolve('renderer/src/styles.css'), 'utf8');
    expect(/--bg:\s*(#[0-9a-f]{6})/i.exec(css)?.[1]?.toLowerCase()).toBe(APP_BACKGROUND);
    expect(FIRST_SHOW).toEqual({ show: false, backgroundColor: APP_BACKGROUND });
  });

  it('is shown on ready-to-show, once, and not before', () => {
    vi.useFakeTimers();
    try {
      const { window, ready } = fakeWindow();
      showWhenReady(window);
      expect(window.once).toHaveBeenCalledWith('ready-to-show', expect.any(Function));
      expect(window.show).not.toHaveBeenCalled();
      ready();
      expect(window.show).toHaveBeenCalledTimes(1);
      vi.advanceTimersByTime(SHOW_FALLBACK_MS * 2);
      expect(window.show).toHaveBeenCalledTimes(1);
    } finally {
      vi.useRealTimers();
    }
  });

  it('is shown anyway when the renderer never draws a first frame, but never after it was destroyed', () => {
    vi.useFakeTimers();
    try {
      const stuck = fakeWindow();
      showWhenReady(stuck.window);
      vi.advanceTimersByTime(SHOW_FALLBACK_MS - 1);
      expect(stuck.window.show).not.toHaveBeenCalled();
      vi.advanceTimersByTime(1);
      expect(stuck.window.show).toHaveBeenCalledTimes(1);
      stuck.ready();
      expect(stuck.window.show).toHaveBeenCalledTimes(1);

      const closed = fakeWindow();
      showWhenReady(closed.window);
      closed.window.isDestroyed.mockReturnValue(true);
      closed.ready();
      vi.advanceTimersByTime(SHOW_FALLBACK_MS);
      expect(closed.window.show).not.toHaveBeenCalled();
    } finally {
      vi.useRealTimers();
    }
  });
});

describe('test hooks (clock control, recorded browser URLs) exist only where a test build asks for them', () => {
  const on = { SCRUBIN_TEST_HOOKS: '1' };
  it('unpackaged with SCRUBIN_TEST_HOOKS=1, or the packaged test flavour with it: on', () => {
    expect(testHooksAllowed({ env: on, packaged: false, testBuild: false })).toBe(true);
    expect(testHooksAllowed({ env: on, packaged: true, testBuild: true })).toBe(true);
  });
  it('a packaged release build never, whatever the environment; no build without the exact switch', () => {
    expect(testHooksAllowed({ env: on, packaged: true, testBuild: false })).toBe(false);
    for (const value of ['true', 'yes', '', '0', ' 1']) expect(testHooksAllowed({ env: { SCRUBIN_TEST_HOOKS: value }, packaged: false, testBuild: false })).toBe(false);
    expect(testHooksAllowed({ env: {}, packaged: true, testBuild: true })).toBe(false);
  });
  it('records URLs in order, wakes a waiter without polling, and moves the clock forward', async () => {
    const hooks = createTestHooks();
    const next = hooks.global.waitExternal(0);
    hooks.open('http://127.0.0.1/oauth2/authorize?x=1');
    expect(await next).toBe('http://127.0.0.1/oauth2/authorize?x=1');
    const before = hooks.global.now();
    let fired = false;
    hooks.clock.setTimer(300_000, () => (fired = true));
    hooks.global.advanceClock(300_000);
    expect(fired).toBe(true);
    expect(hooks.global.now() - before).toBeGreaterThanOrEqual(300_000);
  });
});
