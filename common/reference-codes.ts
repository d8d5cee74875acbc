/**
 * Reference codes people read out to IT ("SI-THROTTLED"): one per error code of main/errors.ts (a unit test keeps
 * the two lists and the table in docs/it-guide.md in step), plus the few the renderer raises itself. Short, stable,
 * never reused for another meaning; the screen shows the code under the plain-words message.
 * No imports: main, preload and renderer may all use this file.
 */
export const REFERENCE_CODES = {
  config_invalid: 'SI-CONFIG',
  config_missing: 'SI-NO-CONFIG',
  identity_config: 'SI-ROLE-SETUP',
  discovery_failed: 'SI-NO-SERVICE',
  endpoint_untrusted: 'SI-UNTRUSTED',
  no_pending_flow: 'SI-NO-FLOW',
  state_mismatch: 'SI-LINK-MISMATCH',
  flow_expired: 'SI-TIMEOUT',
  flow_cancelled: 'SI-CANCELLED',
  callback_rejected: 'SI-LINK-IGNORED',
  idp_error: 'SI-IDP',
  access_denied: 'SI-DENIED',
  token_invalid: 'SI-TOKEN',
  clock_skew: 'SI-CLOCK',
  reauth_required: 'SI-REAUTH',
  refresh_rejected: 'SI-EXPIRED',
  account_disabled: 'SI-DISABLED',
  keychain_unavailable: 'SI-KEYCHAIN',
  keychain_locked: 'SI-KEYCHAIN-LOCKED',
  storage_unavailable: 'SI-DISK',
  network: 'SI-NETWORK',
  server_error: 'SI-SERVICE',
  throttled: 'SI-THROTTLED',
  not_authorized: 'SI-NO-ACCESS',
  sync_limit: 'SI-SETTINGS-FULL',
  sync_conflict: 'SI-SETTINGS-CONFLICT',
  locked: 'SI-LOCKED',
  signed_out: 'SI-SIGNED-OUT',
  illegal_transition: 'SI-NOT-NOW',
  invalid_request: 'SI-INVALID',
  internal: 'SI-INTERNAL',
  // Raised by the renderer itself, not by main's taxonomy.
  /** The terminal has no network at all (the offline screen). */
  offline: 'SI-OFFLINE',
  /** An IPC call to main threw instead of answering. */
  no_answer: 'SI-NO-ANSWER',
  /** The first getSession() failed: the sign-in service of main did not start. */
  start_failed: 'SI-START',
  /** The person's saved preferences could not be read (they are tried again at the next sign-in). */
  settings_read_failed: 'SI-SETTINGS-READ',
} as const satisfies Record<string, `SI-${string}`>;

export type ReferenceKey = keyof typeof REFERENCE_CODES;

/** The reference code of an error code; unknown codes (a newer main, a typo) read as SI-INTERNAL. */
export function referenceCode(code: string): string {
  return Object.hasOwn(REFERENCE_CODES, code) ? REFERENCE_CODES[code as ReferenceKey] : REFERENCE_CODES.internal;
}
