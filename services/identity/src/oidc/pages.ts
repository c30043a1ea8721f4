// The first-party sign-in and consent pages: plain HTML, labelled fields, keyboard-friendly.
import { escapeHtml as text } from '@canvass/service-kit';

function page(title: string, body: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${text(title)} · Canvass</title>
<style>
  :root { color-scheme: light dark; font-family: system-ui, sans-serif; line-height: 1.5; }
  main { max-width: 26rem; margin: 3rem auto; padding: 0 1rem; }
  label { display: block; margin-top: 1rem; font-weight: 600; }
  input { width: 100%; padding: .6rem; font-size: 1rem; box-sizing: border-box; }
  button { margin-top: 1.25rem; padding: .6rem 1.2rem; font-size: 1rem; }
  .error { padding: .75rem; border: 2px solid #b00020; border-radius: .4rem; }
  a { color: #3b4fd8; }
  @media (prefers-color-scheme: dark) { a { color: #8c9bff; } }
</style>
</head>
<body><main>${body}</main></body>
</html>`;
}

export function loginPage(uid: string, options: { email?: string; error?: string } = {}): string {
  const error = options.error ? `<p class="error" role="alert">${text(options.error)}</p>` : '';
  return page(
    'Sign in',
    `<h1>Sign in to Canvass</h1>${error}
<form method="post" action="/interaction/${text(uid)}/login">
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
