/**
 * One error taxonomy for the whole app, from the sign-in core to the UI.
 *
 * Every failure the user can meet is a `ScrubInError` with a stable `code`, a plain-language
 * `userMessage` that says what happened and what to do next, whether retrying can help, and the
 * underlying `cause` (kept in main, never sent to the renderer). Messages never contain tokens,
 * codes, passwords or credentials: callers pass only safe `detail` strings.
 */

export const ERROR_CODES = {
  // configuration
  config_invalid: { retryable: false, message: 'Scrub In is not configured correctly. Ask hospital IT to check the configuration file.' },
  config_missing: { retryable: false, message: 'Scrub In has no configuration on this terminal. Ask hospital IT to install one.' },
  identity_config: { retryable: false, message: 'The AWS access for this hospital is not set up for your role. Ask hospital IT to check the identity pool roles.' },
  // sign-in flow
  discovery_failed: { retryable: true, message: 'The sign-in service cannot be reached. Check the network cable or Wi-Fi, then try again.' },
  endpoint_untrusted: {
    retryable: false,
    message: "The sign-in service gave an address that is not the hospital's sign-in service, so Scrub In stopped for your safety. Ask hospital IT.",
  },
  no_pending_flow: { retryable: false, message: 'That sign-in link was not started on this terminal. Press "Sign in" to start again.' },
  state_mismatch: { retryable: false, message: 'That sign-in link does not belong to the sign-in in progress. Press "Sign in" to start again.' },
  flow_expired: { retryable: false, message: 'The sign-in took too long and was stopped. Press "Sign in" to start again.' },
  flow_cancelled: { retryable: false, message: 'Sign-in was cancelled.' },
  callback_rejected: { retryable: false, message: 'A sign-in link that did not come from this terminal was ignored.' },
  idp_error: { retryable: false, message: 'The sign-in service refused the sign-in. Try again, or ask hospital IT if it keeps happening.' },
  access_denied: { retryable: false, message: 'Sign-in was denied. If you should have access, ask hospital IT.' },
  token_invalid: { retryable: false, message: 'The sign-in response could not be verified and was rejected. Try again; if it keeps happening, ask hospital IT.' },
  clock_skew: { retryable: false, message: "This terminal's clock is wrong, so sign-in cannot be verified. Ask hospital IT to correct the date and time." },
  reauth_required: { retryable: false, message: 'Sign-in was not confirmed with your password. Try again.' },
  refresh_rejected: { retryable: false, message: 'Your session has ended. Please sign in again.' },
  account_disabled: { retryable: false, message: 'This account is disabled. Ask hospital IT.' },
  // keychain
  keychain_unavailable: { retryable: true, message: "The terminal's secure password store is not available. Restart the terminal; if it persists, ask hospital IT." },
  keychain_locked: { retryable: true, message: "The terminal's secure password store is locked. Unlock it (or sign in to the computer again), then retry." },
  storage_unavailable: {
    retryable: true,
    message: 'This terminal could not save what it needs to end your session safely (its disk may be full or blocked), so you were not signed in. Try again; if it keeps happening, ask hospital IT.',
  },
  // transport and service
  network: { retryable: true, message: 'The sign-in service cannot be reached. Check the network cable or Wi-Fi and try again; nothing you were doing is lost.' },
  server_error: { retryable: true, message: 'The sign-in service had a problem. Try again in a moment; if it keeps happening, ask hospital IT.' },
  throttled: { retryable: true, message: 'The sign-in service is busy. Wait a few seconds and try again.' },
  not_authorized: { retryable: false, message: 'AWS access was refused for this session. Sign in again.' },
  // settings sync
  sync_limit: { retryable: false, message: 'This setting could not be saved because your saved settings are full. Remove settings you no longer need, or ask hospital IT.' },
  sync_conflict: { retryable: true, message: 'Your settings changed on another terminal at the same moment. They will be synchronised again shortly.' },
  // terminal policy
  locked: { retryable: false, message: 'The terminal is locked. Unlock it to continue.' },
  signed_out: { retryable: false, message: 'Nobody is signed in. Sign in to continue.' },
  illegal_transition: { retryable: false, message: 'That action is not possible right now.' },
  invalid_request: { retryable: false, message: 'The request was not valid and was ignored.' },
  internal: { retryable: false, message: 'Something went wrong inside Scrub In. Try again; if it keeps happening, ask hospital IT.' },
} as const satisfies Record<string, { retryable: boolean; message: string }>;

export type ErrorCode = keyof typeof ERROR_CODES;

export interface ErrorOptions {
  /** Technical, secret-free detail for logs and IT (e.g. "HTTP 503 from token endpoint"). */
  detail?: string;
  /** Overrides the default user message for the code (must stay plain language and secret-free). */
  userMessage?: string;
  /** Overrides the code's default retryability. */
  retryable?: boolean;
  /**
   * With `userMessage`: names that message for the renderer's catalogues (`errorVariants.<variant>` in
   * renderer/src/i18n), so it is shown in the terminal's language. Lower case and underscores.
   */
  variant?: string;
  cause?: unknown;
}

export class ScrubInError extends Error {
  readonly code: ErrorCode;
  readonly userMessage: string;
  readonly retryable: boolean;
  readonly detail: string | undefined;
  readonly variant: string | undefined;

  constructor(code: ErrorCode, options: ErrorOptions = {}) {
    const spec = ERROR_CODES[code];
    super(options.detail ? `${code}: ${options.detail}` : code, { cause: options.cause });
    this.name = 'ScrubInError';
    this.code = code;
    this.userMessage = options.userMessage ?? spec.message;
    this.retryable = options.retryable ?? spec.retryable;
    this.detail = options.detail;
    this.variant = options.variant;
  }

  /** The only shape of an error that may cross to the renderer. */
  toView(): ErrorView {
    return { code: this.code, message: this.userMessage, retryable: this.retryable, ...(this.variant === undefined ? {} : { variant: this.variant }) };
  }
}

export interface ErrorView {
  code: ErrorCode;
  message: string;
  retryable: boolean;
  variant?: string;
}

export function isScrubInError(error: unknown, code?: ErrorCode): error is ScrubInError {
  return error instanceof ScrubInError && (code === undefined || error.code === code);
}

/** Wraps anything thrown into the taxonomy without losing the cause; known errors pass through. */
export function toScrubInError(error: unknown, fallback: ErrorCode = 'internal', detail?: string): ScrubInError {
  if (error instanceof ScrubInError) return error;
  return new ScrubInError(fallback, { cause: error, ...(detail === undefined ? {} : { detail }) });
}
