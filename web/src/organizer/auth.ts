// Signing organizers in: OAuth 2 authorization code + PKCE against Canvass's own provider at
// /oidc, as the public client `canvass-web`. The session (access token for the API, rotating
// refresh token) is kept in localStorage so tabs share it (the presenter view opens in its own
// tab); one refresh runs at a time per tab, and a tab that loses a rotation race to another tab
// takes the other tab's tokens instead of signing the user out.
import { ALL_SCOPES, type Role, roleScopes } from '@canvass/service-kit/roles';
import { ApiError, callApi, unreachable } from '../api.ts';
import { forget, read, SESSION_KEY, write } from '../storage.ts';

const CLIENT_ID = 'canvass-web';
const PENDING_KEY = 'canvass.signIn';
/** Refresh this long before the access token runs out, so no request meets an expired one. */
const EARLY_MS = 30_000;

export type { Role };

export interface Session {
  accessToken: string;
  refreshToken: string;
  expiresAt: number;
  workspace: string;
  role: Role;
  scopes: string[];
  name: string | null;
  email: string | null;
}

interface TokenAnswer {
  access_token: string;
  refresh_token?: string;
  id_token?: string;
  expires_in: number;
  error?: string;
  error_description?: string;
}

function decodeJwt(token: string): Record<string, unknown> {
  const part = token.split('.')[1] ?? '';
  const json = atob(part.replaceAll('-', '+').replaceAll('_', '/'));
  return JSON.parse(new TextDecoder().decode(Uint8Array.from(json, (c) => c.charCodeAt(0))));
}

const base64url = (bytes: Uint8Array) =>
  btoa(String.fromCharCode(...bytes))
    .replaceAll('+', '-')
    .replaceAll('/', '_')
    .replace(/=+$/, '');
const randomString = () => base64url(crypto.getRandomValues(new Uint8Array(32)));

let listeners: Array<(session: Session | null) => void> = [];

export function readSession(): Session | null {
  try {
    return JSON.parse(read(SESSION_KEY) ?? 'null') as Session | null;
  } catch {
    return null;
  }
}

/** Keeps the session for every tab (without storage it lives in this tab only). */
function keep(session: Session | null): void {
  if (session) write(SESSION_KEY, JSON.stringify(session));
  else forget(SESSION_KEY);
  memory = session;
  for (const listener of listeners) listener(session);
}

let memory: Session | null = readSession();

export function currentSession(): Session | null {
  return memory;
}

export function onSessionChange(listener: (session: Session | null) => void): () => void {
  listeners.push(listener);
  const fromOtherTab = (event: StorageEvent) => {
    if (event.key === SESSION_KEY) {
      memory = readSession();
      listener(memory);
    }
  };
  addEventListener('storage', fromOtherTab);
  return () => {
    listeners = listeners.filter((l) => l !== listener);
    removeEventListener('storage', fromOtherTab);
  };
}

/** The API's public address: the provider's issuer without `/oidc`. Tokens are bound to it. */
async function publicUrl(): Promise<string> {
  const discovery = await callApi<{ issuer: string }>('GET', '/oidc/.well-known/openid-configuration');
  return discovery.issuer.replace(/\/oidc$/, '');
}

function sessionFrom(answer: TokenAnswer, previous: Session | null): Session {
  const claims = decodeJwt(answer.access_token);
  const identity = answer.id_token ? decodeJwt(answer.id_token) : {};
  const role = (typeof claims.role === 'string' ? claims.role : 'viewer') as Role;
  const granted = String(claims.scope ?? '').split(' ');
  return {
    accessToken: answer.access_token,
    refreshToken: answer.refresh_token ?? previous?.refreshToken ?? '',
    expiresAt: Date.now() + answer.expires_in * 1000,
    workspace: String(claims.workspace ?? ''),
    role,
    scopes: (roleScopes[role] ?? []).filter((scope) => granted.includes(scope)),
    name: typeof identity.name === 'string' ? identity.name : (previous?.name ?? null),
    email: typeof identity.email === 'string' ? identity.email : (previous?.email ?? null),
  };
}

async function tokenRequest(form: Record<string, string>): Promise<TokenAnswer> {
  const response = await fetch('/oidc/token', {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
    body: new URLSearchParams({ client_id: CLIENT_ID, ...form }),
  }).catch(() => {
    throw unreachable();
  });
  const answer = (await response.json().catch(() => ({}))) as TokenAnswer;
  if (!response.ok) {
    throw new ApiError(
      response.status,
      answer.error ?? 'error',
      answer.error_description ?? 'Signing in did not work. Try again.',
    );
  }
  return answer;
}

/** Where to go after signing in: a path of this site only (never `//elsewhere` or `/\\elsewhere`). */
export const safeReturn = (path: string | null | undefined) =>
  path && /^\/(?![/\\])/.test(path) ? path : '/app';

