/**
 * The IAM policy of the settings table, evaluated locally the way IAM would for the documented role
 * policy (docs/settings-sync.md):
 *
 *   Allow dynamodb:GetItem, PutItem, UpdateItem, DeleteItem, Query, BatchGetItem, BatchWriteItem
 *   on arn:aws:dynamodb:<region>:<account>:table/<table>
 *   when ForAllValues:StringEquals dynamodb:LeadingKeys = ${cognito-identity.amazonaws.com:sub}
 *
 * Every partition-key value the request names (Key, Item, the equality in KeyConditionExpression or
 * KeyConditions, batch keys, ExclusiveStartKey) must be the caller's identity id. Anything else, any
 * other operation, table or an index is refused with AccessDeniedException in IAM's wording. Stricter
 * than IAM in one way: a request that names no partition key at all is refused too.
 *
 * The case-board table (docs/or-views.md) has role policies instead, one per demo role, as IT would attach them:
 *
 *   Nurses, Anesthesiologists, ChargeNurses: Allow dynamodb:GetItem, Query on table/<cases>
 *   ChargeNurses also: Allow dynamodb:UpdateItem on table/<cases> when
 *     ForAllValues:StringEquals dynamodb:Attributes = [roomDay, slot, status] and
 *     StringEqualsIfExists dynamodb:ReturnValues = [NONE, UPDATED_OLD, UPDATED_NEW]
 *   every other role (Surgeons, ItAdmins, the default authenticated role) and guests: nothing
 *
 * `dynamodb:Attributes` is every attribute name the request names: the key, the update and condition
 * expressions (names resolved) and the legacy AttributeUpdates / Expected maps.
 */
import { z } from 'zod';
import type { IssuedCredentials } from '../identity-pool/index';
import { DynamoDbError } from './errors';

export const ALLOWED_OPERATIONS = new Set<string>(['GetItem', 'PutItem', 'UpdateItem', 'DeleteItem', 'Query', 'BatchGetItem', 'BatchWriteItem']);

export interface PolicyContext {
  region: string;
  accountId: string;
  tableName: string;
  partitionKey: string;
  /** Whether guest (unauthenticated-role) credentials may use the table. */
  allowGuests: boolean;
  /** The case-board table and the roles allowed on it (absent: no such table, every request to it refused). */
  caseBoard?: CaseBoardPolicy;
}

export interface CaseBoardPolicy {
  tableName: string;
  /** Role ARNs allowed GetItem and Query. */
  readers: readonly string[];
  /** Role ARNs allowed UpdateItem of `writableAttributes` only. */
  statusWriters: readonly string[];
  /** `dynamodb:Attributes` of the status update: the two key attributes and the status. */
  writableAttributes: readonly string[];
}

const AttributeValue = z.record(z.string(), z.unknown());
const KeyMap = z.record(z.string(), AttributeValue);
const ExpressionNames = z.record(z.string(), z.string()).optional();
const ExpressionValues = z.record(z.string(), AttributeValue).optional();

const TableRequest = z.looseObject({ TableName: z.string().optional() });
const KeyRequest = z.looseObject({ TableName: z.string(), Key: KeyMap });
const PutRequest = z.looseObject({ TableName: z.string(), Item: KeyMap });
const QueryRequest = z.looseObject({
  TableName: z.string(),
  IndexName: z.string().optional(),
  KeyConditionExpression: z.string().optional(),
  KeyConditions: z.record(z.string(), z.looseObject({ ComparisonOperator: z.string(), AttributeValueList: z.array(AttributeValue).optional() })).optional(),
  ExpressionAttributeNames: ExpressionNames,
  ExpressionAttributeValues: ExpressionValues,
  ExclusiveStartKey: KeyMap.optional(),
});
const BatchGetRequest = z.looseObject({ RequestItems: z.record(z.string(), z.looseObject({ Keys: z.array(KeyMap) })) });
const BatchWriteRequest = z.looseObject({
  RequestItems: z.record(
    z.string(),
    z.array(z.looseObject({ PutRequest: z.looseObject({ Item: KeyMap }).optional(), DeleteRequest: z.looseObject({ Key: KeyMap }).optional() })),
  ),
});

function stringValue(value: Record<string, unknown> | undefined): string | undefined {
  const s = value?.S;
  return typeof s === 'string' ? s : undefined;
}

