/**
 * Owns the link to the per-person settings sync (optional, main/sync): opened for the person's identity id once
 * their credentials arrive, closed at sign-out / switch / cap (pending changes pushed first; the cache purged on
 * shared terminals; every settings cache removed at start on shared terminals), refused while locked or signed
 * out and for guests. Opens and closes run one after another through one queue.
 */
import { ScrubInError } from '../errors';
import { auditUser, emit, noIdentityPool, problem, problemHandler, record, type Person, type SessionContext, type SignOutReason } from './context';
import type { SettingsFactory, TerminalSettings, TerminalSettingsChange } from './ports';

/** Sets up `ctx.settings` (a factory gets the credentials provider itself); returns the engine's unsubscribe. */
export function linkSettings(ctx: SessionContext, option: TerminalSettings | SettingsFactory | null | undefined): (() => void) | null {
  ctx.settings =
    typeof option === 'function'
      ? option({
          // The provider itself (same gate), not the session's `getCredentials`: the final flush at sign-out must
          // not be audited as a refused request; the engine then uses the leaving person's last credentials.
          credentials: () => (ctx.credentials ? ctx.credentials.getCredentials() : Promise.reject(noIdentityPool())),
        })
      : (option ?? null);
  return (
    ctx.settings?.subscribe((change) => {
      if (change.kind === 'reset') {
        emitSettings(ctx, { kind: 'reset' });
        return;
      }
      // Only the signed-in, unlocked person's own settings reach the UI (re-read after unlock through `reset`).
      const { machine, person, settingsSub } = ctx.state;
      if (machine.phase !== 'signed-in' || !person || settingsSub !== person.session.sub) return;
      emitSettings(ctx, { kind: 'record', dataset: change.dataset, key: change.key, value: change.value, ...(change.overridden ? { overridden: true } : {}) });
    }) ?? null
  );
}

function emitSettings(ctx: SessionContext, change: TerminalSettingsChange): void {
  emit(ctx, ctx.settingsListeners, change);
}

function queueSettings(ctx: SessionContext, op: () => Promise<void>): Promise<void> {
  const s = ctx.state;
  const run = s.settingsQueue.then(op);
  s.settingsQueue = run.then(
    () => undefined,
    () => undefined,
  );
  return run;
}

const isCurrent = (ctx: SessionContext, who: Person): boolean => ctx.state.person !== null && ctx.state.person.session.sub === who.session.sub;

function openSettingsFor(ctx: SessionContext, who: Person, identityId: string): Promise<void> {
  const engine = ctx.settings;
  if (!engine) return Promise.resolve();
  const s = ctx.state;
  return queueSettings(ctx, async () => {
    if (!isCurrent(ctx, who) || s.machine.phase !== 'signed-in') return;
    const open = engine.currentIdentity();
    if (open === identityId && s.settingsSub === who.session.sub) {
      // Unlock by the same person: sync now and let the UI re-read.
      engine.reconnected();
      emitSettings(ctx, { kind: 'reset' });
      return;
    }
    if (open !== null) {
      // Another identity is still open (should not happen: closed at sign-out): never let it linger.
      s.settingsSub = null;
      await engine.close({ flush: true, purge: ctx.shared });
    }
    await engine.open(identityId);
    s.settingsSub = who.session.sub;
  });
}

/**
 * Closes `who`'s settings at sign-out / switch / cap. The engine removes a shared terminal's cache file before
 * `close` returns, so call this before the view says signed out. The final flush (bounded by the engine) runs in
 * the background: nobody waits for it, neither the sign-out nor the next person. Changes it could not save are
 * reported and audited.
 */
