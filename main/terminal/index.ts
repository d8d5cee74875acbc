/**
 * Owns the shared-terminal policy: the state machine, idle lock and shift cap, sign-in / unlock / switch / sign-out
 * steps around one state record, and the hash-chained audit log (with its OS-log copy). See docs/terminal-policy.md.
 */
export { createTerminalSession, type TerminalSession, type TerminalSessionOptions } from './session';
export { createTerminalDisplay, type TerminalDisplay, type TerminalDisplayOptions } from './display';
export { openAuditLog, verifyAuditLog, verifyAuditBuffer, type AuditLog, type AuditLogEvent, type OpenAuditLogOptions, type VerifyResult } from './audit';
export type { AuditEntry, AuditRecord, AuditUser } from './audit-record';
export { TRANSITIONS, transition, canTransition, gateOf, INITIAL_STATE, type MachineEvent, type MachineState, type Phase } from './machine';
/** The ports the terminal core is composed from (auth, credentials, settings), for main/app.ts and tests. */
export type * from './ports';
