/**
 * Wire errors of DynamoDB (AWS JSON 1.0): HTTP 400 (500 for InternalServerError) with
 * `{"__type": "<namespace>#<Name>", "message": "..."}`. The AWS SDK v3 takes the name after `#` and
 * throws the typed exception (`ProvisionedThroughputExceededException`, `ConditionalCheckFailedException`)
 * or a service exception with that name (`AccessDeniedException`, `UnrecognizedClientException`).
 * Messages never contain a credential or a signature.
 */
import { randomUUID } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import type { Fault } from '../faults';

const NAMESPACES: Record<string, string> = {
  AccessDeniedException: 'com.amazon.coral.service',
  UnrecognizedClientException: 'com.amazon.coral.service',
  InvalidSignatureException: 'com.amazon.coral.service',
  IncompleteSignatureException: 'com.amazon.coral.service',
  MissingAuthenticationTokenException: 'com.amazon.coral.service',
  ExpiredTokenException: 'com.amazon.coral.service',
  SerializationException: 'com.amazon.coral.service',
  UnknownOperationException: 'com.amazon.coral.service',
  ValidationException: 'com.amazon.coral.validate',
  ThrottlingException: 'com.amazon.coral.availability',
};
const DYNAMODB_NAMESPACE = 'com.amazonaws.dynamodb.v20120810';

export class DynamoDbError extends Error {
  constructor(
    readonly type: string,
    message: string,
    readonly status = 400,
  ) {
    super(message);
    this.name = 'DynamoDbError';
  }
}

export function sendDynamoDbJson(res: ServerResponse, status: number, payload: unknown): void {
  const body = JSON.stringify(payload);
  res.writeHead(status, {
    'content-type': 'application/x-amz-json-1.0',
    'content-length': Buffer.byteLength(body),
    'x-amzn-requestid': randomUUID(),
  });
  res.end(body);
}

export function sendDynamoDbError(res: ServerResponse, error: unknown): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const known = error instanceof DynamoDbError ? error : new DynamoDbError('InternalServerError', 'Internal server error', 500);
  const namespace = NAMESPACES[known.type] ?? DYNAMODB_NAMESPACE;
  sendDynamoDbJson(res, known.status, { __type: `${namespace}#${known.type}`, message: known.message });
}

/**
 * Writes an injected fault the way DynamoDB answers: `error` names the exception (default
 * `InternalServerError` with HTTP 500; `ProvisionedThroughputExceededException`, `ThrottlingException`
 * and other names with HTTP 400 unless `status` says otherwise).
 */
export function writeDynamoDbFault(res: ServerResponse, fault: Fault): void {
  const type = fault.error ?? (fault.status !== undefined && fault.status < 500 ? 'ValidationException' : 'InternalServerError');
  const status = fault.status ?? (type === 'InternalServerError' || type === 'ServiceUnavailable' ? (type === 'ServiceUnavailable' ? 503 : 500) : 400);
  const message =
    fault.message ??
    (type === 'ProvisionedThroughputExceededException'
      ? 'The level of configured provisioned throughput for the table was exceeded. Consider increasing your provisioning level with the UpdateTable API.'
      : type === 'ThrottlingException'
        ? 'Rate of requests exceeds the allowed throughput.'
        : `Injected ${type}`);
  sendDynamoDbError(res, new DynamoDbError(type, message, status));
}
