import { after, before } from 'node:test';
import { memoryMailer } from '@canvass/identity';
import { type EmbeddedPlatform, startEmbeddedPlatform } from '@canvass/launcher';
import { freePort } from '../support/cluster.ts';
import { type OidcPlatform, oidcTests } from '../support/oidc.ts';

const mailer = memoryMailer();
const adminToken = `oidc-operator-${crypto.randomUUID()}`;
let platform: EmbeddedPlatform;
let oidc: OidcPlatform;

before(async () => {
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  platform = await startEmbeddedPlatform({
    dataDir: 'memory://',
    logLevel: 'silent',
    mailer,
    publicUrl: base,
    adminToken,
  });
  await platform.gateway.listen({ port, host: '127.0.0.1' });
  oidc = {
    base,
    adminToken,
    async mailedToken(email) {
      return /token=([\w-]+)/.exec(mailer.sent.filter((mail) => mail.to === email).at(-1)!.text)![1]!;
    },
    async workspaceOf(email) {
      const row = await platform.host
        .database('identity')
        .kysely.selectFrom('memberships')
        .innerJoin('users', 'users.id', 'memberships.user_id')
        .select('memberships.workspace_id')
        .where('users.email', '=', email)
        .executeTakeFirstOrThrow();
      return row.workspace_id as string;
    },
  };
});
after(() => platform.stop());

oidcTests(() => oidc);
