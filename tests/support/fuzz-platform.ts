// The security suite's platform (the fuzzer's and the held-up checks'): the embedded tier with its
// gateway on a real port, since OIDC sign-in needs HTTP and hostile paths need a socket (inject()
// would resolve `..` before the gateway saw it); mail kept in memory so new accounts can be
// verified; and people signed in as the web app signs them in (authorization code + PKCE), each
// owning a workspace of their own.
import { after, before } from 'node:test';
import { type EmbeddedOptions, type EmbeddedPlatform, startEmbeddedPlatform } from '@canvass/launcher';
import { decodeJwt } from 'jose';
import * as client from 'openid-client';
import { type Api, httpApi } from './api.ts';
import { freePort } from './cluster.ts';
import { testMail } from './mail.ts';
import { signInToWebApp, signUpVerified } from './sign-in.ts';

export interface Person {
  email: string;
  password: string;
  userId: string;
  /** The workspace they started with, as its owner. */
  home: string;
  /** An access token for their home workspace, from signing in. */
  token: string;
  /** A new access token for `workspace` (a refresh grant naming it; the refresh token rotates). */
  tokenFor(workspace: string): Promise<string>;
}

export interface SecurityPlatform {
  platform: EmbeddedPlatform;
  /** Where the gateway listens; also the platform's public URL (the token issuer and audience). */
  base: string;
  api: Api;
  /** The token in the newest mail to this address (sign-up, reset). */
  mailedToken(email: string): Promise<string>;
  /** Signs up, confirms the address, and signs in to the web app. */
  person(name: string): Promise<Person>;
}

export function useSecurityPlatform(
  options: Pick<EmbeddedOptions, 'rateLimits'> = {},
): () => SecurityPlatform {
  const mail = testMail();
  let security: SecurityPlatform;
  const mailedToken = (email: string) => mail.token(email);
  before(async () => {
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    const platform = await startEmbeddedPlatform({
      dataDir: 'memory://',
      logLevel: 'silent',
      mail: mail.transport,
      publicUrl: base,
      ...options,
    });
    await platform.gateway.listen({ port, host: '127.0.0.1' });
    security = {
      platform,
      base,
      api: httpApi(base),
      mailedToken,
      async person(name) {
        const email = `${name.toLowerCase()}-${crypto.randomUUID().slice(0, 8)}@example.test`;
        const password = `${name} has a long enough password`;
        await signUpVerified({ base, mailedToken }, email, password, name);
        const signedIn = await signInToWebApp(base, email, password);
        if (!signedIn.tokens) throw new Error(`${name} could not sign in: ${signedIn.response.status}`);
        const claims = decodeJwt(signedIn.tokens.access_token);
        let refreshToken = signedIn.tokens.refresh_token!;
        return {
          email,
          password,
          userId: String(claims.sub),
          home: String(claims.workspace),
          token: signedIn.tokens.access_token,
          async tokenFor(workspace) {
            const next = await client.refreshTokenGrant(signedIn.config, refreshToken, {
              workspace,
              resource: `${base}/api`,
            });
            refreshToken = next.refresh_token ?? refreshToken;
            return next.access_token;
          },
        };
      },
    };
  });
  after(() => security?.platform.stop());
  return () => security;
}
