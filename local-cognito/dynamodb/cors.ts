/**
 * CORS as DynamoDB answers browsers: a preflight (`OPTIONS` asking for `x-amz-target`) gets 200 with the asked
 * headers allowed for any origin, and every DynamoDB answer (errors and injected faults too) carries
 * `Access-Control-Allow-Origin: *`. The renderer's SDK calls from its own origin (app://scrubin, or the test
 * harness's http://127.0.0.1:<port>), so without this the browser would hide every answer. Being reachable says
 * nothing about being allowed: SigV4 and the role policies still decide (index.ts, policy.ts).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';

/** Headers every DynamoDB answer carries for browsers. */
export const DYNAMODB_CORS_HEADERS = {
  'access-control-allow-origin': '*',
  'access-control-expose-headers': 'x-amzn-RequestId, x-amz-crc32, x-amzn-ErrorType, Date',
} as const;

/** A browser's preflight for a DynamoDB call: `OPTIONS` whose requested headers include `x-amz-target`. */
export function isDynamoDbPreflight(req: IncomingMessage): boolean {
  const asked = req.headers['access-control-request-headers'];
  return req.method === 'OPTIONS' && typeof asked === 'string' && asked.toLowerCase().split(/\s*,\s*/).includes('x-amz-target');
}

export function answerDynamoDbPreflight(req: IncomingMessage, res: ServerResponse): void {
  req.resume();
  res.writeHead(200, {
    ...DYNAMODB_CORS_HEADERS,
    'access-control-allow-methods': 'POST',
    'access-control-allow-headers': req.headers['access-control-request-headers'] ?? '',
    'access-control-max-age': '600',
    'content-length': '0',
  });
  res.end();
}
