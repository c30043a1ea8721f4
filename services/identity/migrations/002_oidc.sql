-- The OAuth2/OIDC provider's state: sessions, interactions, grants, codes, refresh tokens, clients.
create table oidc_payloads (
  model text not null,
  id text not null,
  payload jsonb not null,
  grant_id text,
  uid text,
  user_code text,
  expires_at timestamptz,
  consumed_at timestamptz,
  primary key (model, id)
);
create index oidc_payloads_grant on oidc_payloads (grant_id) where grant_id is not null;
create index oidc_payloads_uid on oidc_payloads (uid) where uid is not null;

-- Signing keys (private ES256 JWKs) and cookie keys, kept across restarts. The newest active
-- signing key signs; older ones stay published until retired, so tokens they signed still verify.
create table provider_keys (
  kid text primary key,
  use text not null check (use in ('sig', 'cookie')),
  secret jsonb not null,
  created_at timestamptz not null default now(),
  retired_at timestamptz
);
