/**
 * Whom the provider's credentials are for, and the gate they pass. Every fetch carries the generation it started
 * in: a drop (sign-out, switch) starts a new one, so nothing fetched for an ended session is cached or handed out.
 * The gate is the terminal session's state; credentials leave only while it is `open`.
 */
import type { Clock } from '../clock';
import { ScrubInError } from '../errors';
import { roleClaims, type IdTokenSource } from './id-token';
import type { AwsCredentials, CredentialsEvent, CredentialsRequest, GateState } from './types';

export type UserSubject = { kind: 'user'; sub: string; customRole: string | null };
export type Subject = UserSubject | { kind: 'guest' };

/** One credentials fetch: the generation it started in, and whether its ID token was refreshed once already. */
export interface Context {
  readonly gen: number;
  tokenRefreshed: boolean;
}

export const GUEST_KEY = 'g';

/** The start of every credentials key of the user `sub` (one key per requested role). */
export function userKeyPrefix(sub: string): string {
  return `u\u0000${sub}\u0000`;
}

/** The credentials key of a subject: user + requested role, or the one guest entry. */
export function keyOf(subject: Subject): string {
  return subject.kind === 'guest' ? GUEST_KEY : `${userKeyPrefix(subject.sub)}${subject.customRole ?? ''}`;
}

export type DropReason = 'drop' | 'sign-out' | 'switch';

export interface ProviderSessionOptions {
  gate: () => GateState;
  idTokens: IdTokenSource;
  /** `identityPool.customRoleArn`: the role requested when a call names none. */
  customRoleArn: string | null;
  clock: Clock;
  emit: (event: CredentialsEvent) => void;
  /** Whether credentials are held or being fetched: a gate found signed out then drops them. */
  holdsCredentials: () => boolean;
}

export class ProviderSession {
  /** A guest session is active (started on purpose; ends at sign-in linking, `endGuest` or a drop). */
  guestActive = false;
  private generation = 0;
  private activeSub: string | undefined;
  private readonly dropHandlers: Array<() => void> = [];

  constructor(private readonly options: ProviderSessionOptions) {}

  /** `handler` runs at every drop, before the drop is reported. */
  onDrop(handler: () => void): void {
    this.dropHandlers.push(handler);
  }

  drop(reason: DropReason): void {
    this.generation += 1;
    for (const handler of this.dropHandlers) handler();
    this.guestActive = false;
    this.activeSub = undefined;
    this.options.emit({ type: 'dropped', reason });
  }

  newContext(): Context {
    return { gen: this.generation, tokenRefreshed: false };
  }

  /** Whether work started in `gen` still belongs to the current session (no drop since). */
  isCurrent(gen: number): boolean {
    return gen === this.generation;
  }

  ensureOpen(): void {
    const state = this.options.gate();
    if (state === 'open') return;
    if (state === 'signed-out') {
      if (this.options.holdsCredentials() || this.guestActive) this.drop('sign-out');
      this.options.emit({ type: 'refused', reason: 'signed-out' });
      throw new ScrubInError('signed_out', { detail: 'AWS credentials refused: nobody is signed in' });
    }
    this.options.emit({ type: 'refused', reason: 'locked' });
    throw new ScrubInError('locked', { detail: 'AWS credentials refused: the terminal is locked' });
  }

  /** Before each AWS call and after each answer: the gate is open and the session the same. */
  checkpoint(ctx: Context): void {
    this.ensureOpen();
    if (!this.isCurrent(ctx.gen)) throw this.sessionChanged();
  }

  sessionChanged(): ScrubInError {
    this.options.emit({ type: 'refused', reason: 'session-changed' });
    return new ScrubInError('signed_out', { detail: 'the session changed while AWS credentials were being fetched' });
  }

  /**
   * The subject of a request: the signed-in user (another user than the last one drops the session first) with the
   * requested role, checked against the ID token's `cognito:roles` before any AWS call; else the active guest.
   */
  resolveSubject(request: CredentialsRequest): Subject {
    const token = this.options.idTokens.current();
    if (token) {
      if (this.activeSub !== undefined && this.activeSub !== token.sub) this.drop('switch');
      this.activeSub = token.sub;
      const requested = request.roleArn ?? this.options.customRoleArn;
      if (requested !== null && !roleClaims(token.idToken).roles.includes(requested)) {
        if (request.roleArn !== undefined) {
          throw new ScrubInError('not_authorized', {
            detail: `requested role ${requested} is not in the user's cognito:roles`,
            userMessage: 'Your account is not allowed to use the AWS role that was requested. Ask hospital IT if you need it.',
            variant: 'role_not_allowed',
          });
        }
        throw new ScrubInError('identity_config', {
          detail: `identityPool.customRoleArn ${requested} is not in the user's cognito:roles (the user's groups do not grant it)`,
        });
      }
      return { kind: 'user', sub: token.sub, customRole: requested };
    }
    if (request.roleArn !== undefined) {
      throw new ScrubInError('invalid_request', { detail: 'a role cannot be requested for guest credentials' });
    }
    if (this.guestActive) return { kind: 'guest' };
    throw new ScrubInError('signed_out', { detail: 'AWS credentials refused: nobody is signed in and no guest session is active' });
  }

  /** Final check at hand-out time: gate open, same session, same principal, not expired. */
  deliver(creds: AwsCredentials, subject: Subject, gen: number): AwsCredentials {
    this.ensureOpen();
    if (!this.isCurrent(gen) || !this.stillCurrent(subject)) throw this.sessionChanged();
    if (this.options.clock.now() >= creds.expiration) {
      throw new ScrubInError('server_error', { detail: 'the AWS credentials expired before they could be handed out' });
    }
    return { ...creds };
  }

  private stillCurrent(subject: Subject): boolean {
    const token = this.options.idTokens.current();
    return subject.kind === 'user' ? token?.sub === subject.sub : this.guestActive && token === null;
  }
}
