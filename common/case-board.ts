/**
 * The case-board table's item contract, shared by the renderer (which reads and parses it) and local-cognito (which
 * seeds it): partition key `roomDay` = `<room>#<YYYY-MM-DD>` (the terminal id and its local date), sort key
 * `slot` = `<HH:MM>#<caseId>`, and the statuses a case goes through. Nothing here imports anything.
 */
export const CASE_TABLE_KEYS = { partitionKey: 'roomDay', sortKey: 'slot', status: 'status' } as const;

export const CASE_STATUSES = ['scheduled', 'in-room', 'in-progress', 'closing', 'done'] as const;
export type CaseStatus = (typeof CASE_STATUSES)[number];

/** The local calendar date of `ms` as `YYYY-MM-DD` (the terminal's time zone). */
export function localDay(ms: number): string {
  const d = new Date(ms);
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
}

/** The partition key of a room's day. */
export function roomDayKey(room: string, ms: number): string {
  return `${room}#${localDay(ms)}`;
}

/** The status after `status`, or null when the case is done. */
export function nextStatus(status: CaseStatus): CaseStatus | null {
  return CASE_STATUSES[CASE_STATUSES.indexOf(status) + 1] ?? null;
}
