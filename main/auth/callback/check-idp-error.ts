/** An `error=` redirect ends the flow: `access_denied` is its own code, every other error is `idp_error`. */
import { endFlow, param, type CallbackCheck } from './context';

const SAFE = /^[\w.-]{1,64}$/;

export const checkIdpError: CallbackCheck = (ctx) => {
  const error = param(ctx, 'error');
  if (error === null) return undefined;
  const name = SAFE.test(error) ? error : 'unrecognised';
  if (error === 'access_denied') return endFlow('access_denied', 'the sign-in service answered error=access_denied');
  return endFlow('idp_error', `the sign-in service answered error=${name}`);
};
