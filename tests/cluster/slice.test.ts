// The slice through the real cluster tier: `npm run start:cluster`'s launcher, one process per
// service, against PostgreSQL and NATS JetStream.
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { after, before, test } from 'node:test';
import { createPostgresDatabase, type Database } from '@canvass/database';
import { type Mailbox, type MailboxMessage, startMailbox } from '@canvass/notifications';
import { sql } from 'kysely';
import { Webhook } from 'standardwebhooks';
import { type Api, eventually, httpApi } from '../support/api.ts';
import { freePortBlock, TEST_DB_PREFIX, testDatabases } from '../support/cluster.ts';
import { type OidcPlatform, oidcTests } from '../support/oidc.ts';
import { openApiTests } from '../support/openapi.ts';
import { type OperatedPlatform, operationsTests } from '../support/operations.ts';
import { pollTypeTests } from '../support/polls.ts';
import { signInToWebApp, signUpVerified } from '../support/sign-in.ts';
import { sliceTests } from '../support/slice.ts';
import { recountProperty } from '../support/vote-properties.ts';
import { startReceiver } from '../support/webhook-receiver.ts';
import { workspaceTests } from '../support/workspaces.ts';

let launcher: ChildProcess;
let api: Api;
let operated: OperatedPlatform;
let pollsDb: Database;
let identityDb: Database;
let oidc: OidcPlatform;
const token = `cluster-operator-${crypto.randomUUID()}`;
let output = '';
let mailbox: Mailbox;
const mailTaken = new Set<string>();
/** The oldest mail to `to` not read before (the cluster's notifications sends it over SMTP). */
const nextMail = (to: string, subject?: RegExp): Promise<MailboxMessage> =>
  mailbox
    .waitFor(
      (m) => m.to.includes(to) && !mailTaken.has(m.id) && (!subject || subject.test(m.subject)),
      20_000,
    )
    .then((message) => {
      mailTaken.add(message.id);
      return message;
    });

function waitForOutput(pattern: RegExp, timeoutMs = 60_000): Promise<RegExpMatchArray> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`no ${pattern} in launcher output:\n${output}`)),
      timeoutMs,
    );
    const check = () => {
      const match = output.match(pattern);
      if (match) {
        clearTimeout(timer);
        launcher.stdout?.off('data', check);
        resolve(match);
      }
    };
    launcher.stdout?.on('data', check);
    check();
  });
}

