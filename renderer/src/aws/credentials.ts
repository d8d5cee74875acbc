/**
 * The renderer's AWS credential provider for the AWS SDK for JavaScript v3: `fromScrubIn()` returns an
 * `AwsCredentialIdentityProvider` backed by `window.scrubin.getCredentials()`.
 *
 * - Cached until `refreshMarginMs` before they expire (default 4 minutes: inside main's own refresh-ahead of
 *   5 to 7 minutes, so when the renderer asks again main already holds the next credentials).
 * - Single-flight: concurrent SDK calls share one request to main.
 * - Refused with a typed `CredentialsUnavailableError` while the terminal is locked or nobody is signed in
 *   (known from the session push, so no request is even made), and when main refuses.
 * - Dropped from memory the moment the session changes (lock, sign-out, switch, another person or role): the
 *   session push clears the cache and any answer still on its way is thrown away, never handed to the SDK.
 *   On sign-out and switch main also reloads the whole renderer (main/shell/reload.ts).
 *
 * Usage (docs/or-views.md): `new DynamoDBClient({ region, endpoint, credentials: fromScrubIn() })`. The provider
 * says it is `memoized`, so the SDK asks it before every request instead of keeping a copy of its own.
 */
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from '@smithy/types';
import type { ScrubInBridge, SessionView } from '../../../common/contract';

export type CredentialsUnavailableReason = 'locked' | 'signed-out' | 'session-changed' | 'refused';

/** Why the provider gave no credentials; `code` is main's error code (or the reason), `message` plain words for the screen. */
export class CredentialsUnavailableError extends Error {
  override readonly name = 'CredentialsUnavailableError';
  constructor(
    readonly reason: CredentialsUnavailableReason,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export interface ScrubInCredentialsOptions {
  /** Default `window.scrubin`. */
  bridge?: Pick<ScrubInBridge, 'getCredentials' | 'onSessionChanged'>;
  /** Milliseconds since the epoch (tests pass a fake clock). Default Date.now. */
  now?: () => number;
  /** Fetch new credentials this long before the cached ones expire. Default 4 minutes. */
  refreshMarginMs?: number;
  /** A role of the person's `cognito:roles` to ask for instead of their preferred role. */
  roleArn?: string;
}

export type ScrubInCredentialProvider = AwsCredentialIdentityProvider & {
  /**
   * Tells the AWS SDK this provider caches by itself. Without it the SDK wraps the provider in its own cache and
   * keeps signing with the previous person's credentials after a switch, until they near their expiry.
   */
  readonly memoized: true;
  /** Forgets the cached credentials now (the session push does this by itself). */
  drop(): void;
  /** Stops listening to session changes and drops the cache. */
  dispose(): void;
};

export const DEFAULT_REFRESH_MARGIN_MS = 4 * 60_000;

const MESSAGES = {
  locked: 'The terminal is locked. Unlock it to continue.',
  signedOut: 'Nobody is signed in. Sign in to continue.',
  sessionChanged: 'The person signed in to this terminal changed, so that request was stopped.',
} as const;

/** Session states in which main hands out credentials. */
const OPEN_STATES: ReadonlySet<SessionView['state']> = new Set(['signed-in', 'guest']);

/** Whose credentials, in which state: a change of either drops them (the role shown may fill in later: not part of it). */
function sessionKey(view: SessionView): string {
  return JSON.stringify([view.state, view.user?.username ?? null]);
}

export function fromScrubIn(options: ScrubInCredentialsOptions = {}): ScrubInCredentialProvider {
  const bridge = options.bridge ?? window.scrubin;
  const now = options.now ?? Date.now;
  const margin = Math.max(0, options.refreshMarginMs ?? DEFAULT_REFRESH_MARGIN_MS);
  const request = options.roleArn === undefined ? undefined : { roleArn: options.roleArn };

  let cached: AwsCredentialIdentity | null = null;
  let inflight: Promise<AwsCredentialIdentity> | null = null;
  /** Bumped on every drop: an answer that arrives for an older epoch is thrown away. */
  let epoch = 0;
  /** The last pushed session (null until the first push: then main's gate decides). */
  let session: { key: string; state: SessionView['state'] } | null = null;

  const drop = (): void => {
    epoch++;
    cached = null;
    inflight = null;
  };

  const unsubscribe = bridge.onSessionChanged((view) => {
    const key = sessionKey(view);
    // The first push only tells the state a request already in flight was made in: drop if that state is closed.
    if (session ? session.key !== key : !OPEN_STATES.has(view.state)) drop();
    session = { key, state: view.state };
  });

  const refusedByState = (): CredentialsUnavailableError | null => {
    if (!session || OPEN_STATES.has(session.state)) return null;
    return session.state === 'locked' || session.state === 'unlocking'
      ? new CredentialsUnavailableError('locked', 'locked', MESSAGES.locked)
      : new CredentialsUnavailableError('signed-out', 'signed_out', MESSAGES.signedOut);
  };

  const fetchCredentials = async (mine: number): Promise<AwsCredentialIdentity> => {
    const result = await bridge.getCredentials(request);
    if (mine !== epoch) throw new CredentialsUnavailableError('session-changed', 'session_changed', MESSAGES.sessionChanged);
    if (!result.ok) {
      const { code, message } = result.error;
      const reason: CredentialsUnavailableReason = code === 'locked' ? 'locked' : code === 'signed_out' ? 'signed-out' : 'refused';
      throw new CredentialsUnavailableError(reason, code, message);
    }
    const c = result.value;
    const identity: AwsCredentialIdentity = {
      accessKeyId: c.accessKeyId,
      secretAccessKey: c.secretAccessKey,
      sessionToken: c.sessionToken,
      expiration: new Date(c.expiration),
    };
    cached = identity;
    return identity;
  };

  const provider = (async () => {
    const refused = refusedByState();
    if (refused) throw refused;
    const current = cached;
    if (current?.expiration && current.expiration.getTime() - margin > now()) return current;
    if (!inflight) {
      const mine = epoch;
      const flight = fetchCredentials(mine).finally(() => {
        if (inflight === flight) inflight = null;
      });
      inflight = flight;
    }
    return inflight;
  }) as ScrubInCredentialProvider;
  // A plain property: the SDK sets it again on what it is given.
  (provider as { memoized: boolean }).memoized = true;
  provider.drop = drop;
  provider.dispose = () => {
    unsubscribe();
    drop();
  };
  return provider;
}
