/** Each response parameter at most once (RFC 6749 §3.1): a repeated `state`, `code` or `error` is forged. */
import { drop, type CallbackCheck } from './context';

const SINGLE = ['state', 'code', 'error', 'error_description', 'iss'] as const;

export const checkSingleValues: CallbackCheck = (ctx) => {
  for (const name of SINGLE) {
    if ((ctx.url?.searchParams.getAll(name).length ?? 0) > 1) return drop('callback_rejected', `parameter "${name}" repeated`);
  }
  return undefined;
};
