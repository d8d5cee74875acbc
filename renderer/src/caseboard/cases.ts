/**
 * The case board's data: today's cases of one room read from DynamoDB with the signed-in person's credentials
 * (`fromScrubIn`), and the status update the charge nurse may make. Items are parsed with zod (a table is a trust
 * boundary: an item that does not parse is left out and counted, never shown half-read). Failures come back as a
 * `BoardProblem` kind; the screen words them (CaseBoard.tsx).
 */
import { ConditionalCheckFailedException, DynamoDBClient, QueryCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { z } from 'zod';
import { CASE_STATUSES, CASE_TABLE_KEYS, roomDayKey, type CaseStatus } from '../../../common/case-board';
import type { OrViewsView } from '../../../common/contract';
import { CredentialsUnavailableError, type ScrubInCredentialProvider } from '../aws/credentials';

export interface BoardCase {
  roomDay: string;
  slot: string;
  caseId: string;
  startTime: string;
  procedure: string;
  surgeon: string;
  status: CaseStatus;
}

export interface BoardDay {
  cases: BoardCase[];
  /** Items of the day that did not parse and are not shown. */
  unreadable: number;
}

/** Why a read or an update failed, for the screen to put in plain words. */
export type BoardProblemKind = 'access-denied' | 'paused' | 'not-found' | 'network' | 'failed';

export class BoardProblem extends Error {
  override readonly name = 'BoardProblem';
  constructor(
    readonly kind: BoardProblemKind,
    readonly detail: string,
  ) {
    super(`${kind}: ${detail}`);
  }
}

const S = (inner: z.ZodString = z.string().min(1).max(200)) => z.object({ S: inner });
const CaseItemSchema = z.object({
  [CASE_TABLE_KEYS.partitionKey]: S(),
  [CASE_TABLE_KEYS.sortKey]: S(),
  caseId: S(z.string().regex(/^[\w-]{1,40}$/)),
  startTime: S(z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/)),
  procedure: S(),
  surgeon: S(),
  [CASE_TABLE_KEYS.status]: z.object({ S: z.enum(CASE_STATUSES) }),
});

function toCase(item: unknown): BoardCase | null {
  const parsed = CaseItemSchema.safeParse(item);
  if (!parsed.success) return null;
  const i = parsed.data;
  return {
    roomDay: i.roomDay.S,
    slot: i.slot.S,
    caseId: i.caseId.S,
    startTime: i.startTime.S,
    procedure: i.procedure.S,
    surgeon: i.surgeon.S,
    status: i.status.S,
  };
}

/** Maps whatever the SDK or the provider threw to a problem kind (the raw message stays in `detail`, off the screen). */
export function toBoardProblem(error: unknown): BoardProblem {
  if (error instanceof BoardProblem) return error;
  if (error instanceof CredentialsUnavailableError) return new BoardProblem(error.reason === 'refused' ? 'failed' : 'paused', error.code);
  const name = error instanceof Error ? error.name : '';
  const detail = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  if (name === 'AccessDeniedException' || name === 'UnrecognizedClientException' || name === 'AccessDenied') return new BoardProblem('access-denied', name);
  if (error instanceof ConditionalCheckFailedException || name === 'ResourceNotFoundException') return new BoardProblem('not-found', name);
  if (name === 'AbortError') return new BoardProblem('paused', name);
  if (name === 'TypeError' || name === 'TimeoutError' || name === 'NetworkingError') return new BoardProblem('network', detail);
  return new BoardProblem('failed', detail);
}

export interface CaseBoardClient {
  /** The room's cases of the local day of `now`, in time order. */
  day(room: string, now: number, signal?: AbortSignal): Promise<BoardDay>;
  /** Sets a case's status (the charge nurse's role allows it; every other role gets `access-denied`). */
  setStatus(c: Pick<BoardCase, 'roomDay' | 'slot'>, status: CaseStatus, signal?: AbortSignal): Promise<void>;
  destroy(): void;
}

export function createCaseBoardClient(board: NonNullable<OrViewsView['caseBoard']>, credentials: ScrubInCredentialProvider): CaseBoardClient {
  const client = new DynamoDBClient({
    region: board.region,
    endpoint: board.endpoint,
    credentials,
    // Only the configured endpoint (it is on the allowlist): never an account-based endpoint of the SDK's choosing.
    accountIdEndpointMode: 'disabled',
    maxAttempts: 2,
  });
  const run = async <T>(work: () => Promise<T>): Promise<T> => {
    try {
      return await work();
    } catch (error) {
      throw toBoardProblem(error);
    }
  };
  return {
    day: (room, now, signal) =>
      run(async () => {
        const cases: BoardCase[] = [];
        let unreadable = 0;
        let start: Record<string, never> | undefined;
        // A day is a few dozen items at most; the pages are followed anyway (bounded).
        for (let page = 0; page < 10; page++) {
          const answer = await client.send(
            new QueryCommand({
              TableName: board.tableName,
              KeyConditionExpression: '#pk = :day',
              ExpressionAttributeNames: { '#pk': CASE_TABLE_KEYS.partitionKey },
              ExpressionAttributeValues: { ':day': { S: roomDayKey(room, now) } },
              ...(start ? { ExclusiveStartKey: start } : {}),
            }),
            signal ? { abortSignal: signal } : {},
          );
          for (const item of answer.Items ?? []) {
            const c = toCase(item);
            if (c) cases.push(c);
            else unreadable++;
          }
          start = answer.LastEvaluatedKey as Record<string, never> | undefined;
          if (!start) break;
        }
        cases.sort((a, b) => a.slot.localeCompare(b.slot));
        return { cases, unreadable };
      }),
    setStatus: (c, status, signal) =>
      run(async () => {
        await client.send(
          new UpdateItemCommand({
            TableName: board.tableName,
            Key: { [CASE_TABLE_KEYS.partitionKey]: { S: c.roomDay }, [CASE_TABLE_KEYS.sortKey]: { S: c.slot } },
            UpdateExpression: 'SET #status = :status',
            // Never creates a case: only an existing one changes.
            ConditionExpression: 'attribute_exists(#slot)',
            ExpressionAttributeNames: { '#status': CASE_TABLE_KEYS.status, '#slot': CASE_TABLE_KEYS.sortKey },
            ExpressionAttributeValues: { ':status': { S: status } },
          }),
          signal ? { abortSignal: signal } : {},
        );
      }),
    destroy: () => client.destroy(),
  };
}
