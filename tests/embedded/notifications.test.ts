// Notifications in the embedded tier: signed webhooks against a real HTTP receiver (signatures,
// retries, disabling, the delivery log, resend, replay, test events, coalesced results), the
// inbox and its live unread count, preferences and one-click unsubscribe, and SSRF refusals.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { CloudEvent } from '@canvass/contracts';
import { type EmbeddedPlatform, startEmbeddedPlatform } from '@canvass/launcher';
import { applyPollsEvents, type NotificationsTables } from '@canvass/notifications';
import { IDENTITY_HEADER, signIdentity } from '@canvass/service-kit';
import type { FastifyInstance } from 'fastify';
import { type Kysely, sql } from 'kysely';
import { Webhook } from 'standardwebhooks';
import { type Api, eventually, injectApi } from '../support/api.ts';
import { testMail } from '../support/mail.ts';
import { type Receiver, startReceiver } from '../support/webhook-receiver.ts';

const mail = testMail();
let platform: EmbeddedPlatform;
let api: Api;
let receiver: Receiver;

before(async () => {
  platform = await startEmbeddedPlatform({
    dataDir: 'memory://',
    logLevel: process.env.LOG_LEVEL ?? 'silent',
    mail: mail.transport,
    notifications: { allowLoopback: true, retryScheduleMs: [40, 40, 40, 40], resultsEveryMs: 200 },
  });
  api = injectApi(platform.gateway);
  receiver = await startReceiver();
});
after(async () => {
  await platform.stop();
  await receiver.close();
});

const app = (name: string): FastifyInstance =>
  platform.runtimes.find((runtime) => runtime.name === name)!.app;

interface Owner {
  userId: string;
  workspace: string;
  email: string;
  // biome-ignore lint/suspicious/noExplicitAny: tests read whatever JSON came back.
  call(service: string, method: string, url: string, body?: unknown): Promise<{ status: number; body: any }>;
}

/** Signs someone up and acts as them, straight at a service (the gateway drops forged identities). */
async function owner(name: string): Promise<Owner> {
  const email = `${name}-${crypto.randomUUID().slice(0, 8)}@example.test`;
  assert.equal(
    (await api('POST', '/api/v1/accounts', { body: { email, password: 'a long enough password', name } }))
      .status,
    202,
  );
  const row = await eventually(async () => {
    const found = await sql<{ userId: string; workspace: string }>`
      select u.id as "userId", m.workspace_id as workspace from users u join memberships m on m.user_id = u.id
      where u.email = ${email}`.execute(platform.host.database('identity').kysely);
    assert.ok(found.rows[0]);
    return found.rows[0];
  });
  // Notifications learns of the person and the membership from identity's events.
  await eventually(async () => {
    const known = await sql`select 1 from members where user_id = ${row.userId}`.execute(
      platform.host.database('notifications').kysely,
    );
    assert.equal(known.rows.length, 1);
  });
  const identity = await signIdentity(platform.internalSecret, {
    subject: row.userId,
    kind: 'user',
    workspace: row.workspace,
    role: 'owner',
    scopes: ['polls:read', 'polls:write', 'results:read', 'webhooks:manage', 'members:manage'],
  });
  return {
    ...row,
    email,
    async call(service, method, url, body) {
      const response = await app(service).inject({
        method: method as 'GET',
        url,
        headers: {
          [IDENTITY_HEADER]: identity,
          ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
        },
        ...(body !== undefined ? { payload: JSON.stringify(body) } : {}),
      });
      return { status: response.statusCode, body: response.body ? JSON.parse(response.body) : undefined };
    },
  };
}

async function openPoll(who: Owner, question: string) {
  const created = await who.call('polls', 'POST', '/api/v1/polls', {
    question,
    type: 'single_choice',
    status: 'draft',
    options: [{ label: 'Yes' }, { label: 'No' }],
  });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  const opened = await who.call('polls', 'POST', `/api/v1/polls/${created.body.id}/open`);
  assert.equal(opened.status, 200, JSON.stringify(opened.body));
  return created.body as { id: string; options: { id: string }[] };
}

async function vote(pollId: string, optionId: string, voter: string) {
  const cast = await api('POST', `/api/v1/polls/${pollId}/votes`, {
    body: { optionIds: [optionId] },
    headers: { 'voter-token': `${voter}-${crypto.randomUUID()}` },
  });
  assert.equal(cast.status, 201, JSON.stringify(cast.body));
}

