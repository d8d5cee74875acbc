/**
 * The one pending sign-in (RFC 8252 §8.9 / OAuth BCP): PKCE verifier, state and nonce live here only,
 * in memory. A new flow supersedes the old one; a flow expires after a timeout on the injected Clock.
 * Finished flows leave a hash of their state behind (bounded), so a replayed or late callback can be
 * told apart from one that never belonged to this terminal.
 */
import { createHash } from 'node:crypto';
import type { Clock, TimerHandle } from '../clock';

export interface PendingFlow {
  readonly state: string;
  readonly nonce: string;
  readonly codeVerifier: string;
  readonly createdAt: number;
  readonly expiresAt: number;
  /**
   * A forced sign-in (`prompt=login`): when it began on the monotonic clock (fresh-auth.ts); the ID token's
   * auth_time must not be earlier. Null for a sign-in that may reuse a live session.
   */
  readonly freshAuthSince: number | null;
}

export type FlowOutcome = 'completed' | 'failed' | 'expired' | 'cancelled' | 'superseded' | 'exchanging';

const HISTORY = 32;

export function stateHash(state: string): string {
  return createHash('sha256').update(state).digest('base64url');
}

export class PendingFlows {
  private flow: PendingFlow | undefined;
  private timer: TimerHandle | undefined;
  private readonly history = new Map<string, FlowOutcome>();

  constructor(
    private readonly clock: Clock,
    private readonly timeoutMs: number,
    private readonly onEnded: (outcome: 'expired' | 'superseded' | 'cancelled') => void = () => undefined,
  ) {}

  /** Starts a flow, superseding any pending one. */
  begin(secrets: { state: string; nonce: string; codeVerifier: string; freshAuthSince?: number | null }): PendingFlow {
    if (this.flow) this.finish('superseded');
    const now = this.clock.now();
    const flow: PendingFlow = { ...secrets, freshAuthSince: secrets.freshAuthSince ?? null, createdAt: now, expiresAt: now + this.timeoutMs };
    this.flow = flow;
    this.timer = this.clock.setTimer(this.timeoutMs, () => {
      if (this.flow === flow) this.finish('expired');
    });
    return flow;
  }

  /** The pending flow, if any (one whose time is up counts as expired even before its timer fired). */
  current(): PendingFlow | undefined {
    if (this.flow && this.clock.now() >= this.flow.expiresAt) this.finish('expired');
    return this.flow;
  }

  /** The pending flow without the expiry side effect (callback checks decide about expiry themselves). */
  peek(): PendingFlow | undefined {
    return this.flow;
  }

  /** What became of a flow with this state, if it was one of the recent ones. */
  outcomeOf(state: string): FlowOutcome | undefined {
    return this.history.get(stateHash(state));
  }

  /** Takes the pending flow out for the code exchange: from now on its callback counts as a replay. */
  take(): PendingFlow | undefined {
    const flow = this.flow;
    if (!flow) return undefined;
    this.clear();
    this.record(flow.state, 'exchanging');
    return flow;
  }

  /** Records how a taken flow ended. */
  settle(flow: PendingFlow, outcome: 'completed' | 'failed'): void {
    this.record(flow.state, outcome);
  }

  cancel(): boolean {
    if (!this.flow) return false;
    this.finish('cancelled');
    return true;
  }

  /** Ends the pending flow with a failure (an IdP error answered it). */
  fail(): void {
    const flow = this.flow;
    if (!flow) return;
    this.clear();
    this.record(flow.state, 'failed');
  }

  private finish(outcome: 'expired' | 'superseded' | 'cancelled'): void {
    const flow = this.flow;
    if (!flow) return;
    this.clear();
    this.record(flow.state, outcome);
    this.onEnded(outcome);
  }

  private clear(): void {
    this.timer?.cancel();
    this.timer = undefined;
    this.flow = undefined;
  }

  private record(state: string, outcome: FlowOutcome): void {
    const key = stateHash(state);
    this.history.delete(key);
    this.history.set(key, outcome);
    while (this.history.size > HISTORY) {
      const oldest = this.history.keys().next().value;
      if (oldest === undefined) break;
      this.history.delete(oldest);
    }
  }
}
