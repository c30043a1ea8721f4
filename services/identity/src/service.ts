// The identity service: users, workspaces and their members, API keys; the OAuth2/OIDC provider
// joins it next (see docs/identity.md).
import type { ServiceContext, ServiceModule } from '@canvass/service-kit';
import { accountRoutes } from './accounts/routes.ts';
import { apiKeyRoutes } from './api-keys/routes.ts';
import type { Mailer } from './mail/mailer.ts';

export interface IdentityOptions {
  mailer: Mailer;
  publicUrl: string;
  internalSecret: string | undefined;
}

export function createIdentityService(options: IdentityOptions) {
  return (context: ServiceContext): ServiceModule => ({
    name: 'identity',
    migrationsDir: new URL('../migrations/', import.meta.url),
    routes(app) {
      accountRoutes(app, { ...context, mailer: options.mailer, publicUrl: options.publicUrl });
      apiKeyRoutes(app, { ...context, internalSecret: options.internalSecret });
    },
  });
}
