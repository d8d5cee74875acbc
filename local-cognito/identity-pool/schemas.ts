/**
 * Request bodies of the three operations, validated with zod at the trust boundary.
 *
 * Constraint failures are reported the way the real service (Coral) does, as a
 * `ValidationException`: "1 validation error detected: Value 'x' at 'identityPoolId' failed to
 * satisfy constraint: Member must satisfy regular expression pattern: [\w-]+:[0-9a-f-]+".
 * Wrong JSON types are a `SerializationException`. Login token values are never echoed.
 */
import { z } from 'zod';
import { IdentityPoolError } from './errors';

const ID_PATTERN_TEXT = '[\\w-]+:[0-9a-f-]+';
const ID_PATTERN = /^[\w-]+:[0-9a-f-]+$/;

const minLen = (n: number) => `Member must have length greater than or equal to ${n}`;
const maxLen = (n: number) => `Member must have length less than or equal to ${n}`;

const poolOrIdentityId = z
  .string()
  .min(1, minLen(1))
  .max(55, maxLen(55))
  .regex(ID_PATTERN, `Member must satisfy regular expression pattern: ${ID_PATTERN_TEXT}`);

const logins = z
  .record(z.string().min(1, minLen(1)).max(128, maxLen(128)), z.string().min(1, minLen(1)).max(50_000, maxLen(50000)))
  .refine((m) => Object.keys(m).length <= 10, 'Member must have length less than or equal to 10')
  .optional();

export const GetIdInput = z.object({
  IdentityPoolId: poolOrIdentityId,
  AccountId: z.string().min(1, minLen(1)).max(15, maxLen(15)).regex(/^\d+$/, 'Member must satisfy regular expression pattern: \\d+').optional(),
  Logins: logins,
});
export type GetIdInput = z.infer<typeof GetIdInput>;

export const GetCredentialsForIdentityInput = z.object({
  IdentityId: poolOrIdentityId,
  Logins: logins,
  CustomRoleArn: z.string().min(20, minLen(20)).max(2048, maxLen(2048)).optional(),
});
export type GetCredentialsForIdentityInput = z.infer<typeof GetCredentialsForIdentityInput>;

export const GetOpenIdTokenInput = z.object({
  IdentityId: poolOrIdentityId,
  Logins: logins,
});
export type GetOpenIdTokenInput = z.infer<typeof GetOpenIdTokenInput>;

const lowerFirst = (s: string): string => s.charAt(0).toLowerCase() + s.slice(1);

/** Parses `body` with `schema` or throws the service's ValidationException / SerializationException. */
export function parseInput<T>(schema: z.ZodType<T>, body: unknown): T {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new IdentityPoolError('SerializationException', 'Start of structure or map found where not expected.');
  }
  const result = schema.safeParse(body, { reportInput: true });
  if (result.success) return result.data;

  const typeIssue = result.error.issues.find((i) => i.code === 'invalid_type' && i.input !== undefined);
  if (typeIssue) {
    throw new IdentityPoolError('SerializationException', `Unexpected value type at '${typeIssue.path.map(String).join('.')}'.`);
  }
  // One message per member, first failed constraint, in the order the issues came.
  const seen = new Set<string>();
  const parts: string[] = [];
  for (const issue of result.error.issues) {
    const top = String(issue.path[0] ?? '');
    if (seen.has(top)) continue;
    seen.add(top);
    const member = lowerFirst(top);
    if (issue.code === 'invalid_type') {
      parts.push(`Value null at '${member}' failed to satisfy constraint: Member must not be null`);
    } else if (top === 'Logins') {
      parts.push(`Value at '${member}' failed to satisfy constraint: ${issue.message}`);
    } else {
      const shown = typeof issue.input === 'string' ? `'${issue.input}'` : 'null';
      parts.push(`Value ${shown} at '${member}' failed to satisfy constraint: ${issue.message}`);
    }
  }
  const n = parts.length;
  throw new IdentityPoolError('ValidationException', `${n} validation error${n === 1 ? '' : 's'} detected: ${parts.join('; ')}`);
}
