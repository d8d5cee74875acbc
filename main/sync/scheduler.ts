/**
 * When the synchronise pass runs for one open session, all on the injected Clock: at once (open,
 * reconnect, the final flush), 2 s after the last change but at most 10 s after the first unsynced one,
 * and again after a retryable failure (5 s, doubling up to 5 min; reconnecting starts over). One pass
 * at a time; requests meanwhile share one queued pass. Outcomes are reported as events, never thrown.
 */
import type { Clock, TimerHandle } from '../clock';
import { toScrubInError } from '../errors';
import { SessionEnded } from './session';
import type { SyncEvent, SyncReason, SyncResult } from './types';

export const DEBOUNCE_MS = 2000;
export const MAX_WAIT_MS = 10_000;
export const RETRY_INITIAL_MS = 5000;
export const RETRY_MAX_MS = 300_000;
/** How long `close({ flush: true })` waits for the final pass. */
export const FLUSH_TIMEOUT_MS = 5000;

export interface SchedulerDeps {
  clock: Clock;
  identityId: string;
  /** One synchronise pass. */
  pass: () => Promise<SyncResult>;
  /** The session is closing: no timers fire a pass and no retry is scheduled. */
  ending: () => boolean;
  emit: (event: SyncEvent) => void;
}

export class SyncScheduler {
  private running: Promise<void> | null = null;
  private queued: Promise<void> | null = null;
  private debounce: TimerHandle | null = null;
  private firstPendingAt: number | null = null;
  private retryTimer: TimerHandle | null = null;
  private retryDelay = RETRY_INITIAL_MS;

  constructor(private readonly deps: SchedulerDeps) {}

  /** Starts a pass now (or after the running one) without waiting for it. */
  now(reason: 'open' | 'reconnect'): void {
    if (reason === 'reconnect') this.retryDelay = RETRY_INITIAL_MS;
    void this.request(reason);
  }

  /** A record changed here: pass after the debounce. */
  changed(): void {
    const now = this.deps.clock.now();
    this.firstPendingAt ??= now;
    const due = Math.min(now + DEBOUNCE_MS, this.firstPendingAt + MAX_WAIT_MS);
    this.debounce?.cancel();
    this.debounce = this.deps.clock.setTimer(Math.max(0, due - now), () => {
      this.debounce = null;
      if (!this.deps.ending()) void this.request('change');
    });
  }

  /** The final pass at close, bounded by FLUSH_TIMEOUT_MS on the clock. */
  async flush(): Promise<void> {
    let timer: TimerHandle | undefined;
    const timeout = new Promise<void>((resolve) => {
      timer = this.deps.clock.setTimer(FLUSH_TIMEOUT_MS, resolve);
    });
    await Promise.race([this.request('flush'), timeout]);
    timer?.cancel();
  }

  cancelTimers(): void {
    this.debounce?.cancel();
    this.debounce = null;
    this.firstPendingAt = null;
    this.retryTimer?.cancel();
    this.retryTimer = null;
  }

  /** No more timers; resolves once the running and the queued pass have ended. */
  async settle(): Promise<void> {
    this.cancelTimers();
    await Promise.all([this.running, this.queued]);
  }

  private request(reason: SyncReason): Promise<void> {
    if (this.deps.ending() && reason !== 'flush') return Promise.resolve();
    if (this.running) {
      this.queued ??= this.running.then(() => {
        this.queued = null;
        return this.start(reason);
      });
      return this.queued;
    }
    return this.start(reason);
  }

  private start(reason: SyncReason): Promise<void> {
    const { identityId, emit } = this.deps;
    this.cancelTimers();
    emit({ type: 'sync-start', identityId, reason });
    const run: Promise<void> = this.deps
      .pass()
      .then(
        (result) => {
          this.retryDelay = RETRY_INITIAL_MS;
          emit({ type: 'synced', identityId, ...result });
        },
        (error: unknown) => {
          if (error instanceof SessionEnded) return;
          const e = toScrubInError(error);
          const retryInMs = e.retryable && !this.deps.ending() ? this.scheduleRetry() : null;
          emit({ type: 'sync-failed', identityId, code: e.code, retryInMs });
        },
      )
      .finally(() => {
        if (this.running === run) this.running = null;
      });
    this.running = run;
    return run;
  }

  private scheduleRetry(): number {
    const delay = this.retryDelay;
    this.retryTimer?.cancel();
    this.retryTimer = this.deps.clock.setTimer(delay, () => {
      this.retryTimer = null;
      if (!this.deps.ending()) void this.request('retry');
    });
    this.retryDelay = Math.min(RETRY_MAX_MS, this.retryDelay * 2);
    return delay;
  }
}
