/**
 * Which user attributes a token's scopes release, as Cognito decides it for both the ID token and
 * `/oauth2/userInfo`: `openid` alone releases every attribute the app client can read; `openid` with
 * `email` / `phone` / `profile` releases only what those scopes cover (`profile`: the profile attributes
 * such as `name`, not `email`); without `openid` nothing (no ID token, userInfo refused).
 * Source: Cognito developer guide, "The user attributes endpoint" (scopes and their userInfo response).
 */
import type { DemoUser } from './seed';

export interface ReleasedAttributes {
  name?: string;
  email?: string;
  email_verified?: boolean;
}

const ATTRIBUTE_SCOPES = ['email', 'phone', 'profile'] as const;

export function releasedAttributes(user: Pick<DemoUser, 'name' | 'email'>, scope: string | undefined): ReleasedAttributes {
  const scopes = new Set((scope ?? '').split(' ').filter(Boolean));
  if (!scopes.has('openid')) return {};
  const all = !ATTRIBUTE_SCOPES.some((s) => scopes.has(s));
  // The demo users have no phone attributes, so `phone` releases nothing here.
  return {
    ...(all || scopes.has('profile') ? { name: user.name } : {}),
    ...(all || scopes.has('email') ? { email: user.email, email_verified: true } : {}),
  };
}
