// A new workspace and an API key for it, in the embedded tier: sign up through the gateway, then
// make the key as the workspace's owner would (the identity service, with a signed identity), so
// a test can act in a workspace of its own without walking the sign-in pages.
import assert from 'node:assert/strict';
import type { EmbeddedPlatform } from '@canvass/launcher';
import { ALL_SCOPES, IDENTITY_HEADER, signIdentity } from '@canvass/service-kit';
import type { Api } from './api.ts';

export interface WorkspaceKey {
  key: string;
  workspace: string;
  userId: string;
}

/** Signs up a new account (its own workspace) and makes an API key there with `scopes`. */
export async function ownerApiKey(
  platform: EmbeddedPlatform,
  api: Api,
  scopes: readonly string[] = ALL_SCOPES,
): Promise<WorkspaceKey> {
  const email = `owner-${crypto.randomUUID().slice(0, 8)}@example.test`;
  const signUp = await api('POST', '/api/v1/accounts', {
    body: { email, password: 'a long enough password', name: 'Owner' },
  });
  assert.equal(signUp.status, 202);
  const owner = await platform.host
    .database('identity')
    .kysely.selectFrom('users')
    .innerJoin('memberships', 'memberships.user_id', 'users.id')
    .select(['users.id', 'memberships.workspace_id'])
    .where('users.email', '=', email)
    .executeTakeFirstOrThrow();
  const key = await workspaceApiKey(platform, { userId: owner.id, workspace: owner.workspace_id }, scopes);
  return { key, workspace: owner.workspace_id, userId: owner.id };
}

/** Another API key in a workspace, made by its owner. */
export async function workspaceApiKey(
  platform: EmbeddedPlatform,
  owner: { userId: string; workspace: string },
  scopes: readonly string[],
): Promise<string> {
  const identity = platform.runtimes.find((runtime) => runtime.name === 'identity')!.app;
  const made = await identity.inject({
    method: 'POST',
    url: '/api/v1/api-keys',
    headers: {
      [IDENTITY_HEADER]: await signIdentity(platform.internalSecret, {
        subject: owner.userId,
        kind: 'user',
        workspace: owner.workspace,
        role: 'owner',
        scopes: ALL_SCOPES,
      }),
    },
    payload: { name: `test key (${scopes.length} scopes)`, scopes },
  });
  assert.equal(made.statusCode, 201, made.body);
  return made.json().key;
}
