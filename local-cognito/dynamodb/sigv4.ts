/**
 * AWS Signature Version 4 verification, done for real: the checks AWS makes before the signature, in the
 * order AWS reports them (the Authorization header shape, the credential scope, the request time 15
 * minutes either way, the access key id and session token, expiry of the temporary credentials), then the
 * signature itself, recomputed by `@smithy/signature-v4` (the signer the AWS SDK uses) with the secret key
 * the local identity pool issued for the access key id and compared in constant time.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { SignatureV4 } from '@smithy/signature-v4';
import type { IssuedCredentials } from '../identity-pool/index';
import { DynamoDbError } from './errors';

const ALGORITHM = 'AWS4-HMAC-SHA256';
const MAX_SKEW_MS = 15 * 60_000;
const MISMATCH =
  'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.';

export interface SignedRequest {
  method: string;
  /** Path and query as sent (`req.url`). */
  url: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

export interface SigV4Context {
  region: string;
  service: string;
  now: () => number;
  describeCredentials: (accessKeyId: string) => IssuedCredentials | undefined;
}

type SmithyRequest = Parameters<SignatureV4['sign']>[0];
type SourceData = string | ArrayBuffer | ArrayBufferView;

const bytes = (data: SourceData): Buffer =>
  typeof data === 'string' ? Buffer.from(data, 'utf8') : ArrayBuffer.isView(data) ? Buffer.from(data.buffer, data.byteOffset, data.byteLength) : Buffer.from(data);

/** SHA-256 (and HMAC-SHA-256 with a secret) from node:crypto, in the shape the smithy signer asks for. */
class NodeSha256 {
  private readonly hash: ReturnType<typeof createHash> | ReturnType<typeof createHmac>;

  constructor(secret?: SourceData) {
    this.hash = secret === undefined ? createHash('sha256') : createHmac('sha256', bytes(secret));
  }

  update(data: SourceData): void {
    this.hash.update(bytes(data));
  }

  digest(): Promise<Uint8Array> {
    return Promise.resolve(this.hash.digest());
  }
}

function headerValue(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  if (value === undefined) return undefined;
  const joined = Array.isArray(value) ? value.join(',') : value;
  return joined.trim().replace(/\s+/g, ' ');
}

/** `20260101T070000Z` -> ms, or NaN. */
function parseAmzDate(value: string): number {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(value);
  if (!m) return Number.NaN;
  return Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6]));
}

function formatAmzDate(ms: number): string {
  return new Date(ms).toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
}

function decodedPath(rawPath: string): string {
  try {
    return rawPath.split('/').map((s) => decodeURIComponent(s)).join('/');
  } catch {
    return rawPath;
  }
}

function queryBag(rawQuery: string): Record<string, string | string[]> {
  const bag: Record<string, string | string[]> = {};
  for (const [key, value] of new URLSearchParams(rawQuery)) {
    const seen = bag[key];
    bag[key] = seen === undefined ? value : [...(Array.isArray(seen) ? seen : [seen]), value];
  }
  return bag;
}

/** The signature the request should carry, computed by the smithy signer over exactly the headers the caller signed. */
async function expectedSignature(request: SignedRequest, signedHeaders: readonly string[], amzDate: number, scope: { region: string; service: string }, issued: IssuedCredentials): Promise<string> {
  const url = new URL(request.url, 'http://local');
  const headers: Record<string, string> = {};
  for (const name of signedHeaders) {
    const value = headerValue(request.headers, name);
    if (value !== undefined) headers[name] = value;
  }
  const signer = new SignatureV4({
    service: scope.service,
    region: scope.region,
    credentials: { accessKeyId: issued.accessKeyId, secretAccessKey: issued.secretAccessKey, sessionToken: issued.sessionToken },
    sha256: NodeSha256,
    applyChecksum: false,
  });
  const toSign: SmithyRequest = {
    method: request.method.toUpperCase(),
    protocol: 'http:',
    hostname: url.hostname,
    path: decodedPath(url.pathname),
    query: queryBag(url.search.slice(1)),
    headers,
    body: request.body,
  };
  const signed = await signer.sign(toSign, {
    signingDate: new Date(amzDate),
    signingRegion: scope.region,
    signingService: scope.service,
    signableHeaders: new Set(signedHeaders),
    // The signer adds these two itself; leave them out when the caller did not sign them.
    unsignableHeaders: new Set(['x-amz-date', 'x-amz-security-token'].filter((h) => !signedHeaders.includes(h))),
  });
  const authorization = signed.headers.authorization ?? '';
  return /Signature=([0-9a-f]+)/.exec(authorization)?.[1] ?? '';
}

/**
 * Verifies the request's SigV4 signature and returns the credentials it was signed with.
 * Throws DynamoDbError with the type AWS uses for each failure.
 */
