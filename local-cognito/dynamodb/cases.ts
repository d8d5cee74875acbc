/**
 * The case-board table ("Today in <terminal>", docs/or-views.md): one item per scheduled case, partition key
 * `roomDay` = `<room>#<YYYY-MM-DD>`, sort key `slot` = `<HH:MM>#<caseId>` (a Query returns the day in time order).
 * Created at start and filled with the demo schedule of yesterday, today and tomorrow (seed.ts) by the front's
 * own calls to dynalite, so no role policy is involved in seeding.
 */
import { CASE_TABLE_KEYS } from '../../common/case-board';
import { demoSchedule, type DemoCase } from '../seed';

export const CASES_TABLE = {
  name: 'ScrubInCases',
  partitionKey: CASE_TABLE_KEYS.partitionKey,
  sortKey: CASE_TABLE_KEYS.sortKey,
  /** The attribute the charge nurse may change (`dynamodb:Attributes` allows it and the two keys). */
  statusAttribute: CASE_TABLE_KEYS.status,
} as const;

/** CreateTable body of the case-board table. */
export function casesTableDefinition(tableName: string): Record<string, unknown> {
  return {
    TableName: tableName,
    BillingMode: 'PAY_PER_REQUEST',
    AttributeDefinitions: [
      { AttributeName: CASES_TABLE.partitionKey, AttributeType: 'S' },
      { AttributeName: CASES_TABLE.sortKey, AttributeType: 'S' },
    ],
    KeySchema: [
      { AttributeName: CASES_TABLE.partitionKey, KeyType: 'HASH' },
      { AttributeName: CASES_TABLE.sortKey, KeyType: 'RANGE' },
    ],
  };
}

function item(c: DemoCase): Record<string, { S: string }> {
  return {
    [CASES_TABLE.partitionKey]: { S: `${c.room}#${c.day}` },
    [CASES_TABLE.sortKey]: { S: `${c.startTime}#${c.caseId}` },
    caseId: { S: c.caseId },
    startTime: { S: c.startTime },
    procedure: { S: c.procedure },
    surgeon: { S: c.surgeon },
    [CASES_TABLE.statusAttribute]: { S: c.status },
  };
}

/** BatchWriteItem bodies (25 items each, DynamoDB's limit) that put the demo schedule around `now`. */
export function demoScheduleWrites(tableName: string, now: number): Record<string, unknown>[] {
  const items = demoSchedule(now).map(item);
  const batches: Record<string, unknown>[] = [];
  for (let i = 0; i < items.length; i += 25) {
    batches.push({ RequestItems: { [tableName]: items.slice(i, i + 25).map((Item) => ({ PutRequest: { Item } })) } });
  }
  return batches;
}
