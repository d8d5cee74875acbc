/**
 * Looks a person up in a terminal's identity-id cache file (its keys are salted hashes of the sub, so a test
 * cannot look for a sub in the file's text). Ignores expiry: an entry for the person at all is what counts.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { IDENTITY_CACHE_FILE } from '../../main/identity-pool';

export function cachedIdentityId(dataDir: string, sub: string): string | undefined {
  let file: { salt?: string; users?: Record<string, { identityId: string }> };
  try {
    file = JSON.parse(readFileSync(path.join(dataDir, 'cache', IDENTITY_CACHE_FILE), 'utf8')) as typeof file;
  } catch {
    return undefined;
  }
  const key = createHash('sha256').update(`${file.salt ?? ''}:${sub}`).digest('hex');
  return file.users?.[key]?.identityId;
}
