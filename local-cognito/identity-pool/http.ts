/** AWS JSON 1.1 plumbing: read a bounded JSON body, write results and typed errors. */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { IdentityPoolError } from './errors';

const MAX_BODY_BYTES = 1024 * 1024;
const CONTENT_TYPE = 'application/x-amz-json-1.1';
const ERROR_NAMESPACE = 'http://internal.amazon.com/coral/com.amazonaws.cognitoidentity/';

export async function readJsonBody(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buf = typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer);
    size += buf.length;
    if (size > MAX_BODY_BYTES) throw new IdentityPoolError('SerializationException', 'Request body too large.', 413);
    chunks.push(buf);
  }
  const text = Buffer.concat(chunks).toString('utf8').trim();
  if (text === '') return {};
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new IdentityPoolError('SerializationException', 'Request body is not valid JSON.');
  }
}

function write(res: ServerResponse, status: number, payload: unknown, extra: Record<string, string> = {}): void {
  const body = JSON.stringify(payload);
  res.writeHead(status, {
    'Content-Type': CONTENT_TYPE,
    'Content-Length': Buffer.byteLength(body),
    'x-amzn-RequestId': randomUUID(),
    ...extra,
  });
  res.end(body);
}

export function sendJson(res: ServerResponse, payload: unknown): void {
  write(res, 200, payload);
}

/** Known errors go out as the service sends them; anything else as a bare InternalErrorException. */
export function sendError(res: ServerResponse, error: unknown): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const known = error instanceof IdentityPoolError ? error : new IdentityPoolError('InternalErrorException', 'An internal error occurred.', 500);
  write(res, known.status, { __type: known.type, message: known.message }, { 'x-amzn-ErrorType': `${known.type}:${ERROR_NAMESPACE}` });
}
