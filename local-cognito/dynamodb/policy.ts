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

/** Throws AccessDeniedException unless the request touches only the caller's own items. */
export function authorize(operation: string, body: unknown, caller: IssuedCredentials, ctx: PolicyContext): void {
  const roleName = caller.roleArn.split('/').pop() ?? 'unknown';
  const tableArn = `arn:aws:dynamodb:${ctx.region}:${ctx.accountId}:table/${TableRequest.safeParse(body).data?.TableName ?? ctx.tableName}`;
  // IAM words a failed condition of an Allow statement the same way as a missing Allow; the
  // reason is kept for readers of the checks below (and a debugging hint in the request id log).
  const deny = (reason: 'no-policy' | 'condition'): never => {
    if (process.env.LOCAL_COGNITO_DEBUG) process.stderr.write(`local-cognito dynamodb: denied ${operation} (${reason})\n`);
    const action = `dynamodb:${operation}`;
    const why = `because no identity-based policy allows the ${action} action`;
    throw new DynamoDbError(
      'AccessDeniedException',
      `User: arn:aws:sts::${ctx.accountId}:assumed-role/${roleName}/CognitoIdentityCredentials is not authorized to perform: ${action} on resource: ${tableArn} ${why}`,
    );
  };
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
