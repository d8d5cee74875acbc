/** A successful answer carries an authorization code. */
import { drop, param, type CallbackCheck } from './context';

export const checkCodePresent: CallbackCheck = (ctx) => {
  const code = param(ctx, 'code');
  return code === null || code === '' ? drop('callback_rejected', 'callback without an authorization code') : undefined;
};
