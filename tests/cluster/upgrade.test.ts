// Upgrading from the previous event layout (commit 03a8434: a JetStream subject per event type, an
// outbox row with a state per event, an inbox row per consumed event) to the ordered log (one
// subject per partition, the poll stream as outbox, stream versions). The previous release's polls
// and analytics take and count votes of every poll type; work is left in flight (analytics stopped
// with messages waiting on its old durables, votes sent meanwhile); then today's release starts on
// the same databases and NATS, republishes the history and counts it again.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { createPostgresDatabase } from '@canvass/database';
import { provisionDatabases } from '@canvass/launcher';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { sql } from 'kysely';
import { type Api, eventually, httpApi } from '../support/api.ts';
import { freePort, POSTGRES_URL } from '../support/cluster.ts';
import { readLog } from '../support/jetstream.ts';
import { startPrivateNats } from '../support/nats-server.ts';
import { materializeRelease } from '../support/previous-release.ts';
import { type ServiceProcess, startServiceProcess, stopProcess, waitReady } from '../support/processes.ts';
import { type Figures, figuresOf, recount } from '../support/recount.ts';

/** The last commit of the previous layout. */
const PREVIOUS_RELEASE = '03a8434';
const CONSUMER = 'analytics-tallies';

type Ballot = { optionIds: string[] } | { ranking: string[] } | { rating: number } | { text: string };

interface Poll {
  id: string;
  type: string;
  manageToken: string;
  /** Option ids by label. */
  options: Record<string, string>;
}

function pollsClient(polls: Api) {
  return {
    async create(type: string, question: string, labels: string[], settings: object = {}): Promise<Poll> {
      const created = await polls('POST', '/api/v1/polls', {
        body: {
          question,
          type,
          settings,
          ...(labels.length > 0 ? { options: labels.map((label) => ({ label })) } : {}),
        },
      });
      assert.equal(created.status, 201, JSON.stringify(created.body));
      const options = Object.fromEntries(
        (created.body.options as { id: string; label: string }[]).map((o) => [o.label, o.id]),
      );
      return { id: created.body.id, type, manageToken: created.body.manageToken, options };
    },
    async vote(poll: Poll, voter: string, ballot: Ballot): Promise<void> {
      const cast = await polls('POST', `/api/v1/polls/${poll.id}/votes`, {
        headers: { 'voter-token': `upgrade-voter-${voter}` },
        body: ballot,
      });
      assert.equal(cast.status, 201, JSON.stringify(cast.body));
    },
    async withdraw(poll: Poll, voter: string): Promise<void> {
      const withdrawn = await polls('DELETE', `/api/v1/polls/${poll.id}/votes/mine`, {
        headers: { 'voter-token': `upgrade-voter-${voter}` },
      });
      assert.equal(withdrawn.status, 204, JSON.stringify(withdrawn.body));
    },
    async manage(poll: Poll, method: string, path: string, body?: unknown) {
      const response = await polls(method, `/api/v1/polls/${poll.id}${path}`, {
        headers: { 'manage-token': poll.manageToken },
        ...(body !== undefined ? { body } : {}),
      });
      assert.equal(response.status, 200, `${method} ${path}: ${JSON.stringify(response.body)}`);
      return response.body;
    },
  };
}

/** `figures` with one ballot added (sign 1) or taken away (sign -1), as a tally counts it. */
function adjusted(figures: Figures, ballot: Ballot, sign: 1 | -1): Figures {
  const next: Figures = structuredClone(figures);
  next.totalVotes += sign;
  const bump = (id: string, votes: number, points?: number) => {
    const option = next.options[id];
    assert.ok(option, `option ${id} in the figures`);
    option.votes += sign * votes;
    if (points !== undefined && option.points !== undefined) option.points += sign * points;
  };
  if ('optionIds' in ballot) for (const id of ballot.optionIds) bump(id, 1);
  else if ('ranking' in ballot) {
    // Borda: first place is the option's vote; each place above last is a point.
    const last = ballot.ranking.length - 1;
    for (const [place, id] of ballot.ranking.entries()) bump(id, place === 0 ? 1 : 0, last - place);
  } else if ('rating' in ballot) bump(String(ballot.rating), 1);
  return next;
}