test('deliveries are signed (Standard Webhooks); a tampered body or a stale timestamp fails verification', async () => {
  const ada = await owner('ada');
  const made = await ada.call('notifications', 'POST', '/api/v1/webhooks', {
    url: receiver.url,
    eventTypes: ['poll.created', 'poll.opened', 'vote.cast'],
  });
  assert.equal(made.status, 201, JSON.stringify(made.body));
  assert.match(made.body.secret, /^whsec_/);
  const poll = await openPoll(ada, 'Signed?');
  const forPoll = (request: { body: string }) => JSON.parse(request.body).data.pollId === poll.id;
  await vote(poll.id, poll.options[0]!.id, 'signed-voter');
  const got = await receiver.waitFor(3, forPoll);
  const verifier = new Webhook(made.body.secret);
  const payloads = got.map(
    (request) =>
      verifier.verify(request.body, request.headers as Record<string, string>) as {
        type: string;
        data: { sequence: number };
      },
  );
  assert.deepEqual(payloads.map((p) => p.type).sort(), ['poll.created', 'poll.opened', 'vote.cast']);
  // The payload says how to restore a poll's order: its stream version.
  assert.deepEqual(payloads.map((p) => p.data.sequence).sort(), [1, 2, 3]);

  const [first] = got;
  const headers = first!.headers as Record<string, string>;
  assert.throws(() => verifier.verify(first!.body.replace('"data"', '"data" '), headers), /signature/i);
  const stale = { ...headers, 'webhook-timestamp': String(Math.floor(Date.now() / 1000) - 3600) };
  assert.throws(() => verifier.verify(first!.body, stale), /timestamp/i);
  assert.throws(() =>
    new Webhook(`whsec_${Buffer.from('another secret, not ours').toString('base64')}`).verify(
      first!.body,
      headers,
    ),
  );
});

test('a receiver failing three times then succeeding gets one accepted delivery, and the log shows four attempts', async () => {
  const bea = await owner('bea');
  const flaky = await startReceiver();
  let failures = 0;
  flaky.answer = () => (failures++ < 3 ? 503 : 200);
  const made = await bea.call('notifications', 'POST', '/api/v1/webhooks', {
    url: flaky.url,
    eventTypes: ['poll.created'],
  });
  await openPoll(bea, 'Flaky?');
  const got = await flaky.waitFor(4);
  assert.equal(
    new Set(got.map((request) => request.headers['webhook-id'])).size,
    1,
    'every attempt carries the same webhook-id',
  );
  const log = await eventually(async () => {
    const page = await bea.call('notifications', 'GET', `/api/v1/webhooks/${made.body.id}/deliveries`);
    assert.equal(page.body.deliveries[0].status, 'succeeded');
    return page.body;
  });
  assert.equal(log.deliveries.length, 1);
  const detail = await bea.call('notifications', 'GET', `/api/v1/webhook-deliveries/${log.deliveries[0].id}`);
  assert.deepEqual(
    detail.body.attemptLog.map((attempt: { status: number }) => attempt.status),
    [503, 503, 503, 200],
  );
  assert.match(detail.body.attemptLog[0].excerpt, /failing on purpose/);
  assert.equal(detail.body.payload.type, 'poll.created');
  await new Promise((resolve) => setTimeout(resolve, 300));
  assert.equal(flaky.received.length, 4, 'nothing more after the success');
  await flaky.close();
});

test('an endpoint failing for the whole retry window is switched off, and its owners are told', async () => {
  const cai = await owner('cai');
  const down = await startReceiver();
  down.answer = () => 500;
  const made = await cai.call('notifications', 'POST', '/api/v1/webhooks', {
    url: down.url,
    eventTypes: ['poll.created'],
  });
  await openPoll(cai, 'Down?');
  const endpoint = await eventually(async () => {
    const view = await cai.call('notifications', 'GET', `/api/v1/webhooks/${made.body.id}`);
    assert.equal(view.body.enabled, false);
    return view.body;
  });
  assert.equal(endpoint.disabledReason, 'failing');
  assert.ok(endpoint.failingSince);
  assert.equal(down.received.length, 5, 'the first attempt and four retries');
  const inbox = await eventually(async () => {
    const page = await cai.call('notifications', 'GET', '/api/v1/inbox');
    assert.ok(page.body.items.some((item: { kind: string }) => item.kind === 'webhook.disabled'));
    return page.body;
  });
  assert.ok(inbox.unread >= 1);
  const told = await mail.next(cai.email, /webhook/i);
  assert.match(told.text, new RegExp(down.url.replaceAll('/', '\\/')));
  assert.ok(told.unsubscribeUrl, 'an activity mail can be unsubscribed from in one click');

  // Switched back on by hand: the next event is delivered.
  down.answer = () => 200;
  const on = await cai.call('notifications', 'PATCH', `/api/v1/webhooks/${made.body.id}`, { enabled: true });
  assert.equal(on.body.enabled, true);
  assert.equal(on.body.failingSince, null);
  await openPoll(cai, 'Back?');
  await down.waitFor(6);
  await down.close();
});

