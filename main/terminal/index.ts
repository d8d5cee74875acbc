export { createTerminalSession, type TerminalSession, type TerminalSessionOptions } from './session';
export { openAuditLog, verifyAuditLog, verifyAuditBuffer, type AuditLog, type AuditLogEvent, type OpenAuditLogOptions, type VerifyResult } from './audit';
export type { AuditEntry, AuditRecord, AuditUser } from './audit-record';
export { TRANSITIONS, transition, canTransition, gateOf, INITIAL_STATE, type MachineEvent, type MachineState, type Phase } from './machine';
export type {
  CredentialsFactory,
  GateState,
  IdTokenSource,
  SettingsFactory,
  SignOutOutcome,
  StagedSignIn,
  TerminalAuth,
  TerminalAuthSession,
  TerminalAwsCredentials,
  TerminalCredentials,
  TerminalSettings,
  TerminalSettingsChange,
} from './ports';
