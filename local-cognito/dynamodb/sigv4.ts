/**
 * AWS Signature Version 4 verification, done for real: the front recomputes the signature with the
 * secret key the local identity pool issued for the request's access key id and compares it in
 * constant time. Checks, in the order AWS reports them: the Authorization header shape, the
 * credential scope (date, region, service, terminator), the request time (15 minutes either way),
 * the access key id and session token, expiry of the temporary credentials, then the signature.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import type { IssuedCredentials } from '../identity-pool/index';
import { DynamoDbError } from './errors';

const ALGORITHM = 'AWS4-HMAC-SHA256';
const MAX_SKEW_MS = 15 * 60_000;

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

const sha256Hex = (data: string | Buffer): string => createHash('sha256').update(data).digest('hex');
const hmac = (key: Buffer | string, data: string): Buffer => createHmac('sha256', key).update(data, 'utf8').digest();

/** RFC 3986 encoding as SigV4 wants it (unreserved characters kept, everything else %XX upper case). */
function uriEncode(value: string): string {
  return encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

function canonicalPath(rawPath: string): string {
  const segments: string[] = [];
  for (const segment of rawPath.split('/')) {
    if (segment === '' || segment === '.') continue;
    if (segment === '..') segments.pop();
    else segments.push(segment);
  }
  let decoded: string[];
  try {
    decoded = segments.map((s) => decodeURIComponent(s));
  } catch {
    decoded = segments;
  }
  const normalized = `/${decoded.join('/')}${segments.length > 0 && rawPath.endsWith('/') ? '/' : ''}`;
  // Non-S3 services double-encode: once for the path as sent, once more for the canonical request.
  return normalized
    .split('/')
    .map((s) => uriEncode(uriEncode(s)))
    .join('/');
}

function canonicalQuery(query: string): string {
  if (query === '') return '';
  const pairs = query
    .split('&')
    .filter((p) => p !== '')
    .map((p) => {
      const i = p.indexOf('=');
      const rawKey = i < 0 ? p : p.slice(0, i);
      const rawValue = i < 0 ? '' : p.slice(i + 1);
      const dec = (s: string): string => {
        try {
          return decodeURIComponent(s.replace(/\+/g, ' '));
        } catch {
          return s;
        }
      };
      return [uriEncode(dec(rawKey)), uriEncode(dec(rawValue))] as const;
    })
    .filter(([k]) => k !== 'X-Amz-Signature');
  pairs.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0));
  return pairs.map(([k, v]) => `${k}=${v}`).join('&');
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

/**
 * Verifies the request's SigV4 signature and returns the credentials it was signed with.
 * Throws DynamoDbError with the type AWS uses for each failure.
 */
export function verifySigV4(request: SignedRequest, ctx: SigV4Context): IssuedCredentials {
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

  const rawUrl = request.url;
  const q = rawUrl.indexOf('?');
  const path = q < 0 ? rawUrl : rawUrl.slice(0, q);
  const query = q < 0 ? '' : rawUrl.slice(q + 1);
  const canonicalHeaders = signedHeaders.map((name) => `${name}:${headerValue(request.headers, name) ?? ''}\n`).join('');
  // Always the hash of the body received (a claimed x-amz-content-sha256 cannot stand in for it).
  const payloadHash = sha256Hex(request.body);
  const canonicalRequest = [
    request.method.toUpperCase(),
    canonicalPath(path),
    canonicalQuery(query),
    canonicalHeaders,
    signedHeaders.join(';'),
    payloadHash,
  ].join('\n');
  const scope = `${scopeDate}/${scopeRegion}/${scopeService}/aws4_request`;
  const stringToSign = [ALGORITHM, amzDate, scope, sha256Hex(canonicalRequest)].join('\n');
  const kDate = hmac(`AWS4${issued.secretAccessKey}`, scopeDate);
  const kSigning = hmac(hmac(hmac(kDate, scopeRegion), scopeService), 'aws4_request');
  const expected = Buffer.from(hmac(kSigning, stringToSign).toString('hex'), 'utf8');
  const given = Buffer.from(signature.toLowerCase(), 'utf8');
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) {
    throw new DynamoDbError(
      'InvalidSignatureException',
      'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.',
    );
  }
  return issued;
}