/** Durable consumers of the POLLS stream, with the messages each still has to deliver. */
async function pollsDurables(natsUrl: string): Promise<Map<string, number>> {
  const nc = await connect({ servers: natsUrl });
  try {
    const jsm = await jetstreamManager(nc);
    const durables = new Map<string, number>();
    for await (const info of jsm.consumers.list('POLLS')) durables.set(info.name, info.num_pending);
    return durables;
  } finally {
    await nc.close();
  }
}

test('data written with the previous layout is still counted correctly after the upgrade', async (t) => {
  const release = await materializeRelease(PREVIOUS_RELEASE);
  const cleanups: (() => Promise<unknown>)[] = [() => release.dispose()];
  // In reverse order of starting: processes and clients first, the NATS server, then the old tree.
  t.after(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
  });
  const nats = await startPrivateNats();
  cleanups.push(() => nats.dispose());

  const urls = await provisionDatabases({
    adminUrl: POSTGRES_URL,
    prefix: 'canvass_test_upgrade_',
    services: ['polls', 'analytics'],
  });
  // Every run starts from nothing: the previous release makes its own tables.
  for (const service of ['polls', 'analytics']) {
    const admin = createPostgresDatabase({ url: urls[service]!, schema: service });
    await sql.raw(`drop schema if exists ${service} cascade`).execute(admin.kysely);
    await admin.close();
  }
  const db = createPostgresDatabase({ url: urls.polls!, schema: 'polls' });
  cleanups.push(() => db.close());
  const adminToken = randomBytes(16).toString('hex');
  const ports = { polls: await freePort(), analytics: await freePort() };
  // Manage tokens are signed with the internal secret: both releases share it.
  const secret = randomBytes(32).toString('hex');
  const serviceEnv = (service: 'polls' | 'analytics') => ({
    PORT: String(ports[service]),
    DATABASE_URL: urls[service]!,
    NATS_URL: nats.url,
    CANVASS_ADMIN_TOKEN: adminToken,
    CANVASS_INTERNAL_SECRET: secret,
  });
  const start = async (run: () => ServiceProcess, port: number) => {
    const service = run();
    cleanups.push(() => stopProcess(service));
    await waitReady(port).catch((error: unknown) => {
      throw new Error(`not ready on ${port}:\n${service.output()}`, { cause: error });
    });
    return service;
  };
  const polls = httpApi(`http://127.0.0.1:${ports.polls}`);
  const analytics = httpApi(`http://127.0.0.1:${ports.analytics}`);
  const client = pollsClient(polls);
  const results = async (poll: Poll) => {
    const response = await analytics('GET', `/api/v1/polls/${poll.id}/results`);
    assert.equal(
      response.status,
      200,
      `results of ${poll.type} ${poll.id}: ${JSON.stringify(response.body)}`,
    );
    return response.body;
  };
  /** Waits until analytics serves `expected` for every poll, each equal to a recount of its stream. */
  const countedAs = (expected: Map<Poll, Figures>, timeoutMs = 30_000) =>
    eventually(async () => {
      for (const [poll, figures] of expected) {
        const served = figuresOf(await results(poll));
        assert.deepEqual(served, await recount(db, poll.id), `${poll.type} poll ${poll.id} vs its stream`);
        assert.deepEqual(served, figures, `${poll.type} poll ${poll.id}`);
      }
    }, timeoutMs);

  // --- The previous release: polls of every kind, voted on, changed, withdrawn, moderated, closed.
  const oldPolls = await start(() => release.startService('polls', serviceEnv('polls')), ports.polls);
  const oldAnalytics = await start(
    () => release.startService('analytics', serviceEnv('analytics')),
    ports.analytics,
  );
  const layout = await sql<{ n: number }>`select count(*)::int as n from information_schema.columns
    where table_schema = 'polls' and table_name = 'poll_events' and column_name = 'partition'`.execute(
    db.kysely,
  );
  assert.equal(layout.rows[0]?.n, 0, 'the previous release (no partitioned log) made the tables');

  const change = { allowVoteChange: true };
  const colour = await client.create('single_choice', 'Colour?', ['Red', 'Green', 'Blue'], change);
  const toppings = await client.create(
    'multiple_choice',
    'Toppings?',
    ['Cheese', 'Olives', 'Basil', 'Ham'],
    change,
  );
  const talks = await client.create('ranking', 'Rank the talks', ['Keynote', 'Panel', 'Demo'], change);
  const venue = await client.create('rating', 'The venue?', [], change);
  const ideas = await client.create('open_text', 'One idea?', [], { ...change, moderation: true });
  const all = [colour, toppings, talks, venue, ideas];
  const c = colour.options;
  const p = toppings.options;
  const k = talks.options;

  for (const [voter, label] of ['Red', 'Red', 'Green', 'Blue', 'Green', 'Red'].entries())
    await client.vote(colour, `c${voter}`, { optionIds: [c[label]!] });
  await client.vote(colour, 'c1', { optionIds: [c.Blue!] });
  await client.withdraw(colour, 'c2');
  await client.manage(colour, 'PATCH', '', { question: 'Favourite colour?' });

  await client.vote(toppings, 't0', { optionIds: [p.Cheese!, p.Olives!] });
  await client.vote(toppings, 't1', { optionIds: [p.Basil!] });
  await client.vote(toppings, 't2', { optionIds: [p.Cheese!, p.Ham!, p.Basil!] });
  await client.vote(toppings, 't1', { optionIds: [p.Olives!, p.Ham!] });

  const lateWithdrawn = { ranking: [k.Demo!, k.Keynote!, k.Panel!] };
  await client.vote(talks, 'k0', { ranking: [k.Keynote!, k.Panel!, k.Demo!] });
  await client.vote(talks, 'k1', lateWithdrawn);
  await client.vote(talks, 'k2', { ranking: [k.Panel!, k.Demo!, k.Keynote!] });
  await client.vote(talks, 'k3', { ranking: [k.Keynote!, k.Demo!, k.Panel!] });
  await client.withdraw(talks, 'k3');

  for (const [voter, rating] of [5, 4, 4, 2, 3].entries()) await client.vote(venue, `v${voter}`, { rating });
  await client.vote(venue, 'v3', { rating: 1 });
  await client.manage(venue, 'POST', '/close');

  for (const [voter, text] of ['More coffee', 'Shorter talks', 'Spam spam', 'Bigger room'].entries())
    await client.vote(ideas, `i${voter}`, { text });
  // Pending answers' vote ids, by text.
  const answerIds = new Map<string, string>();
  const readPendingAnswers = async () => {
    const page = await client.manage(ideas, 'GET', '/answers');
    for (const a of page.answers as { voteId: string; text: string }[]) answerIds.set(a.text, a.voteId);
  };
  const answer = (text: string) => answerIds.get(text)!;
  await readPendingAnswers();
  await client.manage(ideas, 'POST', `/answers/${answer('More coffee')}`, { decision: 'approved' });
  await client.manage(ideas, 'POST', `/answers/${answer('Shorter talks')}`, { decision: 'approved' });
  await client.manage(ideas, 'POST', `/answers/${answer('Spam spam')}`, { decision: 'rejected' });

  // The previous release counts it all (checked against a recount of each stream).
  const before = new Map<Poll, Figures>();
  await eventually(async () => {
    for (const poll of all) {
      const served = figuresOf(await results(poll));
      assert.deepEqual(served, await recount(db, poll.id), `${poll.type} poll ${poll.id} (previous release)`);
      before.set(poll, served);
    }
  }, 30_000);
  assert.equal(before.get(colour)?.totalVotes, 5);
  assert.equal(before.get(venue)?.status, 'closed');
  assert.deepEqual(before.get(ideas)?.shown, [answer('More coffee'), answer('Shorter talks')].sort());

  // --- Work in flight at the upgrade: analytics stops first, votes keep coming, then polls stops.
  await stopProcess(oldAnalytics);
  const late: [Poll, Ballot][] = [
    [colour, { optionIds: [c.Green!] }],
    [colour, { optionIds: [c.Blue!] }],
    [toppings, { optionIds: [p.Cheese!, p.Ham!] }],
  ];
  for (const [i, [poll, ballot]] of late.entries()) await client.vote(poll, `late${i}`, ballot);
  await client.withdraw(talks, 'k1');
  await client.manage(ideas, 'POST', `/answers/${answer('Bigger room')}`, { decision: 'approved' });
  await eventually(async () => {
    const pending = await sql<{ n: number }>`
      select count(*)::int as n from outbox where state = 'pending'`.execute(db.kysely);
    assert.equal(pending.rows[0]?.n, 0, 'the previous release published its outbox');
  });
  const oldDurables = await pollsDurables(nats.url);
  const waiting = [...oldDurables]
    .filter(([name]) => name.startsWith(`${CONSUMER}__`))
    .reduce((sum, [, pending]) => sum + pending, 0);
  assert.ok(oldDurables.has(`${CONSUMER}__polls_vote_cast_0`), `old durables: ${[...oldDurables.keys()]}`);
  assert.equal(waiting, late.length + 2, 'the late events wait on the old durables');
  await stopProcess(oldPolls);

  const expected = new Map(before);
  /** What one more ballot (sign 1) or one fewer (sign -1) does to a poll's expected figures. */
  const counts = (poll: Poll, ballot: Ballot, sign: 1 | -1 = 1) =>
    expected.set(poll, adjusted(expected.get(poll)!, ballot, sign));
  const shows = (poll: Poll, voteId: string) => {
    const figures = expected.get(poll)!;
    expected.set(poll, { ...figures, shown: [...figures.shown, voteId].sort() });
  };
  for (const [poll, ballot] of late) counts(poll, ballot);
  counts(talks, lateWithdrawn, -1);
  shows(ideas, answer('Bigger room'));

  // --- Today's release on the same databases and NATS.
  await start(() => startServiceProcess('polls', serviceEnv('polls')), ports.polls);
  await start(() => startServiceProcess('analytics', serviceEnv('analytics')), ports.analytics);

  // Polls republishes its whole history on the new log. The old release published the same events
  // (same ids) seconds ago, as in any rolling upgrade: within JetStream's duplicate window.
  // (The new log carries a partition's events in runs, one message each: read back event by event.)
  const history = await sql<{ event_id: string }>`select event_id from poll_events`.execute(db.kysely);
  await eventually(async () => {
    const stored = new Set((await readLog(nats.url, 'POLLS', 'polls.events')).map((event) => event.id));
    assert.deepEqual(
      history.rows.filter((row) => !stored.has(row.event_id)).map((row) => row.event_id),
      [],
      'every event of the history is stored on polls.events.<n>',
    );
  });
  await countedAs(expected);
  assert.equal((await results(colour)).question, 'Favourite colour?');

  // The old durables are gone (they would hold their messages and count as lag for ever).
  const durables = [...(await pollsDurables(nats.url)).keys()].filter((name) =>
    name.startsWith(`${CONSUMER}__`),
  );
  assert.deepEqual(
    durables.sort(),
    Array.from({ length: 8 }, (_, n) => `${CONSUMER}__polls_events_${n}`).sort(),
  );
  await eventually(async () => {
    const outbox = await polls('GET', '/admin/v1/outbox', {
      headers: { authorization: `Bearer ${adminToken}` },
    });
    assert.equal(outbox.status, 200, JSON.stringify(outbox.body));
    assert.equal(outbox.body.pending, 0, JSON.stringify(outbox.body));
  });

  // --- New votes on the old polls count, once each.
  await client.vote(colour, 'after0', { optionIds: [c.Red!] });
  await client.vote(toppings, 't0', { optionIds: [p.Basil!] });
  await client.vote(talks, 'after1', { ranking: [k.Demo!, k.Panel!, k.Keynote!] });
  await client.vote(ideas, 'after2', { text: 'Outdoor lunch' });
  await readPendingAnswers();
  await client.manage(ideas, 'POST', `/answers/${answer('Outdoor lunch')}`, { decision: 'approved' });
  counts(colour, { optionIds: [c.Red!] });
  counts(toppings, { optionIds: [p.Cheese!, p.Olives!] }, -1);
  counts(toppings, { optionIds: [p.Basil!] });
  counts(talks, { ranking: [k.Demo!, k.Panel!, k.Keynote!] });
  counts(ideas, { text: 'Outdoor lunch' });
  shows(ideas, answer('Outdoor lunch'));
  await countedAs(expected);
  // A redelivered or republished copy would show up late: still the same a moment later.
  await new Promise((resolve) => setTimeout(resolve, 1_500));
  await countedAs(expected, 0);
});
