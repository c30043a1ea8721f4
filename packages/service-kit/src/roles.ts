// Roles and what each may do. No imports: the web app imports this file too
// (`@canvass/service-kit/roles`), so its menus show what the gateway will allow.

export type Role = 'owner' | 'admin' | 'editor' | 'viewer';

/** What each role may do; an API key has exactly the scopes it was created with. */
export const roleScopes: Readonly<Record<Role, readonly string[]>> = {
  viewer: ['polls:read', 'results:read'],
  editor: ['polls:read', 'results:read', 'polls:write'],
  admin: [
    'polls:read',
    'results:read',
    'polls:write',
    'webhooks:manage',
    'api-keys:manage',
    'members:manage',
  ],
  owner: [
    'polls:read',
    'results:read',
    'polls:write',
    'webhooks:manage',
    'api-keys:manage',
    'members:manage',
    'workspace:manage',
  ],
};

export const ALL_SCOPES = roleScopes.owner;