/** Goes to the provider's sign-in page; the callback brings the user back to `returnTo`. */
export async function startSignIn(returnTo: string): Promise<void> {
  const origin = await publicUrl();
  if (origin !== location.origin) {
    // Tokens are bound to the public address: sign in there, or the callback lands elsewhere.
    location.assign(`${origin}${location.pathname}${location.search}`);
    return;
  }
  const verifier = randomString();
  const state = randomString();
  const challenge = base64url(
    new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier))),
  );
  sessionStorage.setItem(PENDING_KEY, JSON.stringify({ verifier, state, returnTo: safeReturn(returnTo) }));
  const query = new URLSearchParams({
    client_id: CLIENT_ID,
    response_type: 'code',
    redirect_uri: `${origin}/auth/callback`,
    // Every API scope: the gateway narrows them to what the member's role allows.
    scope: `openid email profile offline_access ${ALL_SCOPES.join(' ')}`,
    code_challenge: challenge,
    code_challenge_method: 'S256',
    state,
    // A refresh token (offline_access) is only issued with an explicit consent prompt; Canvass's
    // own app is granted without showing one.
    prompt: 'consent',
    resource: `${origin}/api`,
  });
  location.assign(`/oidc/auth?${query}`);
}

/** Finishes sign-in on /auth/callback; answers where to go next. */
export async function finishSignIn(search: string): Promise<string> {
  const params = new URLSearchParams(search);
  const error = params.get('error');
  if (error) {
    throw new ApiError(400, error, params.get('error_description') ?? 'Signing in was cancelled.');
  }
  const pending = JSON.parse(sessionStorage.getItem(PENDING_KEY) ?? 'null') as {
    verifier: string;
    state: string;
    returnTo: string;
  } | null;
  if (!pending || pending.state !== params.get('state')) {
    throw new ApiError(400, 'state', 'This sign-in link is stale. Start signing in again.');
  }
  sessionStorage.removeItem(PENDING_KEY);
  const answer = await tokenRequest({
    grant_type: 'authorization_code',
    code: params.get('code') ?? '',
    redirect_uri: `${location.origin}/auth/callback`,
    code_verifier: pending.verifier,
    resource: `${location.origin}/api`,
  });
  keep(sessionFrom(answer, null));
  return safeReturn(pending.returnTo);
}

let refreshing: Promise<Session> | null = null;

/**
 * Refreshes run one at a time across tabs (Web Locks; a tab without them, e.g. plain http on a
 * LAN address, serializes within itself only). Refresh tokens rotate and the provider revokes the
 * whole grant when one is used twice, so two tabs must never send the same one.
 */
function oneAtATime<T>(work: () => Promise<T>): Promise<T> {
  const locks = (navigator as Navigator & { locks?: LockManager }).locks;
  return locks ? locks.request('canvass.refresh', work) : work();
}

/**
 * A new access token, for the session's workspace or for `workspace` (a switch). The workspace is
 * always named: without it the provider picks the user's first, and a silent refresh would undo
 * a switch.
 */
export function refresh(workspace?: string): Promise<Session> {
  if (refreshing && !workspace) return refreshing;
  const had = memory?.accessToken;
  const attempt = (refreshing ?? Promise.resolve())
    .catch(() => undefined)
    .then(() =>
      oneAtATime(async () => {
        const before = readSession() ?? memory;
        if (!before) throw new ApiError(401, 'signed-out', 'You are signed out. Sign in again.');
        // Another tab refreshed while this one waited: its tokens do.
        if (!workspace && before.accessToken !== had && before.expiresAt - EARLY_MS > Date.now()) {
          memory = before;
          return before;
        }
        try {
          const answer = await tokenRequest({
            grant_type: 'refresh_token',
            refresh_token: before.refreshToken,
            resource: `${location.origin}/api`,
            workspace: workspace ?? before.workspace,
          });
          const session = sessionFrom(answer, before);
          keep(session);
          return session;
        } catch (error) {
          if (!(error instanceof ApiError) || error.kind !== 'invalid_grant') throw error;
          keep(null);
          throw new ApiError(401, 'signed-out', 'Your session has ended. Sign in again.');
        }
      }),
    );
  refreshing = attempt;
  attempt.then(
    () => {
      if (refreshing === attempt) refreshing = null;
    },
    () => {
      if (refreshing === attempt) refreshing = null;
    },
  );
  return attempt;
}

/** A usable access token, refreshed first when it is about to run out. */
export async function accessToken(): Promise<string> {
  const session = readSession() ?? memory;
  if (!session) throw new ApiError(401, 'signed-out', 'You are signed out. Sign in again.');
  if (session.expiresAt - EARLY_MS > Date.now()) return session.accessToken;
  return (await refresh()).accessToken;
}

/** The API as the signed-in organizer: a 401 refreshes once and tries again. */
export async function api<T>(method: string, url: string, body?: unknown): Promise<T> {
  const call = async (token: string) =>
    callApi<T>(method, url, {
      ...(body !== undefined ? { body } : {}),
      headers: { authorization: `Bearer ${token}` },
    });
  try {
    return await call(await accessToken());
  } catch (error) {
    if (!(error instanceof ApiError) || error.status !== 401 || error.kind === 'signed-out') throw error;
    return call((await refresh()).accessToken);
  }
}

export async function signOut(): Promise<void> {
  const session = readSession();
  keep(null);
  if (session?.refreshToken) {
    await fetch('/oidc/token/revocation', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        client_id: CLIENT_ID,
        token: session.refreshToken,
        token_type_hint: 'refresh_token',
      }),
    }).catch(() => undefined);
  }
  // Ends the provider's own session too, so the next sign-in asks for the password.
  location.assign(`/oidc/session/end?client_id=${CLIENT_ID}`);
}

export const can = (session: Session | null, scope: string) => session?.scopes.includes(scope) ?? false;
