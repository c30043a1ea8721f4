// The events phase's server: the embedded tier (every service in this one process, PGlite) listening
// on a free port, with a workspace owner made the way the embedded tests make one (signed up through
// the gateway, then an API key from identity with a signed identity) on the Business plan (an event's
// polls open without the free plan's quota). Run by the events phase in its own process (fork, IPC):
// it sends `{ url, key }` once ready, and stops when the phase disconnects.
import { randomUUID } from 'node:crypto';
import { startEmbeddedPlatform } from '@canvass/launcher';
import { ALL_SCOPES, entitlementsChanged, IDENTITY_HEADER, signIdentity } from '@canvass/service-kit';
import { sql } from 'kysely';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const platform = await startEmbeddedPlatform({
  dataDir: 'memory://',
  logLevel: 'error',
  // Every participant comes from one address: measure events, not the per-IP limits.
  rateLimits: { perIp: { points: 100_000_000, windowSeconds: 60 } },
  liveLimits: { perAddress: 1_000_000, perPoll: 1_000_000 },
});
await platform.gateway.listen({ port: 0, host: '127.0.0.1' });
const address = platform.gateway.server.address();
const url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;

const email = `bench-${randomUUID().slice(0, 8)}@example.test`;
const signUp = await platform.gateway.inject({
  method: 'POST',
  url: '/api/v1/accounts',
  headers: { 'content-type': 'application/json' },
  payload: JSON.stringify({ email, password: 'a long enough password', name: 'Bench presenter' }),
});
if (signUp.statusCode !== 202) throw new Error(`cannot sign up: ${signUp.statusCode} ${signUp.body}`);
let owner: { userId: string; workspace: string } | undefined;
while (!owner) {
  const found = await sql<{ userId: string; workspace: string }>`
    select u.id as "userId", m.workspace_id as workspace from users u
    join memberships m on m.user_id = u.id where u.email = ${email}`.execute(
    platform.host.database('identity').kysely,
  );
  owner = found.rows[0];
  if (!owner) await sleep(50);
}
await platform.bus.publish([
  entitlementsChanged({ workspaceId: owner.workspace, plan: 'business', version: 1_000_000 }),
]);
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
  payload: { name: 'bench presenter', scopes: ['polls:read', 'polls:write'] },
});
if (made.statusCode !== 201) throw new Error(`cannot make an API key: ${made.statusCode} ${made.body}`);

process.send?.({ url, key: made.json().key });
const stop = async () => {
  await platform.stop();
  process.exit(0);
};
process.on('disconnect', stop);
process.on('SIGTERM', stop);
