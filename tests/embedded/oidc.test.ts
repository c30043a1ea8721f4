import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { type EmbeddedPlatform, startEmbeddedPlatform } from '@canvass/launcher';
import { sql } from 'kysely';
import { freePort } from '../support/cluster.ts';
import { testMail } from '../support/mail.ts';
import { type OidcPlatform, oidcTests } from '../support/oidc.ts';
import { followRedirects, signUpVerified, startSignIn } from '../support/sign-in.ts';
import { workspaceTests } from '../support/workspaces.ts';

const mail = testMail();
const adminToken = `oidc-operator-${crypto.randomUUID()}`;
let platform: EmbeddedPlatform;
let oidc: OidcPlatform;

before(async () => {
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  platform = await startEmbeddedPlatform({
    dataDir: 'memory://',
    logLevel: 'silent',
    mail: mail.transport,
    publicUrl: base,
    adminToken,
  });
  await platform.gateway.listen({ port, host: '127.0.0.1' });
  oidc = {
    base,
    adminToken,
    async mailedToken(email) {
      return mail.token(email);
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
workspaceTests(() => oidc);

test('another application is asked for consent; Allow grants it, the web app never sees the page', async () => {
  // A third-party web application registered with the provider (public, authorization code).
  const clientId = `partner-${crypto.randomUUID().slice(0, 8)}`;
  const redirectUri = 'https://partner.example/callback';
  const metadata = {
    client_id: clientId,
    client_name: 'Partner',
    grant_types: ['authorization_code'],
    response_types: ['code'],
    redirect_uris: [redirectUri],
    token_endpoint_auth_method: 'none',
  };
  await sql`insert into oidc_payloads (model, id, payload) values ('Client', ${clientId}, ${JSON.stringify(metadata)}::jsonb)`.execute(
    platform.host.database('identity').kysely,
  );
  const email = `consent-${crypto.randomUUID().slice(0, 8)}@example.test`;
  await signUpVerified(oidc, email, 'a very long password', 'Consent');

  const started = await startSignIn(oidc.base, {
    email,
    password: 'a very long password',
    clientId,
    redirectUri,
    scope: 'openid email',
  });
  assert.equal(started.response.status, 303);
  const shown = await followRedirects(started.browser, started.response, oidc.base, redirectUri);
  assert.ok('page' in shown, 'a page stops the browser');
  assert.match(await shown.page.text(), new RegExp(`Allow ${clientId} to use your Canvass account\\?`));
  const allowed = await started.browser.request(`${shown.url}/confirm`, { method: 'POST' });
  const landed = await followRedirects(started.browser, allowed, oidc.base, redirectUri);
  assert.ok('callback' in landed, 'allowed, the browser goes on to the application');
  assert.ok(landed.callback.searchParams.get('code'));
  assert.equal(landed.callback.searchParams.get('state'), started.state);

  // The web app, same user: straight from the sign-in form to its callback.
  const web = await startSignIn(oidc.base, { email, password: 'a very long password' });
  const straight = await followRedirects(web.browser, web.response, oidc.base, web.redirectUri);
  assert.ok('callback' in straight, 'no page between the sign-in form and the web app');
  assert.ok(straight.callback.searchParams.get('code'));
});
