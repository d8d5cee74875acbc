/** The callback must be the configured redirect URI exactly (scheme + path), with the answer in the query. */
import { drop, type CallbackCheck } from './context';

const MAX_LENGTH = 8 * 1024;

export const checkRedirectTarget: CallbackCheck = (ctx) => {
  if (ctx.raw.length > MAX_LENGTH) return drop('callback_rejected', 'callback URL too long');
  if (!ctx.url) return drop('callback_rejected', 'callback is not a URL');
  const hashAt = ctx.raw.indexOf('#');
  if (hashAt !== -1) return drop('callback_rejected', 'callback carries a fragment');
  const queryAt = ctx.raw.indexOf('?');
  const target = queryAt === -1 ? ctx.raw : ctx.raw.slice(0, queryAt);
  const colon = target.indexOf(':');
  const expectedColon = ctx.redirectUri.indexOf(':');
  const sameScheme = colon !== -1 && target.slice(0, colon).toLowerCase() === ctx.redirectUri.slice(0, expectedColon).toLowerCase();
  if (!sameScheme) return drop('callback_rejected', 'callback on another scheme');
  if (target.slice(colon) !== ctx.redirectUri.slice(expectedColon)) return drop('callback_rejected', 'callback on another path');
  return undefined;
};