export function closeSettings(ctx: SessionContext, reason: SignOutReason, who: Person): Promise<void> {
  const engine = ctx.settings;
  if (!engine) return Promise.resolve();
  ctx.state.settingsSub = null;
  // A refused session (revoked, account disabled) pushes nothing more; a shared terminal keeps nothing.
  const close = (): Promise<void> =>
    engine
      .close({ flush: reason !== 'refresh-rejected', purge: ctx.shared })
      .then((outcome) => {
        const { notSaved } = outcome;
        if (notSaved === 0 || !ctx.shared) return;
        record(ctx, { event: 'settings-not-saved', outcome: 'failed', user: auditUser(who.session), count: notSaved });
        problem(ctx, new ScrubInError('network', { detail: `${notSaved} setting changes not saved: they could not be pushed before sign-out` }));
      })
      .catch(problemHandler(ctx));
  const now = engine.currentIdentity() === null ? Promise.resolve() : close();
  // An open still queued for the leaving person finds nobody signed in; one under way is closed once it is done.
  const queued = new Promise<void>((resolve) => {
    void queueSettings(ctx, () => {
      if (engine.currentIdentity() === null) resolve();
      else {
        ctx.state.settingsSub = null;
        resolve(close());
      }
      return Promise.resolve();
    });
  });
  return Promise.all([now, queued]).then(() => undefined);
}

/**
 * Runs the credentials step after a sign-in / unlock / restore; that person's settings then open in the
 * background (settings reads wait for `settingsOpening`), so the settings pull never delays the sign-in itself.
 */
export function afterCredentials(ctx: SessionContext, who: Person, fetch: () => Promise<string | null>): Promise<void> {
  const credentialsReady = fetch().catch((error: unknown) => {
    problem(ctx, error);
    return null;
  });
  ctx.state.settingsOpening = credentialsReady
    .then((identityId) => (identityId === null ? undefined : openSettingsFor(ctx, who, identityId)))
    .catch(problemHandler(ctx));
  return credentialsReady.then(() => undefined);
}

export async function purgeSettingsLeftovers(ctx: SessionContext): Promise<void> {
  if (!ctx.settings?.purgeLeftovers) return;
  try {
    await ctx.settings.purgeLeftovers();
  } catch (error) {
    problem(ctx, error);
  }
}

/** Settings are the signed-in person's only, and not while locked. */
function settingsAllowed(ctx: SessionContext, expected?: Person): { who: Person; engine: TerminalSettings } {
  const { machine, person } = ctx.state;
  const phase = machine.phase;
  if (phase === 'locked' || phase === 'unlocking') throw new ScrubInError('locked', { detail: 'settings refused: the terminal is locked' });
  if (phase !== 'signed-in' || !person) throw new ScrubInError('signed_out', { detail: 'settings refused: nobody is signed in' });
  if (expected && !isCurrent(ctx, expected)) throw new ScrubInError('signed_out', { detail: 'settings refused: the session changed meanwhile' });
  if (!ctx.settings) {
    throw new ScrubInError('invalid_request', {
      detail: 'settings sync is not configured (no sync section)',
      userMessage: 'Saved preferences are not set up on this terminal. Ask hospital IT.',
      variant: 'settings_not_set_up',
    });
  }
  return { who: person, engine: ctx.settings };
}

export async function getSetting(ctx: SessionContext, dataset: string, key: string): Promise<string | null> {
  const { who } = settingsAllowed(ctx);
  await ctx.state.settingsOpening;
  const { engine } = settingsAllowed(ctx, who);
  // Not loaded (AWS was unreachable at sign-in): the defaults show; a `reset` follows once they load.
  if (ctx.state.settingsSub !== who.session.sub) return null;
  return engine.get(dataset, key) ?? null;
}

export async function setSetting(ctx: SessionContext, dataset: string, key: string, value: string): Promise<void> {
  const { who } = settingsAllowed(ctx);
  await ctx.state.settingsOpening;
  const { engine } = settingsAllowed(ctx, who);
  if (ctx.state.settingsSub !== who.session.sub) {
    // Not loaded at sign-in: try now, and let the person see why if it fails (network, locked, ...).
    if (!ctx.credentials) throw noIdentityPool();
    const c = await ctx.credentials.getCredentials();
    settingsAllowed(ctx, who);
    await openSettingsFor(ctx, who, c.identityId);
    settingsAllowed(ctx, who);
    if (ctx.state.settingsSub !== who.session.sub) throw new ScrubInError('internal', { detail: 'settings could not be opened for the signed-in person' });
  }
  await engine.set(dataset, key, value);
}
