import type { Generated } from 'kysely';

export interface IdentityTables {
  users: {
    id: string;
    email: string;
    password_hash: string;
    display_name: string;
    email_verified_at: Date | null;
    created_at: Generated<Date>;
    deleted_at: Date | null;
  };
  workspaces: { id: string; name: string; plan: Generated<string>; created_at: Generated<Date> };
  memberships: { workspace_id: string; user_id: string; role: string; created_at: Generated<Date> };
  email_tokens: {
    token_hash: string;
    user_id: string;
    purpose: string;
    expires_at: Date;
    used_at: Date | null;
  };
  invitations: {
    id: string;
    workspace_id: string;
    role: string;
    email: string | null;
    token_hash: string;
    invited_by: string | null;
    created_at: Generated<Date>;
    expires_at: Date;
    accepted_by: string | null;
    accepted_at: Date | null;
  };
  api_keys: {
    id: string;
    workspace_id: string;
    name: string;
    secret_hash: string;
    scopes: string[];
    created_by: string | null;
    created_at: Generated<Date>;
    last_used_at: Date | null;
    revoked_at: Date | null;
  };
  /** Machine clients as their workspace sees them; the provider's own record is in oidc_payloads. */
  machine_clients: {
    id: string;
    workspace_id: string;
    name: string;
    scopes: string[];
    held_by: string | null;
    created_at: Generated<Date>;
    secret_rotated_at: Date | null;
    revoked_at: Date | null;
  };
}
