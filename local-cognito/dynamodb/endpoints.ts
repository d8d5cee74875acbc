/**
 * Names of the DynamoDB operations as local-cognito endpoints (`DynamoDB.<Operation>`), for the
 * admin counters and fault injection, and the routing rule: AWS JSON 1.0 `POST` with
 * `X-Amz-Target: DynamoDB_20120810.<Operation>` (any path).
 */
import type { IncomingMessage } from 'node:http';

export const DYNAMODB_TARGET_PREFIX = 'DynamoDB_20120810.';

export const DYNAMODB_OPERATIONS = [
  'GetItem',
  'PutItem',
  'UpdateItem',
  'DeleteItem',
  'Query',
  'Scan',
  'BatchGetItem',
  'BatchWriteItem',
  'CreateTable',
  'DeleteTable',
  'DescribeTable',
  'ListTables',
  'UpdateTable',
] as const;

export type DynamoDbOperation = (typeof DYNAMODB_OPERATIONS)[number];

export const DYNAMODB_ENDPOINTS = [
  'DynamoDB.GetItem',
  'DynamoDB.PutItem',
  'DynamoDB.UpdateItem',
  'DynamoDB.DeleteItem',
  'DynamoDB.Query',
  'DynamoDB.Scan',
  'DynamoDB.BatchGetItem',
  'DynamoDB.BatchWriteItem',
  'DynamoDB.CreateTable',
  'DynamoDB.DeleteTable',
  'DynamoDB.DescribeTable',
  'DynamoDB.ListTables',
  'DynamoDB.UpdateTable',
] as const satisfies readonly `DynamoDB.${DynamoDbOperation}`[];

export type DynamoDbEndpointName = (typeof DYNAMODB_ENDPOINTS)[number];

/** Whether the request is meant for DynamoDB (route it to the front even for operations not listed). */
export function isDynamoDbRequest(req: IncomingMessage): boolean {
  const target = req.headers['x-amz-target'];
  return req.method === 'POST' && typeof target === 'string' && target.startsWith(DYNAMODB_TARGET_PREFIX);
}

/** The endpoint name of a DynamoDB request (`DynamoDB.GetItem`), or undefined. */
export function dynamoDbEndpointOf(req: IncomingMessage): DynamoDbEndpointName | undefined {
  if (!isDynamoDbRequest(req)) return undefined;
  const op = String(req.headers['x-amz-target']).slice(DYNAMODB_TARGET_PREFIX.length);
  const name = `DynamoDB.${op}`;
  return isDynamoDbEndpoint(name) ? name : undefined;
}

export function isDynamoDbEndpoint(name: string): name is DynamoDbEndpointName {
  return (DYNAMODB_ENDPOINTS as readonly string[]).includes(name);
}
