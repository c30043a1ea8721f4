// Signing in as a browser does, with a real OIDC client library (openid-client): authorization
// code + PKCE through the sign-in page, following the provider's redirects to the client's
// callback, or to the page that stops the browser on the way (a consent page).
import assert from 'node:assert/strict';
import { ALL_SCOPES } from '@canvass/service-kit';
import * as client from 'openid-client';
import { httpApi } from './api.ts';
import { BrowserSession, locationOf } from './browser-session.ts';

export interface SignInStart {
  browser: BrowserSession;
  config: client.Configuration;
  verifier: string;
  state: string;
  redirectUri: string;
  /** The answer to the sign-in form: 303 on to the provider when the password was right. */
  response: Response;
}

/**
 * Authorization code + PKCE for a public client, as a browser walks it: to the sign-in page, then
 * the form sent. Asks for refresh tokens (offline_access, which needs `prompt=consent`) and, for
 * the web app, every API scope (the gateway narrows them to the user's role).
 */
export async function startSignIn(
  base: string,
  options: { email: string; password: string; clientId?: string; redirectUri?: string; scope?: string },
): Promise<SignInStart> {
  const clientId = options.clientId ?? 'canvass-web';
  const redirectUri = options.redirectUri ?? `${base}/auth/callback`;
  const config = await client.discovery(new URL(`${base}/oidc`), clientId, undefined, client.None(), {
    execute: [client.allowInsecureRequests],
  });
  const verifier = client.randomPKCECodeVerifier();
  const state = client.randomState();
  const authorizationUrl = client.buildAuthorizationUrl(config, {
    redirect_uri: redirectUri,
    scope: options.scope ?? `openid email profile offline_access ${ALL_SCOPES.join(' ')}`,
    code_challenge: await client.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
    state,
    prompt: 'consent',
    resource: `${base}/api`,
  });
  const browser = new BrowserSession();
  const first = await browser.request(authorizationUrl.toString());
  const next = locationOf(first, base);
  assert.match(next, /\/interaction\//);
  const loginPage = await browser.request(next);
  assert.match(await loginPage.text(), /<label for="email">E-mail<\/label>/);
  const response = await browser.request(`${next}/login`, {
    form: { email: options.email, password: options.password },
  });
  return { browser, config, verifier, state, redirectUri, response };
}

/**
 * Follows redirects from `response` as a browser would, until one leaves for `redirectUri` (the
 * client's callback, with the code), or a page is shown on the way (a consent page).
 */
export async function followRedirects(
  browser: BrowserSession,
  response: Response,
  base: string,
  redirectUri: string,
): Promise<{ callback: URL } | { page: Response; url: string }> {
  let current = response;
  for (let hop = 0; hop < 10; hop++) {
    const next = locationOf(current, base);
    if (next.startsWith(redirectUri)) return { callback: new URL(next) };
    current = await browser.request(next);
    if (current.status < 300 || current.status >= 400) return { page: current, url: next };
  }
  throw new Error('too many redirects');
}

/** Signs up through the gateway and confirms the address with the mailed link. */
export async function signUpVerified(
  platform: { base: string; mailedToken(email: string): Promise<string> },
  email: string,
  password: string,
  name: string,
) {
  const api = httpApi(platform.base);
  const response = await api('POST', '/api/v1/accounts', { body: { email, password, name } });
  assert.equal(response.status, 202);
  const verified = await api('POST', '/api/v1/accounts/verify', {
    body: { token: await platform.mailedToken(email) },
  });
  assert.equal(verified.status, 200);
}

/**
 * Signs in to the web app (canvass-web) and takes its tokens; `tokens` is missing when the sign-in
 * form was refused (`response` says how).
 */
export async function signInToWebApp(base: string, email: string, password: string) {
  const started = await startSignIn(base, { email, password });
  const { config, browser, response } = started;
  if (response.status !== 303) return { response, config };
  // Canvass's own web app: no consent page, the browser goes from sign-in to the callback.
  const landed = await followRedirects(browser, response, base, started.redirectUri);
  if (!('callback' in landed)) assert.fail(`a page was shown after sign-in: ${landed.url}`);
  const tokens = await client.authorizationCodeGrant(
    config,
    landed.callback,
    { pkceCodeVerifier: started.verifier, expectedState: started.state },
    { resource: `${base}/api` },
  );
  return { response, config, tokens };
}