before(async () => {
  // Free ports from here up: the gateway's and one per service process (up to gateway + 22).
  const port = await freePortBlock(24);
  // A real SMTP server for the cluster's mail, as an operator's SMTP_URL would name.
  mailbox = await startMailbox();
  launcher = spawn(process.execPath, ['tools/launcher/src/cluster.ts'], {
    env: {
      ...process.env,
      SMTP_URL: mailbox.smtpUrl,
      CANVASS_WEBHOOKS_ALLOW_LOOPBACK: 'true',
      CANVASS_WEBHOOK_RETRY_MS: '200,200,200',
      CANVASS_WEBHOOK_TIMEOUT_MS: '2000',
      PUBLIC_URL: `http://127.0.0.1:${port}`,
      PORT: String(port),
      CANVASS_DB_PREFIX: TEST_DB_PREFIX,
      LOG_LEVEL: 'warn',
      CANVASS_ADMIN_TOKEN: token,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  launcher.stdout?.on('data', (chunk) => {
    output += chunk;
  });
  launcher.stderr?.on('data', (chunk) => {
    output += chunk;
  });
  await waitForOutput(/cluster tier is ready/);
  const url = `http://127.0.0.1:${port}`;
  api = httpApi(url);
  pollsDb = createPostgresDatabase({ url: (await testDatabases(['polls'])).polls!, schema: 'polls' });
  operated = { api, url, token, pollsDb };
  identityDb = createPostgresDatabase({
    url: (await testDatabases(['identity'])).identity!,
    schema: 'identity',
  });
  oidc = {
    base: url,
    adminToken: token,
    async mailedToken(email) {
      return /token=([\w-]+)/.exec((await nextMail(email)).text)![1]!;
    },
    async workspaceOf(email) {
      const rows = await sql<{ workspace_id: string }>`select m.workspace_id from memberships m
        join users u on u.id = m.user_id where u.email = ${email} and u.deleted_at is null`.execute(
        identityDb.kysely,
      );
      return rows.rows[0]!.workspace_id;
    },
  };
});

after(async () => {
  await pollsDb.close();
  await identityDb.close();
  await mailbox.close();
  if (launcher.exitCode === null) {
    launcher.kill('SIGINT');
    await new Promise((resolve) => launcher.once('exit', resolve));
  }
});

sliceTests(() => api);
pollTypeTests(() => api);
recountProperty(
  () => api,
  () => pollsDb,
);
operationsTests(() => operated);
oidcTests(() => oidc);
workspaceTests(() => oidc);
openApiTests(() => api, { url: () => (path) => `${operated.url}${path}` });

test('a service process that dies is restarted, and no acknowledged vote is lost', async () => {
  const poll = (
    await api('POST', '/api/v1/polls', {
      body: { question: 'Survive?', options: [{ label: 'Yes' }, { label: 'No' }] },
    })
  ).body;
  const vote = (token: string) =>
    api('POST', `/api/v1/polls/${poll.id}/votes`, {
      body: { optionIds: [poll.options[0].id] },
      headers: { 'voter-token': token },
    });
  assert.equal((await vote(`before-${randomUUID()}`)).status, 201);

  const pid = Number((await waitForOutput(/started analytics \(pid (\d+)\)/))[1]);
  process.kill(pid, 'SIGKILL');
  await waitForOutput(/analytics exited \(SIGKILL\); restarting/);
  assert.equal(
    (await vote(`during-${randomUUID()}`)).status,
    201,
    'polls keeps taking votes while analytics is down',
  );

  const results = await eventually(async () => {
    const response = await api('GET', `/api/v1/polls/${poll.id}/results`);
    assert.equal(response.status, 200);
    assert.equal(response.body.totalVotes, 2);
    return response.body;
  }, 30_000);
  assert.equal(results.options[0].votes, 2);
});

test('account mails arrive over SMTP with working links; the reset link is sealed in the event log', async () => {
  const email = `smtp-${randomUUID().slice(0, 8)}@example.test`;
  await signUpVerified(oidc, email, 'a long enough password', 'Smtp');
  assert.equal((await api('POST', '/api/v1/account/password-reset', { body: { email } })).status, 202);
  const reset = await nextMail(email, /Reset/);
  const token = /token=([\w-]+)/.exec(reset.text)![1]!;
  assert.match(reset.html ?? '', /reset-password\?token=/);
  assert.equal(reset.headers['list-unsubscribe'], undefined, 'security mail has no unsubscribe');
  const stored = await sql<{ event: { data: { to: string; sealedLink: string } } }>`select event from outbox
    where type = 'identity.account_mail.requested.v1' order by created_at desc limit 50`.execute(
    identityDb.kysely,
  );
  const asked = stored.rows.filter((row) => row.event.data.to === email);
  assert.equal(asked.length, 2, 'the confirmation and the reset were asked for through the log');
  assert.ok(!JSON.stringify(asked).includes(token), 'the token never sits readable in the event log');
  assert.ok(asked.every((row) => row.event.data.sealedLink.length > 40));
  const changed = await api('POST', '/api/v1/account/password-reset/confirm', {
    body: { token, newPassword: 'another long password' },
  });
  assert.equal(changed.status, 204, JSON.stringify(changed.body));
});

test('notifications killed with SIGKILL mid-delivery loses no delivery; the repeat carries the same webhook-id', async () => {
  const email = `hooks-${randomUUID().slice(0, 8)}@example.test`;
  await signUpVerified(oidc, email, 'a long enough password', 'Hooks');
  const signedIn = await signInToWebApp(operated.url, email, 'a long enough password');
  const bearer = { authorization: `Bearer ${signedIn.tokens!.access_token}` };
  const receiver = await startReceiver();
  // The first request hangs: the process is killed while it is in flight.
  receiver.hold = (n) => (n === 0 ? 30_000 : 0);
  const endpoint = await api('POST', '/api/v1/webhooks', {
    body: { url: receiver.url, eventTypes: ['poll.created', 'poll.opened', 'vote.cast'] },
    headers: bearer,
  });
  assert.equal(endpoint.status, 201, JSON.stringify(endpoint.body));
  const poll = (
    await api('POST', '/api/v1/polls', {
      body: { question: 'Crash?', status: 'draft', options: [{ label: 'Yes' }, { label: 'No' }] },
      headers: bearer,
    })
  ).body;
  await api('POST', `/api/v1/polls/${poll.id}/open`, { headers: bearer });
  for (let i = 0; i < 5; i++) {
    const cast = await api('POST', `/api/v1/polls/${poll.id}/votes`, {
      body: { optionIds: [poll.options[0].id] },
      headers: { 'voter-token': `crash-${randomUUID()}` },
    });
    assert.equal(cast.status, 201);
  }
  const [inFlight] = await receiver.waitFor(1);
  const pid = Number((await waitForOutput(/started notifications \(pid (\d+)\)/))[1]);
  process.kill(pid, 'SIGKILL');
  await waitForOutput(/notifications exited \(SIGKILL\); restarting/);

  const verifier = new Webhook(endpoint.body.secret);
  const ids = await eventually(async () => {
    const seen = new Set(receiver.received.map((request) => String(request.headers['webhook-id'])));
    assert.equal(seen.size, 7, 'created, opened and five votes');
    assert.ok(
      receiver.received.filter((request) => request.headers['webhook-id'] === inFlight!.headers['webhook-id'])
        .length >= 2,
      'the delivery in flight is sent again',
    );
    return seen;
  }, 60_000);
  for (const request of receiver.received)
    verifier.verify(request.body, request.headers as Record<string, string>);
  const types = receiver.received.map((request) => JSON.parse(request.body).type);
  assert.equal(types.filter((type) => type === 'vote.cast').length >= 5, true);
  assert.equal(ids.size, 7);
  await receiver.close();
});

test('Ctrl-C stops every process cleanly', async () => {
  launcher.kill('SIGINT');
  const code = await new Promise((resolve) => launcher.once('exit', resolve));
  assert.equal(code, 0);
  assert.match(output, /stopping every process/);
});
