// The OAuth2/OIDC provider (oidc-provider), configured for Canvass: authorization code + PKCE for
// the web app, client credentials for machine clients, refresh tokens, revocation, ES256 keys kept
// in the database, and JWT access tokens for the API that carry the workspace and role.
import { ALL_SCOPES, escapeHtml } from '@canvass/service-kit';
import type { Kysely } from 'kysely';
import type Provider from 'oidc-provider';
import type { IdentityTables } from '../tables.ts';
import { createAdapterClass } from './adapter.ts';
import { loadProviderKeys } from './keys.ts';
import { page } from './pages.ts';

export const WEB_CLIENT_ID = 'canvass-web';

export interface ProviderOptions {
  db: Kysely<IdentityTables>;
  publicUrl: string;
  /** Extra redirect URIs for the web client (development servers). */
  webRedirectUris?: string[];
}

export const apiResource = (publicUrl: string) => `${publicUrl}/api`;

export async function createProvider(options: ProviderOptions): Promise<Provider> {
  // Loaded at the first sign-in, not at start: it is a large module and most requests never need it.
  const { default: ProviderClass, errors } = await import('oidc-provider');
  const { db, publicUrl } = options;
  const keys = await loadProviderKeys(db);
  const resource = apiResource(publicUrl);

  const provider = new ProviderClass(`${publicUrl}/oidc`, {
    adapter: createAdapterClass(db),
    clients: [
      {
        client_id: WEB_CLIENT_ID,
        token_endpoint_auth_method: 'none',
        grant_types: ['authorization_code', 'refresh_token'],
        response_types: ['code'],
        redirect_uris: [`${publicUrl}/auth/callback`, ...(options.webRedirectUris ?? [])],
      },
    ],
    clientDefaults: { id_token_signed_response_alg: 'ES256' },
    extraClientMetadata: { properties: ['workspace_id', 'api_scopes'] },
    jwks: { keys: keys.jwks as never },
    cookies: { keys: keys.cookieKeys },
    claims: { email: ['email', 'email_verified'], profile: ['name'] },
    features: {
      devInteractions: { enabled: false },
      clientCredentials: { enabled: true },
      revocation: { enabled: true },
      introspection: { enabled: true },
      rpInitiatedLogout: {
        enabled: true,
        // Sign-out asks once, in plain words; the form and its hidden field come from the provider.
        async logoutSource(ctx, form) {
          ctx.type = 'html';
          ctx.body = page(
            'Sign out',
            `<h1>Sign out of Canvass?</h1>${form}<button form="op.logoutForm" name="logout" value="yes" type="submit">Sign out</button> <button form="op.logoutForm" type="submit">Stay signed in</button>`,
          );
        },
        async postLogoutSuccessSource(ctx) {
          ctx.type = 'html';
          ctx.body = page('Signed out', '<h1>You are signed out</h1><p><a href="/">Back to Canvass</a></p>');
        },
      },
      resourceIndicators: {
        enabled: true,
        defaultResource: async () => resource,
        // A token request naming the API resource gets a JWT for it; one without gets an opaque
        // token for userinfo (/oidc/me), which rejects API tokens.
        useGrantedResource: async () => false,
        getResourceServerInfo: async (_ctx, target, client) => {
          if (target !== resource) throw new errors.InvalidTarget();
          // Machine clients get the scopes they were registered with; people get every scope and
          // the gateway narrows it to what their role allows.
          const scope =
            client.clientId === WEB_CLIENT_ID
              ? ALL_SCOPES.join(' ')
              : String((client as unknown as { api_scopes?: string }).api_scopes ?? '');
          return {
            scope,
            audience: resource,
            accessTokenTTL: 900,
            accessTokenFormat: 'jwt',
            jwt: { sign: { alg: 'ES256' } },
          };
        },
      },
    },
    ttl: {
      AccessToken: (_ctx, token) =>
        (token as { resourceServer?: { accessTokenTTL?: number } }).resourceServer?.accessTokenTTL ?? 900,
      ClientCredentials: (_ctx, token) =>
        (token as { resourceServer?: { accessTokenTTL?: number } }).resourceServer?.accessTokenTTL ?? 900,
      AuthorizationCode: 60,
      RefreshToken: 30 * 24 * 3600,
      Interaction: 3600,
      Session: 14 * 24 * 3600,
      Grant: 30 * 24 * 3600,
      IdToken: 3600,
    },
    async findAccount(_ctx, sub) {
      const user = await db
        .selectFrom('users')
        .select(['id', 'email', 'display_name', 'email_verified_at'])
        .where('id', '=', sub)
        .where('deleted_at', 'is', null)
        .executeTakeFirst();
      if (!user) return undefined;
      return {
        accountId: user.id,
        claims: async () => ({
          sub: user.id,
          email: user.email,
          email_verified: user.email_verified_at !== null,
          name: user.display_name,
        }),
      };
    },
    async extraTokenClaims(ctx, token) {
      const accountId = (token as { accountId?: string }).accountId;
      if (accountId) {
        // A token request may name the workspace to act in (`workspace=<id>` in the form body, e.g.
        // when the web app switches workspace with a refresh grant); otherwise the user's first.
        // (oidc-provider's extraParams cover only authorization requests, so read the body.)
        const body = (ctx.oidc as unknown as { body?: Record<string, unknown> }).body;
        const wanted = typeof body?.workspace === 'string' ? body.workspace : undefined;
        let query = db
          .selectFrom('memberships')
          .innerJoin('workspaces', 'workspaces.id', 'memberships.workspace_id')
          .select(['memberships.workspace_id', 'memberships.role', 'workspaces.plan'])
          .where('memberships.user_id', '=', accountId);
        if (wanted) query = query.where('memberships.workspace_id', '=', wanted);
        const membership = await query.orderBy('memberships.created_at').executeTakeFirst();
        if (wanted && !membership) throw new errors.InvalidRequest('you are not a member of that workspace');
        return membership
          ? { workspace: membership.workspace_id, role: membership.role, plan: membership.plan }
          : undefined;
      }
      const client = (token as { client?: { workspace_id?: string } }).client;
      if (!client?.workspace_id) return undefined;
      // Machine clients carry their workspace's plan too (the gateway's per-workspace rate limits).
      const workspace = await db
        .selectFrom('workspaces')
        .select('plan')
        .where('id', '=', client.workspace_id)
        .executeTakeFirst();
      return { workspace: client.workspace_id, ...(workspace ? { plan: workspace.plan } : {}) };
    },
    async renderError(ctx, out) {
      ctx.type = 'html';
      ctx.body = page(
        'Sign-in problem',
        `<h1>Something went wrong signing in</h1><p>${escapeHtml(out.error_description ?? out.error)}</p><p><a href="/">Back to Canvass</a></p>`,
      );
    },
  });
  // Trusts X-Forwarded-*: mountProvider (interactions.ts) always overwrites them, from the public
  // URL and the client address the gateway signed, before a request reaches the provider.
  provider.proxy = true;
  // Koa takes any TLS socket as https before it reads X-Forwarded-Proto; under mutual TLS between
  // services (the gateway's hop to identity) that would make every URL and cookie https whatever
  // the public URL says. The public URL decides, as X-Forwarded-Proto carries it.
  Object.defineProperty(provider.request, 'protocol', {
    configurable: true,
    get(this: { get(field: string): string }) {
      return this.get('X-Forwarded-Proto').split(/\s*,\s*/, 1)[0] || 'http';
    },
  });
  return provider;
}