test('send test event, resend with the same webhook-id, replay from a time, rotate the secret with an overlap', async () => {
  const dan = await owner('dan');
  const sink = await startReceiver();
  const made = await dan.call('notifications', 'POST', '/api/v1/webhooks', {
    url: sink.url,
    eventTypes: ['poll.created', 'poll.opened'],
  });
  const tested = await dan.call('notifications', 'POST', `/api/v1/webhooks/${made.body.id}/test`);
  assert.equal(tested.status, 202);
  const [testRequest] = await sink.waitFor(1);
  assert.equal(JSON.parse(testRequest!.body).type, 'webhook.test');

  const since = new Date().toISOString();
  await openPoll(dan, 'Replay me?');
  await sink.waitFor(3);
  const page = await eventually(async () => {
    const listed = await dan.call(
      'notifications',
      'GET',
      `/api/v1/webhooks/${made.body.id}/deliveries?status=succeeded`,
    );
    assert.equal(listed.body.deliveries.length, 3);
    return listed.body;
  });
  const resent = await dan.call(
    'notifications',
    'POST',
    `/api/v1/webhook-deliveries/${page.deliveries[0].id}/resend`,
  );
  assert.equal(resent.status, 202);
  assert.equal(resent.body.messageId, page.deliveries[0].messageId);
  const [, , , repeat] = await sink.waitFor(4);
  assert.equal(repeat!.headers['webhook-id'], page.deliveries[0].messageId);

  const replayed = await dan.call('notifications', 'POST', `/api/v1/webhooks/${made.body.id}/replay`, {
    since,
  });
  assert.deepEqual(replayed.body, { queued: 2 });
  await sink.waitFor(6);

  const rotated = await dan.call('notifications', 'POST', `/api/v1/webhooks/${made.body.id}/rotate-secret`);
  assert.match(rotated.body.secret, /^whsec_/);
  await dan.call('notifications', 'POST', `/api/v1/webhooks/${made.body.id}/test`);
  const [, , , , , , afterRotation] = await sink.waitFor(7);
  const headers = afterRotation!.headers as Record<string, string>;
  assert.equal(headers['webhook-signature']!.split(' ').length, 2, 'both secrets sign during the overlap');
  new Webhook(rotated.body.secret).verify(afterRotation!.body, headers);
  new Webhook(made.body.secret).verify(afterRotation!.body, headers);
  await sink.close();
});

test('votes become a coalesced poll.results_changed, not one message per vote', async () => {
  const eve = await owner('eve');
  const sink = await startReceiver();
  await eve.call('notifications', 'POST', '/api/v1/webhooks', {
    url: sink.url,
    eventTypes: ['poll.results_changed'],
  });
  const poll = await openPoll(eve, 'Busy?');
  await Promise.all(
    Array.from({ length: 30 }, (_, i) => vote(poll.id, poll.options[i % 2]!.id, `busy-${i}`)),
  );
  const got = await eventually(async () => {
    const last = sink.received.map((request) => JSON.parse(request.body).data).at(-1);
    assert.equal(last?.totalVotes, 30);
    return sink.received;
  });
  assert.ok(got.length < 10, `${got.length} messages for 30 votes`);
  const summed = got.reduce((sum, request) => sum + JSON.parse(request.body).data.votesSinceLast, 0);
  assert.equal(summed, 30, 'the changes add up to the votes');
  await sink.close();
});

