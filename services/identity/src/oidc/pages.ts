// The first-party sign-in and consent pages: plain HTML, labelled fields, keyboard-friendly.
import { escapeHtml as text } from '@canvass/service-kit';

/**
 * The look of the web app's own pages (web/src/styles.css): the same colours, light and dark, the
 * same fields and buttons, and its icon, so signing in does not feel like leaving Canvass.
 */
export const PAGE_STYLE = `
  :root { color-scheme: light dark; --bg: #fbfbfd; --fg: #1b1b1f; --muted: #5f6170; --line: #d7d8e0;
    --accent: #3b4fd8; --accent-fg: #fff; --error: #b3261e;
    font-family: system-ui, -apple-system, "Segoe UI", sans-serif; line-height: 1.5; background: var(--bg); color: var(--fg); }
  @media (prefers-color-scheme: dark) { :root { --bg: #15161b; --fg: #ececf1; --muted: #a3a5b3; --line: #3a3c47;
    --accent: #8c9bff; --accent-fg: #11131f; --error: #ffb4ab; } }
  * { box-sizing: border-box; }
  body { margin: 0; }
  .brand { display: flex; align-items: center; gap: .5rem; max-width: 26rem; margin: 0 auto; padding: 1.25rem 1rem 0;
    font-weight: 700; color: inherit; text-decoration: none; }
  .brand svg { width: 1.75rem; height: 1.75rem; }
  main { max-width: 26rem; margin: 0 auto; padding: 1rem 1rem 3rem; overflow-wrap: anywhere; }
  h1 { font-size: 1.6rem; line-height: 1.25; margin: .5rem 0 1rem; }
  label { display: block; font-weight: 600; margin: 1rem 0 .35rem; }
  input { font: inherit; color: inherit; background: transparent; width: 100%; padding: .65rem .75rem;
    border: 1px solid var(--line); border-radius: .5rem; }
  button { font: inherit; cursor: pointer; border-radius: .5rem; border: 1px solid var(--line); background: transparent;
    color: inherit; padding: .65rem 1rem; min-height: 2.75rem; margin: 1.25rem .5rem 0 0; }
  button[type=submit]:first-of-type, .primary { background: var(--accent); border-color: var(--accent); color: var(--accent-fg); font-weight: 600; }
  form.sign-in button { width: 100%; margin-right: 0; }
  :focus-visible { outline: 3px solid var(--accent); outline-offset: 2px; }
  a { color: var(--accent); }
  .muted { color: var(--muted); }
  .error { color: var(--error); font-weight: 600; padding: .75rem 1rem; border: 1px solid var(--error); border-radius: .5rem; }
`;

/** The app's icon (web/public/favicon.svg), drawn inline beside the name. */
const LOGO =
  '<svg viewBox="0 0 32 32" aria-hidden="true"><rect width="32" height="32" rx="7" fill="#3b4fd8"/><rect x="7" y="17" width="4" height="8" rx="1" fill="#fff"/><rect x="14" y="11" width="4" height="14" rx="1" fill="#fff"/><rect x="21" y="7" width="4" height="18" rx="1" fill="#fff"/></svg>';

/** A whole page in Canvass's look: `body` is trusted HTML, `title` is escaped. */
export function page(title: string, body: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="icon" href="/favicon.svg" type="image/svg+xml">
<title>${text(title)} · Canvass</title>
<style>${PAGE_STYLE}</style>
</head>
<body><a class="brand" href="/">${LOGO}<span>Canvass</span></a><main>${body}</main></body>
</html>`;
}

export function loginPage(uid: string, options: { email?: string; error?: string } = {}): string {
  const error = options.error ? `<p class="error" role="alert">${text(options.error)}</p>` : '';
  return page(
    'Sign in',
    `<h1>Sign in to Canvass</h1>${error}
<form class="sign-in" method="post" action="/interaction/${text(uid)}/login">
  <label for="email">E-mail</label>
  <input id="email" name="email" type="email" autocomplete="username" required value="${text(options.email)}" autofocus>
  <label for="password">Password</label>
  <input id="password" name="password" type="password" autocomplete="current-password" required>
  <button type="submit">Sign in</button>
</form>
<p><a href="/forgot-password">Forgot your password?</a></p>
<p>New to Canvass? <a href="/sign-up">Create an account</a></p>`,
  );
}

export function consentPage(uid: string, clientName: string, scopes: readonly string[]): string {
  const items = scopes.map((scope) => `<li>${text(scope)}</li>`).join('');
  return page(
    'Allow access',
    `<h1>Allow ${text(clientName)} to use your Canvass account?</h1>
<p>It asks for:</p><ul>${items || '<li>your sign-in</li>'}</ul>
<form method="post" action="/interaction/${text(uid)}/confirm"><button type="submit">Allow</button></form>
<form method="post" action="/interaction/${text(uid)}/abort"><button type="submit">Deny</button></form>`,
  );
}
