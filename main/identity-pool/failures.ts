/**
 * What a failed identity-pool fetch means for the person and for IT, in the shared error taxonomy. Details carry
 * only the exception name, HTTP status and a redacted service message (main/identity-pool/classify.ts): never a token.
 */
import { ScrubInError, toScrubInError } from '../errors';
import { describe } from './classify';
import { roleClaims, type IdTokenSource } from './id-token';
import { CallFailure } from './pool-calls';
import type { Subject } from './session';

function missingRole(subject: Subject, idTokens: IdTokenSource): string {
  if (subject.kind === 'guest') return "the pool's unauthenticated (guest) role";
  if (subject.customRole) return `the requested role ${subject.customRole}`;
  const token = idTokens.current();
  const preferred = token && token.sub === subject.sub ? roleClaims(token.idToken).preferredRole : null;
  return preferred
    ? `the role of the user's group (${preferred}) or the pool's authenticated role`
    : "the pool's default authenticated role (the user's groups give no single preferred role)";
}

/**
 * The shared taxonomy's error for a failed credentials fetch: ScrubInErrors pass through, CallFailures are mapped
 * by kind (the detail names the operation, the attempts and, for a pool misconfiguration, the missing role).
 */
export function credentialsError(error: unknown, subject: Subject, context: { identityPoolId: string; idTokens: IdTokenSource }): ScrubInError {
  if (error instanceof ScrubInError) return error;
  if (!(error instanceof CallFailure)) return toScrubInError(error, 'internal', 'unexpected failure while getting AWS credentials');
  const { failure, operation, attempts } = error;
  const detail = describe(operation, failure);
  const cause = error.cause;
  switch (failure.kind) {
    case 'throttled':
      return new ScrubInError('throttled', { detail: `${detail} (after ${attempts} attempts)`, cause });
    case 'server':
      return new ScrubInError('server_error', {
        detail: `${detail} (after ${attempts} attempts)`,
        cause,
        userMessage: 'The AWS sign-in service had a problem. Your session is kept; try again in a moment.',
        variant: 'access_service',
      });
    case 'network':
      return new ScrubInError('network', { detail: `${detail} (after ${attempts} attempts)`, cause });
    case 'not-authorized':
      return subject.kind === 'guest'
        ? new ScrubInError('not_authorized', {
            detail,
            cause,
            userMessage: 'Guest access to AWS is not available for this hospital. Sign in to continue.',
            variant: 'guest_not_available',
          })
        : new ScrubInError('not_authorized', { detail: `${detail} (after refreshing the ID token)`, cause });
    case 'pool-config':
      return new ScrubInError('identity_config', { detail: `${detail}; missing role: ${missingRole(subject, context.idTokens)}`, cause });
    case 'not-found':
      return new ScrubInError('identity_config', { detail: `${detail}; identity pool ${context.identityPoolId} or identity not found`, cause });
    case 'invalid-parameter':
      return new ScrubInError('identity_config', { detail, cause });
    default:
      return new ScrubInError('internal', { detail, cause });
  }
}