export async function verifySigV4(request: SignedRequest, ctx: SigV4Context): Promise<IssuedCredentials> {
  const authorization = headerValue(request.headers, 'authorization');
  if (authorization === undefined || !authorization.startsWith('AWS4-')) {
    throw new DynamoDbError('MissingAuthenticationTokenException', 'Request is missing Authentication Token');
  }
  const spaceAt = authorization.indexOf(' ');
  const algorithm = spaceAt < 0 ? authorization : authorization.slice(0, spaceAt);
  if (algorithm !== ALGORITHM) {
    throw new DynamoDbError('IncompleteSignatureException', `Unsupported AWS 'algorithm': '${algorithm.slice(0, 40)}' (only ${ALGORITHM} for now).`);
  }
  const params = new Map<string, string>();
  for (const part of authorization.slice(spaceAt + 1).split(',')) {
    const i = part.indexOf('=');
    if (i > 0) params.set(part.slice(0, i).trim(), part.slice(i + 1).trim());
  }
  const credential = params.get('Credential');
  const signedHeadersParam = params.get('SignedHeaders');
  const signature = params.get('Signature');
  if (!credential || signedHeadersParam === undefined || !signature) {
    throw new DynamoDbError('IncompleteSignatureException', "Authorization header requires 'Credential', 'Signature' and 'SignedHeaders' parameters.");
  }
  const amzDate = headerValue(request.headers, 'x-amz-date');
  if (amzDate === undefined) {
    throw new DynamoDbError('IncompleteSignatureException', "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.");
  }
  const requestTime = parseAmzDate(amzDate);
  if (Number.isNaN(requestTime)) {
    throw new DynamoDbError('IncompleteSignatureException', "Date must be in ISO-8601 'basic format'.");
  }
  const scopeParts = credential.split('/');
  if (scopeParts.length !== 5) {
    throw new DynamoDbError('IncompleteSignatureException', 'Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term.');
  }
  const [accessKeyId = '', scopeDate = '', scopeRegion = '', scopeService = '', terminator = ''] = scopeParts;
  const scopeProblems: string[] = [];
  if (scopeRegion !== ctx.region) scopeProblems.push(`Credential should be scoped to a valid region, not '${scopeRegion.slice(0, 40)}'.`);
  if (scopeService !== ctx.service) scopeProblems.push(`Credential should be scoped to correct service: '${ctx.service}'.`);
  if (terminator !== 'aws4_request') scopeProblems.push(`Credential should be scoped with a valid terminator: 'aws4_request'.`);
  if (scopeDate !== amzDate.slice(0, 8)) scopeProblems.push('Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP.');
  if (scopeProblems.length > 0) throw new DynamoDbError('InvalidSignatureException', scopeProblems.join(' '));

  const now = ctx.now();
  if (requestTime < now - MAX_SKEW_MS) {
    throw new DynamoDbError('InvalidSignatureException', `Signature expired: ${amzDate} is now earlier than ${formatAmzDate(now - MAX_SKEW_MS)} (${formatAmzDate(now)} - 15 min.)`);
  }
  if (requestTime > now + MAX_SKEW_MS) {
    throw new DynamoDbError('InvalidSignatureException', `Signature not yet current: ${amzDate} is still later than ${formatAmzDate(now + MAX_SKEW_MS)} (${formatAmzDate(now)} + 15 min.)`);
  }

  const signedHeaders = signedHeadersParam.split(';').map((h) => h.trim().toLowerCase());
  if (!signedHeaders.includes('host')) {
    throw new DynamoDbError('InvalidSignatureException', "'Host' must be a 'SignedHeader' in the AWS Authorization.");
  }

  const issued = ctx.describeCredentials(accessKeyId);
  if (!issued) throw new DynamoDbError('UnrecognizedClientException', 'The security token included in the request is invalid.');
  const token = headerValue(request.headers, 'x-amz-security-token');
  if (token !== issued.sessionToken) throw new DynamoDbError('UnrecognizedClientException', 'The security token included in the request is invalid.');
  if (issued.expiresAt <= now) throw new DynamoDbError('ExpiredTokenException', 'The security token included in the request is expired');

  // Always the hash of the body received: a claimed x-amz-content-sha256 cannot stand in for it.
  const claimedHash = headerValue(request.headers, 'x-amz-content-sha256');
  if (claimedHash !== undefined && claimedHash !== createHash('sha256').update(request.body).digest('hex')) {
    throw new DynamoDbError('InvalidSignatureException', MISMATCH);
  }
  const expected = Buffer.from(await expectedSignature(request, signedHeaders, requestTime, { region: scopeRegion, service: scopeService }, issued), 'utf8');
  const given = Buffer.from(signature.toLowerCase(), 'utf8');
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) {
    throw new DynamoDbError('InvalidSignatureException', MISMATCH);
  }
  return issued;
}