/** The partition-key values named by a KeyConditionExpression (`pk = :v` or `:v = pk`, names resolved). */
function leadingKeysOfExpression(
  expression: string,
  names: Record<string, string> | undefined,
  values: Record<string, Record<string, unknown>> | undefined,
  partitionKey: string,
): (string | undefined)[] {
  const resolve = (token: string): string => (token.startsWith('#') ? (names?.[token] ?? token) : token);
  const found: (string | undefined)[] = [];
  const pattern = /([#:]?[\w.]+)\s*=\s*([#:]?[\w.]+)/g;
  for (const m of expression.matchAll(pattern)) {
    const left = m[1] ?? '';
    const right = m[2] ?? '';
    const [name, value] = left.startsWith(':') ? [right, left] : [left, right];
    if (resolve(name) !== partitionKey) continue;
    found.push(value.startsWith(':') ? stringValue(values?.[value]) : undefined);
  }
  return found;
}

type DenyReason = 'no-policy' | 'condition';

/** AccessDeniedException in IAM's wording (which words a failed condition of an Allow like a missing Allow). */
function accessDenied(operation: string, caller: IssuedCredentials, ctx: PolicyContext, table: string, reason: DenyReason): never {
  const roleName = caller.roleArn.split('/').pop() ?? 'unknown';
  const tableArn = `arn:aws:dynamodb:${ctx.region}:${ctx.accountId}:table/${table}`;
  // The reason is kept for readers of the checks (and as a debugging hint): IAM does not tell them apart.
  if (process.env.LOCAL_COGNITO_DEBUG) process.stderr.write(`local-cognito dynamodb: denied ${operation} (${reason})\n`);
  const action = `dynamodb:${operation}`;
  throw new DynamoDbError(
    'AccessDeniedException',
    `User: arn:aws:sts::${ctx.accountId}:assumed-role/${roleName}/CognitoIdentityCredentials is not authorized to perform: ${action} on resource: ${tableArn} because no identity-based policy allows the ${action} action`,
  );
}

/** The tables a request names (TableName, or the keys of RequestItems for batch operations). */
function tablesOf(body: unknown): string[] {
  const single = TableRequest.safeParse(body).data?.TableName;
  if (single !== undefined) return [single];
  const batch = z.looseObject({ RequestItems: z.record(z.string(), z.unknown()) }).safeParse(body);
  return batch.success ? Object.keys(batch.data.RequestItems) : [];
}

/** Throws AccessDeniedException unless the request is allowed: the case-board role policies, or the settings policy (own items only). */
export function authorize(operation: string, body: unknown, caller: IssuedCredentials, ctx: PolicyContext): void {
  const board = ctx.caseBoard;
  const tables = tablesOf(body);
  if (board && tables.includes(board.tableName)) {
    // A batch naming the case board and another table is refused as a whole: the board allows no batch operation.
    authorizeCaseBoard(operation, body, caller, ctx, board);
    return;
  }
  authorizeSettings(operation, body, caller, ctx);
}

function authorizeSettings(operation: string, body: unknown, caller: IssuedCredentials, ctx: PolicyContext): void {
  const deny = (reason: DenyReason): never => accessDenied(operation, caller, ctx, TableRequest.safeParse(body).data?.TableName ?? ctx.tableName, reason);
  if (!ALLOWED_OPERATIONS.has(operation)) deny('no-policy');
  if (!caller.authenticated && !ctx.allowGuests) deny('no-policy');

  const own = (value: string | undefined): boolean => value !== undefined && value === caller.identityId;
  const checkTable = (table: string): void => {
    if (table !== ctx.tableName) deny('no-policy');
  };
  const checkKeys = (keys: Record<string, Record<string, unknown>>[]): void => {
    for (const key of keys) if (!own(stringValue(key[ctx.partitionKey]))) deny('condition');
  };
  const parse = <T>(schema: z.ZodType<T>): T => {
    const parsed = schema.safeParse(body);
    if (!parsed.success) deny('condition');
    return parsed.data as T;
  };

  switch (operation) {
    case 'GetItem':
    case 'DeleteItem':
    case 'UpdateItem': {
      const req = parse(KeyRequest);
      checkTable(req.TableName);
      checkKeys([req.Key]);
      return;
    }
    case 'PutItem': {
      const req = parse(PutRequest);
      checkTable(req.TableName);
      checkKeys([req.Item]);
      return;
    }
    case 'Query': {
      const req = parse(QueryRequest);
      checkTable(req.TableName);
      if (req.IndexName !== undefined) deny('no-policy');
      const leading: (string | undefined)[] = [];
      if (req.KeyConditionExpression !== undefined) {
        leading.push(...leadingKeysOfExpression(req.KeyConditionExpression, req.ExpressionAttributeNames, req.ExpressionAttributeValues, ctx.partitionKey));
      }
      const legacy = req.KeyConditions?.[ctx.partitionKey];
      if (legacy) leading.push(legacy.ComparisonOperator === 'EQ' ? stringValue(legacy.AttributeValueList?.[0]) : undefined);
      if (leading.length === 0 || !leading.every(own)) deny('condition');
      if (req.ExclusiveStartKey) checkKeys([req.ExclusiveStartKey]);
      return;
    }
    case 'BatchGetItem': {
      const req = parse(BatchGetRequest);
      for (const [table, entry] of Object.entries(req.RequestItems)) {
        checkTable(table);
        checkKeys(entry.Keys);
      }
      return;
    }
    case 'BatchWriteItem': {
      const req = parse(BatchWriteRequest);
      for (const [table, writes] of Object.entries(req.RequestItems)) {
        checkTable(table);
        for (const w of writes) {
          const key = w.PutRequest?.Item ?? w.DeleteRequest?.Key;
          if (!key) deny('condition');
          else checkKeys([key]);
        }
      }
      return;
    }
    default:
      deny('no-policy');
  }
}

const UpdateRequest = z.looseObject({
  TableName: z.string(),
  Key: KeyMap,
  UpdateExpression: z.string().optional(),
  ConditionExpression: z.string().optional(),
  ExpressionAttributeNames: ExpressionNames,
  AttributeUpdates: z.record(z.string(), z.unknown()).optional(),
  Expected: z.record(z.string(), z.unknown()).optional(),
  ReturnValues: z.string().optional(),
});

/** Words of the expression grammar that are not attribute names (functions, operators, clause keywords). */
const EXPRESSION_WORDS = new Set(
  ['SET', 'REMOVE', 'ADD', 'DELETE', 'AND', 'OR', 'NOT', 'BETWEEN', 'IN', 'attribute_exists', 'attribute_not_exists', 'attribute_type', 'begins_with', 'contains', 'size', 'if_not_exists', 'list_append'].map((w) => w.toLowerCase()),
);

/** Every top-level attribute name an update or condition expression names (`#n` resolved; `:v` values skipped). */
export function attributeNamesOf(expression: string, names: Record<string, string> | undefined): string[] {
  const found: string[] = [];
  // A path element: `#name`, `:value` or a bare name; what follows a `.` or sits inside `[...]` is a nested path, not a top-level attribute.
  for (const m of expression.matchAll(/(^|[^.\w#:])([#:]?[A-Za-z_][\w]*)/g)) {
    const token = m[2] ?? '';
    if (token.startsWith(':')) continue;
    if (token.startsWith('#')) found.push(names?.[token] ?? token);
    else if (!EXPRESSION_WORDS.has(token.toLowerCase())) found.push(token);
  }
  return found;
}

const STATUS_RETURN_VALUES = new Set(['NONE', 'UPDATED_OLD', 'UPDATED_NEW']);

/** The case-board role policies (see the header): read for the reader roles, the status update for the charge nurses. */
function authorizeCaseBoard(operation: string, body: unknown, caller: IssuedCredentials, ctx: PolicyContext, board: CaseBoardPolicy): void {
  const deny = (reason: DenyReason): never => accessDenied(operation, caller, ctx, board.tableName, reason);
  const tables = tablesOf(body);
  if (tables.length !== 1) deny('no-policy');
  if (!caller.authenticated) deny('no-policy');
  switch (operation) {
    case 'GetItem':
      if (!board.readers.includes(caller.roleArn)) deny('no-policy');
      return;
    case 'Query': {
      if (!board.readers.includes(caller.roleArn)) deny('no-policy');
      const req = QueryRequest.safeParse(body);
      // The policies name the table, not its indexes.
      if (!req.success || req.data.IndexName !== undefined) deny('no-policy');
      return;
    }
    case 'UpdateItem': {
      if (!board.statusWriters.includes(caller.roleArn)) deny('no-policy');
      const parsed = UpdateRequest.safeParse(body);
      if (!parsed.success) return deny('condition');
      const req = parsed.data;
      const named = [
        ...Object.keys(req.Key),
        ...(req.UpdateExpression ? attributeNamesOf(req.UpdateExpression, req.ExpressionAttributeNames) : []),
        ...(req.ConditionExpression ? attributeNamesOf(req.ConditionExpression, req.ExpressionAttributeNames) : []),
        ...Object.keys(req.AttributeUpdates ?? {}),
        ...Object.keys(req.Expected ?? {}),
      ];
      if (!named.every((name) => board.writableAttributes.includes(name))) deny('condition');
      if (req.ReturnValues !== undefined && !STATUS_RETURN_VALUES.has(req.ReturnValues)) deny('condition');
      return;
    }
    default:
      deny('no-policy');
  }
}