test('a poll created already open is heard as opened: a notice and a poll.opened webhook', async () => {
  const gus = await owner('gus');
  const made = await gus.call('notifications', 'POST', '/api/v1/webhooks', {
    url: receiver.url,
    eventTypes: ['poll.opened'],
  });
  assert.equal(made.status, 201, JSON.stringify(made.body));
  const created = await gus.call('polls', 'POST', '/api/v1/polls', {
    question: 'Open at once?',
    type: 'single_choice',
    status: 'open',
    options: [{ label: 'Yes' }, { label: 'No' }],
  });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  const [delivered] = await receiver.waitFor(
    1,
    (request) => JSON.parse(request.body).data.pollId === created.body.id,
  );
  const payload = JSON.parse(delivered!.body);
  assert.equal(payload.type, 'poll.opened');
  assert.equal(payload.data.sequence, 1, 'opened with its creation, at the same stream version');
  await eventually(async () => {
    const page = await gus.call('notifications', 'GET', '/api/v1/inbox');
    assert.deepEqual(
      page.body.items.map((item: { kind: string }) => item.kind),
      ['poll.opened'],
    );
  });
});

test('organizers hear of their poll in the inbox (live unread count) and by mail, as they prefer; one click unsubscribes', async () => {
  const fay = await owner('fay');
  const before = (await fay.call('notifications', 'GET', '/api/v1/inbox/unread')).body.unread;
  const waiting = fay.call('notifications', 'GET', `/api/v1/inbox/unread?known=${before}&wait=20`);
  const poll = await openPoll(fay, 'Tell me?');
  const woke = await waiting;
  assert.ok(woke.body.unread > before, 'the long poll answers when the count changes');
  await vote(poll.id, poll.options[0]!.id, 'first-voter');
  const inbox = await eventually(async () => {
    const page = await fay.call('notifications', 'GET', '/api/v1/inbox');
    assert.deepEqual(
      page.body.items.map((item: { kind: string }) => item.kind),
      ['poll.votes.1', 'poll.opened'],
    );
    return page.body;
  });
  assert.equal(inbox.items[0].url, `/app/polls/${poll.id}`);
  const opened = await mail.next(fay.email, /open/i);
  assert.ok(opened.html.includes('Tell me?'));
  const token = /unsubscribe\/([\w.-]+)/.exec(opened.unsubscribeUrl ?? '')?.[1];
  assert.ok(token);

  assert.equal((await fay.call('notifications', 'POST', '/api/v1/inbox/read', { all: true })).status, 204);
  assert.equal((await fay.call('notifications', 'GET', '/api/v1/inbox/unread')).body.unread, 0);

  const unsubscribed = await api('POST', `/api/v1/unsubscribe/${token}`, {
    rawBody: 'List-Unsubscribe=One-Click',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
  });
  assert.equal(unsubscribed.status, 200, JSON.stringify(unsubscribed.body));
  const preferences = await fay.call('notifications', 'GET', '/api/v1/notification-preferences');
  assert.equal(preferences.body.pollMail, false);
  assert.equal(preferences.body.inbox, true);
  const forged = await api('POST', `/api/v1/unsubscribe/${token.slice(0, -2)}xx`);
  assert.equal(forged.status, 404);
  assert.match(forged.headers['content-type']!, /^application\/problem\+json/);

  // No more poll mail, but the inbox still hears.
  const sent = mail.to(fay.email).length;
  await openPoll(fay, 'Quietly?');
  await eventually(async () => {
    const page = await fay.call('notifications', 'GET', '/api/v1/inbox');
    assert.equal(page.body.items[0].title, '“Quietly?” is open');
  });
  await new Promise((resolve) => setTimeout(resolve, 300));
  assert.equal(mail.to(fay.email).length, sent);
});

test('endpoint URLs that point inside are refused with a problem, and nothing reaches them', async () => {
  const strict = await startEmbeddedPlatform({
    dataDir: 'memory://',
    logLevel: 'silent',
    mail: testMail().transport,
  });
  try {
    const local = await startReceiver();
    const port = new URL(local.url).port;
    const identity = await signIdentity(strict.internalSecret, {
      subject: 'someone',
      kind: 'user',
      workspace: 'ws-strict',
      scopes: ['webhooks:manage'],
    });
    const notifications = strict.runtimes.find((runtime) => runtime.name === 'notifications')!.app;
    for (const url of [
      `http://127.0.0.1:${port}/`,
      `http://[::1]:${port}/`,
      `http://[::ffff:127.0.0.1]:${port}/`,
      `http://0x7f000001:${port}/`,
      `http://2130706433:${port}/`,
      'http://169.254.169.254/latest/meta-data/',
      'http://10.0.0.1/',
      `http://localhost:${port}/`,
    ]) {
      const response = await notifications.inject({
        method: 'POST',
        url: '/api/v1/webhooks',
        headers: { [IDENTITY_HEADER]: identity, 'content-type': 'application/json' },
        payload: JSON.stringify({ url, eventTypes: ['poll.created'] }),
      });
      assert.equal(response.statusCode, 400, url);
      assert.match(String(response.headers['content-type']), /^application\/problem\+json/);
      assert.equal(response.json().type, '/problems/endpoint-url-refused', url);
    }
    assert.equal(local.received.length, 0);
    await local.close();
  } finally {
    await strict.stop();
  }
});

