/** Plain, accessible HTML of the stand-in managed login (no scripts, no external resources). */

export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c);
}

const STYLE = `body{font-family:system-ui,sans-serif;margin:2rem auto;max-width:24rem;padding:0 1rem;color:#111}
label{display:block;margin-top:1rem;font-weight:600}input{display:block;width:100%;padding:.5rem;margin-top:.25rem;font-size:1rem;box-sizing:border-box}
button{margin-top:1.5rem;padding:.6rem 1.2rem;font-size:1rem}.alert{color:#a40000;border:1px solid #a40000;padding:.5rem;margin-top:1rem}
.banner{background:#eef3ff;border:1px solid #335;padding:.5rem;margin-bottom:1rem}.note{color:#555;font-size:.85rem;margin-top:2rem}`;

/** `form-action` also governs the redirects after the form post, so the app's scheme must be allowed. */
export const PAGE_CSP = "default-src 'none'; style-src 'unsafe-inline'; form-action 'self' app.scrubin:; frame-ancestors 'none'; base-uri 'none'";

/** The languages of the stand-in's pages (Cognito's managed login `lang`); anything else shows English. */
export type PageLanguage = 'en' | 'ko';

export function pageLanguage(lang: unknown): PageLanguage {
  return lang === 'ko' ? 'ko' : 'en';
}

const WORDS = {
  en: {
    title: 'Sign in - Scrub In (local Cognito)',
    heading: 'Sign in',
    username: 'Username',
    password: 'Password',
    submit: 'Sign in',
    note: 'local-cognito: an offline stand-in for an Amazon Cognito user pool. Demo accounts only.',
    incorrect: 'Incorrect username or password.',
    disabled: 'User is disabled.',
  },
  ko: {
    title: '로그인 - Scrub In (local Cognito)',
    heading: '로그인',
    username: '사용자 이름',
    password: '비밀번호',
    submit: '로그인',
    note: 'local-cognito: Amazon Cognito 사용자 풀을 대신하는 오프라인 테스트용 서비스입니다. 데모 계정만 있습니다.',
    incorrect: '사용자 이름 또는 비밀번호가 올바르지 않습니다.',
    disabled: '사용이 중지된 사용자입니다.',
  },
} as const satisfies Record<PageLanguage, Record<string, string>>;

/** A form error of the login page, in the page's language. */
export function loginError(lang: PageLanguage, error: 'incorrect' | 'disabled'): string {
  return WORDS[lang][error];
}

function page(title: string, body: string, lang: PageLanguage = 'en'): string {
  return `<!DOCTYPE html>
<html lang="${lang}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title><style>${STYLE}</style></head>
<body><main>${body}</main></body></html>`;
}

export interface LoginPageOptions {
  uid: string;
  action: string;
  username?: string;
  error?: string;
  /** Label of a simulated federated IdP ("Hospital SSO (simulated)"). */
  banner?: string;
  /** The authorize request's `lang`. */
  lang?: PageLanguage;
}

export function loginPage(o: LoginPageOptions): string {
  const lang = o.lang ?? 'en';
  const w = WORDS[lang];
  return page(
    w.title,
    `${o.banner ? `<p class="banner" role="status">${escapeHtml(o.banner)}</p>` : ''}
<h1>${w.heading}</h1>
${o.error ? `<p class="alert" role="alert" id="login-error">${escapeHtml(o.error)}</p>` : ''}
<form method="post" action="${escapeHtml(o.action)}" autocomplete="off">
<input type="hidden" name="uid" value="${escapeHtml(o.uid)}">
<label for="username">${w.username}</label>
<input id="username" name="username" type="text" autocapitalize="none" spellcheck="false" required value="${escapeHtml(o.username ?? '')}"${o.username ? '' : ' autofocus'}${o.error ? ' aria-describedby="login-error"' : ''}>
<label for="password">${w.password}</label>
<input id="password" name="password" type="password" required${o.username ? ' autofocus' : ''}>
<button type="submit">${w.submit}</button>
</form>
<p class="note">${w.note}</p>`,
    lang,
  );
}

export function errorPage(title: string, message: string): string {
  return page(title, `<h1>${escapeHtml(title)}</h1><p role="alert">${escapeHtml(message)}</p>`);
}
