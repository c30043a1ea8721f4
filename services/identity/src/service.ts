// The identity service: users, workspaces and their members, API keys and machine clients, and
// the OAuth2/OIDC provider (see README.md).
import type { ServiceContext, ServiceModule } from '@canvass/service-kit';
import type { Kysely } from 'kysely';
import type Provider from 'oidc-provider';
import { accountRoutes } from './accounts/routes.ts';
import { selfServiceRoutes } from './accounts/self-service.ts';
import { apiKeyRoutes } from './api-keys/routes.ts';
import { clientRoutes } from './clients/routes.ts';
import { identityEntitlements } from './entitlements.ts';
import { createLimiters, defaultLimits, type IdentityLimits } from './limits.ts';
import { accountMailer } from './mail/account-mail.ts';
import { memberRoutes } from './members/routes.ts';
import { interactionRoutes, mountProvider } from './oidc/interactions.ts';
import { KEYS_CHANNEL, keyAdminRoutes } from './oidc/key-admin.ts';
import { createProvider } from './oidc/provider.ts';
import type { IdentityTables } from './tables.ts';
import { workspaceRoutes } from './workspaces/routes.ts';

export interface IdentityOptions {
  publicUrl: string;
  internalSecret: string | undefined;
  limits?: Partial<IdentityLimits>;
  /** A connected node-redis client: limits shared by every identity replica (cluster tier). */
  redis?: unknown;
}

export function createIdentityService(options: IdentityOptions) {
  const limiters = createLimiters({ ...defaultLimits, ...options.limits }, options.redis);
  let rebuildProvider = () => {};
  return (context: ServiceContext): ServiceModule => {
    const secret = options.internalSecret ?? context.internalSecret;
    if (!secret)
      throw new Error('identity needs CANVASS_INTERNAL_SECRET: account mails seal their links with it');
    const accountMail = accountMailer(context.outbox, secret);
    return {
      name: 'identity',
      migrationsDir: new URL('../migrations/', import.meta.url),
      openapi: {
        tags: [
          { name: 'Accounts', description: 'Sign up, confirm the address, passwords, delete the account.' },
          { name: 'Credentials', description: 'API keys and machine clients of a workspace.' },
          { name: 'Members', description: 'A workspace’s members, roles and invitations.' },
          { name: 'Workspaces', description: 'The workspaces you belong to, and starting new ones.' },
        ],
      },
      adminRoutes: (app) => keyAdminRoutes(app, context, () => rebuildProvider()),
      // Key changes made through another replica: rebuild the provider with the keys as they are.
      background: (() => {
        let unlisten: (() => Promise<void>) | undefined;
        return {
          start() {
            context.db
              .listen(KEYS_CHANNEL, () => rebuildProvider())
              .then((stop) => {
                unlisten = stop;
              })
              .catch((error: unknown) =>
                context.logger.warn(
                  { err: error },
                  'cannot listen for key changes; other replicas’ rotations apply after a restart',
                ),
              );
          },
          async stop() {
            await unlisten?.();
          },
        };
      })(),
      consumers: [identityEntitlements],
      async routes(app) {
        accountRoutes(app, {
          ...context,
          accountMail,
          publicUrl: options.publicUrl,
          internalSecret: options.internalSecret,
          limiters,
        });
        apiKeyRoutes(app, { ...context, internalSecret: options.internalSecret });
        clientRoutes(app, { ...context, internalSecret: options.internalSecret });
        selfServiceRoutes(app, {
          ...context,
          internalSecret: options.internalSecret,
          accountMail,
          publicUrl: options.publicUrl,
          limiters,
        });
        memberRoutes(app, {
          ...context,
          internalSecret: options.internalSecret,
          accountMail,
          publicUrl: options.publicUrl,
        });
        workspaceRoutes(app, { ...context, internalSecret: options.internalSecret });
        const db = context.db.kysely as Kysely<IdentityTables>;
        // Built on first use: its keys live in tables that migrations create after routes are registered.
        let provider: Promise<Provider> | undefined;
        const getProvider = () => {
          provider ??= createProvider({ db, publicUrl: options.publicUrl });
          provider.catch(() => {
            provider = undefined;
          });
          return provider;
        };
        const edge = { publicUrl: options.publicUrl, internalSecret: options.internalSecret, limiters };
        await mountProvider(app, getProvider, edge);
        rebuildProvider = () => {
          provider = undefined;
        };
        await app.register(async (scope) => interactionRoutes(scope, getProvider, db, edge));
      },
    };
  };
}
