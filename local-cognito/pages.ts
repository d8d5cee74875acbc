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

function page(title: string, body: string): string {
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
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
}

export function loginPage(o: LoginPageOptions): string {
  return page(
    'Sign in - Scrub In (local Cognito)',
    `${o.banner ? `<p class="banner" role="status">${escapeHtml(o.banner)}</p>` : ''}
<h1>Sign in</h1>
${o.error ? `<p class="alert" role="alert" id="login-error">${escapeHtml(o.error)}</p>` : ''}
<form method="post" action="${escapeHtml(o.action)}" autocomplete="off">
<input type="hidden" name="uid" value="${escapeHtml(o.uid)}">
<label for="username">Username</label>
<input id="username" name="username" type="text" autocapitalize="none" spellcheck="false" required value="${escapeHtml(o.username ?? '')}"${o.username ? '' : ' autofocus'}${o.error ? ' aria-describedby="login-error"' : ''}>
<label for="password">Password</label>
<input id="password" name="password" type="password" required${o.username ? ' autofocus' : ''}>
<button type="submit">Sign in</button>
</form>
<p class="note">local-cognito: an offline stand-in for an Amazon Cognito user pool. Demo accounts only.</p>`,
  );
}

export function errorPage(title: string, message: string): string {
  return page(title, `<h1>${escapeHtml(title)}</h1><p role="alert">${escapeHtml(message)}</p>`);
}