test('a batch of votes costs a few statements, not several per vote, and counts, tells and fans out as one by one', async () => {
  const gil = await owner('gil');
  const made = await gil.call('notifications', 'POST', '/api/v1/webhooks', {
    url: receiver.url,
    eventTypes: ['vote.cast', 'vote.retracted'],
  });
  assert.equal(made.status, 201, JSON.stringify(made.body));
  const database = platform.host.database('notifications');
  const pollId = `poll_${crypto.randomUUID().replaceAll('-', '')}`;
  let version = 0;
  const event = (type: string, data: Record<string, unknown>): CloudEvent => ({
    specversion: '1.0',
    id: crypto.randomUUID(),
    source: 'canvass/polls',
    type,
    datacontenttype: 'application/json',
    time: new Date().toISOString(),
    partitionkey: pollId,
    streamversion: ++version,
    data: { pollId, ...data },
  });
  const ballot = (voteId: string) => ({
    voteId,
    optionIds: ['opt_a'],
    rating: null,
    text: null,
    segment: null,
    castAt: new Date().toISOString(),
  });
  const batch = [
    event('polls.poll.created.v2', {
      workspaceId: gil.workspace,
      question: 'Batched?',
      type: 'single_choice',
      status: 'open',
      options: [{ id: 'opt_a', label: 'A' }],
      createdAt: new Date().toISOString(),
    }),
    ...Array.from({ length: 120 }, (_, i) => event('polls.vote.cast.v3', ballot(`vote_${i}`))),
    event('polls.vote.retracted.v1', { ...ballot('vote_7'), retractedAt: new Date().toISOString() }),
  ];
  let statements = 0;
  const counting = database.kysely.withPlugin({
    transformQuery: (args) => {
      statements++;
      return args.node;
    },
    transformResult: async (args) => args.result,
  }) as Kysely<NotificationsTables>;
  await counting.transaction().execute((trx) =>
    applyPollsEvents(trx, batch, {
      schema: database.schema,
      appUrl: 'http://canvass.test',
      resultsEveryMs: 200,
    }),
  );
  // One by one (the poll, its endpoints, the message, its delivery, the notify, the count) it took 748.
  assert.ok(statements <= 30, `${statements} statements for a batch of ${batch.length} events`);

  const db = database.kysely as Kysely<NotificationsTables>;
  const poll = await db
    .selectFrom('polls')
    .selectAll()
    .where('poll_id', '=', pollId)
    .executeTakeFirstOrThrow();
  assert.equal(Number(poll.votes), 119);
  assert.equal(Number(poll.peak_votes), 120);
  assert.ok(poll.results_due_at, 'a results change is due');
  const messages = await db
    .selectFrom('webhook_messages')
    .select('event_type')
    .where(sql<boolean>`payload->'data'->>'pollId' = ${pollId}`)
    .execute();
  assert.equal(messages.filter((row) => row.event_type === 'vote.cast').length, 120);
  assert.equal(messages.filter((row) => row.event_type === 'vote.retracted').length, 1);
  const deliveries = await sql<{ n: string }>`select count(*) as n from webhook_deliveries d
    join webhook_messages m on m.id = d.message_id where m.payload->'data'->>'pollId' = ${pollId}`.execute(
    db,
  );
  assert.equal(Number(deliveries.rows[0]!.n), 121, 'one delivery per message for the one endpoint');
  const notices = await db
    .selectFrom('inbox_items')
    .select('kind')
    .where('user_id', '=', gil.userId)
    .where('url', '=', `/app/polls/${pollId}`)
    .execute();
  assert.deepEqual(notices.map((row) => row.kind).sort(), ['poll.opened', 'poll.votes.1', 'poll.votes.100']);
});
