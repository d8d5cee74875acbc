/**
 * The managed-login page (`/login`): the demo users' form, tied to oidc-provider's interaction, and the
 * consent step Cognito does not have (granted at once).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type Provider from 'oidc-provider';
import { readBody, sendHtml } from './http';
import { errorPage, loginError, loginPage, PAGE_CSP, pageLanguage } from './pages';
import type { DemoUser } from './seed';
import { CLIENT_ID, idpBanner, PATHS } from './user-pool';

export interface ManagedLoginDeps {
  provider(): Provider;
  /** A user by the name typed into the form (any case, surrounding blanks ignored), disabled ones included. */
  userByName(username: string): DemoUser | undefined;
  /** local-cognito's clock (ms): the moment of a login, which becomes `auth_time`. */
  now(): number;
}

const pageHeaders = { 'content-security-policy': PAGE_CSP, 'referrer-policy': 'no-referrer' };

export function createManagedLogin(deps: ManagedLoginDeps): (req: IncomingMessage, res: ServerResponse) => Promise<void> {
  return async (req, res) => {
    const p = deps.provider();
    let details: Awaited<ReturnType<Provider['interactionDetails']>>;
    try {
      details = await p.interactionDetails(req, res);
    } catch {
      sendHtml(res, 400, errorPage('Sign-in expired', 'This sign-in page has expired or was already used. Start the sign-in again from the app.'), pageHeaders);
      return;
    }
    const action = `${PATHS.login}?client_id=${CLIENT_ID}&uid=${encodeURIComponent(details.uid)}`;
    const banner = idpBanner(details.params);
    const loginHint = typeof details.params.login_hint === 'string' ? details.params.login_hint : undefined;
    const lang = pageLanguage(details.params.lang);

    if (details.prompt.name === 'consent') {
      // No consent screen in Cognito: grant what was asked (loadExistingGrant normally does this already).
      const accountId = details.session?.accountId;
      if (!accountId) throw new Error('consent without a session');
      const grant = new p.Grant({ clientId: CLIENT_ID, accountId });
      if (typeof details.params.scope === 'string' && details.params.scope) grant.addOIDCScope(details.params.scope);
      const grantId = await grant.save();
      await p.interactionFinished(req, res, { consent: { grantId } }, { mergeWithLastSubmission: true });
      return;
    }

    if (req.method === 'GET') {
      sendHtml(res, 200, loginPage({ uid: details.uid, action, banner, username: loginHint, lang }), pageHeaders);
      return;
    }
    if (req.method !== 'POST') {
      sendHtml(res, 405, errorPage('Not allowed', 'Method not allowed.'), { ...pageHeaders, allow: 'GET, POST' });
      return;
    }
    const form = new URLSearchParams(await readBody(req, 16 * 1024));
    if (form.get('uid') !== details.uid) {
      sendHtml(res, 400, errorPage('Sign-in expired', 'This sign-in form does not belong to the sign-in in progress. Start again from the app.'), pageHeaders);
      return;
    }
    const username = form.get('username') ?? '';
    const user = deps.userByName(username);
    const again = (error: 'incorrect' | 'disabled') => sendHtml(res, 400, loginPage({ uid: details.uid, action, banner, username, error: loginError(lang, error), lang }), pageHeaders);
    if (!user || user.password !== (form.get('password') ?? '')) {
      again('incorrect');
      return;
    }
    if (!user.enabled) {
      again('disabled');
      return;
    }
    // `ts` becomes the ID token's auth_time: the moment of THIS authentication, on local-cognito's clock.
    await p.interactionFinished(req, res, { login: { accountId: user.sub, remember: true, ts: Math.floor(deps.now() / 1000) } }, { mergeWithLastSubmission: false });
  };
}
