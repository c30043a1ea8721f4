// Two regions on one machine (docs/regions.md): each a whole cluster tier with databases and a
// NATS server of its own (JetStream domains a and b), the servers joined by a leafnode that runs
// through a TCP proxy the test can cut. A poll created in region a is imported by b; both take
// votes, changes and withdrawals locally; each region's results add the other's grow-only
// counters. While the link is cut each region goes on alone; once it heals both agree, and equal
// a recount of the two regions' poll streams. A stale or repeated snapshot changes nothing. Closed
// or deleted at home, the poll is closed or deleted everywhere.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, test } from 'node:test';
import { eventContracts, RegionCountersV1 } from '@canvass/contracts';
import { createPostgresDatabase, type Database } from '@canvass/database';
import { createEvent, regionLinkDenied } from '@canvass/eventing';
import { provisionDatabases } from '@canvass/launcher';
import { connect } from '@nats-io/transport-node';
import { sql } from 'kysely';
import { type Api, eventually, httpApi } from '../support/api.ts';
import { freePort, POSTGRES_URL } from '../support/cluster.ts';
import { type ClusterLauncher, startClusterLauncher } from '../support/cluster-launcher.ts';
import { type PrivateNats, startPrivateNats } from '../support/nats-server.ts';
import { type Figures, figuresOf, recount } from '../support/recount.ts';
import { startTcpProxy, type TcpProxy } from '../support/tcp-proxy.ts';

interface Region {
  name: string;
  nats: PrivateNats;
  launcher: ClusterLauncher;
  api: Api;
  polls: Database;
  analytics: Database;
}

let link: TcpProxy;
const regions: Region[] = [];
const [a, b] = [() => regions[0]!, () => regions[1]!];

async function startRegion(name: string, peer: string, nats: PrivateNats, redisDb: number): Promise<Region> {
  const prefix = `canvass_test_region_${name}_`;
  const launcher = await startClusterLauncher({
    NATS_URL: nats.url,
    CANVASS_DB_PREFIX: prefix,
    CANVASS_REGION: name,
    CANVASS_PEER_REGIONS: peer,
    REDIS_URL: `redis://127.0.0.1:6379/${redisDb}`,
    CANVASS_RATE_LIMITS: JSON.stringify({ perIp: { points: 100_000_000, windowSeconds: 60 } }),
    // Two clusters share this PostgreSQL's 100 connections.
    DATABASE_POOL_SIZE: '5',
  });
  const urls = await provisionDatabases({
    adminUrl: POSTGRES_URL,
    prefix,
    services: ['polls', 'analytics'],
  });
  return {
    name,
    nats,
    launcher,
    api: httpApi(launcher.url),
    polls: createPostgresDatabase({ url: urls.polls!, schema: 'polls', poolSize: 2 }),
    analytics: createPostgresDatabase({ url: urls.analytics!, schema: 'analytics', poolSize: 2 }),
  };
}

before(async () => {
  const leafPort = await freePort();
  link = await startTcpProxy('127.0.0.1', leafPort);
  // Region a tells leafnodes to reach it at the proxy: otherwise b would reconnect straight to
  // the address a advertises, and cutting the proxy would not cut the link.
  const natsA = await startPrivateNats({
    config: `jetstream { domain: a }\nleafnodes { listen: "127.0.0.1:${leafPort}", advertise: "127.0.0.1:${link.port}" }\n`,
  });
  const denied = JSON.stringify(regionLinkDenied(eventContracts.keys()));
  const natsB = await startPrivateNats({
    config: `jetstream { domain: b }
leafnodes { reconnect: 1, remotes: [ { url: "nats-leaf://127.0.0.1:${link.port}", deny_imports: ${denied}, deny_exports: ${denied} } ] }\n`,
  });
  // One at a time: both launchers write the same operator files on their first start.
  regions.push(await startRegion('a', 'b', natsA, 2));
  regions.push(await startRegion('b', 'a', natsB, 3));
});

after(async () => {
  for (const region of regions) {
    await region.launcher.stop();
    await region.polls.close();
    await region.analytics.close();
    await region.nats.dispose();
  }
  await link?.close();
});

async function vote(region: Region, pollId: string, voter: string, optionId: string): Promise<void> {
  const response = await region.api('POST', `/api/v1/polls/${pollId}/votes`, {
    headers: { 'voter-token': voter },
    body: { optionIds: [optionId] },
  });
  assert.ok([200, 201].includes(response.status), `${region.name}: ${JSON.stringify(response.body)}`);
}

async function withdraw(region: Region, pollId: string, voter: string): Promise<void> {
  const response = await region.api('DELETE', `/api/v1/polls/${pollId}/votes/mine`, {
    headers: { 'voter-token': voter },
  });
  assert.ok(response.status < 300, `${region.name}: ${JSON.stringify(response.body)}`);
}

/** Both regions' streams recounted and added: what every region's results must come to. */
async function recountBoth(pollId: string): Promise<Figures> {
  const [here, there] = await Promise.all(regions.map((region) => recount(region.polls, pollId)));
  const options: Figures['options'] = {};
  for (const [id, { votes }] of Object.entries(here!.options))
    options[id] = { votes: votes + (there!.options[id]?.votes ?? 0) };
  return { status: here!.status, totalVotes: here!.totalVotes + there!.totalVotes, options, shown: [] };
}

async function results(region: Region, pollId: string) {
  const response = await region.api('GET', `/api/v1/polls/${pollId}/results`);
  assert.equal(response.status, 200, JSON.stringify(response.body));
  return response.body;
}

async function bothShow(pollId: string, expected: { totalVotes: number; perRegion: Record<string, number> }) {
  await eventually(async () => {
    const truth = await recountBoth(pollId);
    assert.equal(truth.totalVotes, expected.totalVotes, 'the recount counts every acknowledged vote');
    for (const region of regions) {
      const body = await results(region, pollId);
      const figures = figuresOf(body);
      assert.equal(figures.totalVotes, truth.totalVotes, `${region.name}: total`);
      assert.deepEqual(figures.options, truth.options, `${region.name}: per option`);
      assert.deepEqual(
        Object.fromEntries(
          (body.regions as { region: string; totalVotes: number }[]).map((r) => [r.region, r.totalVotes]),
        ),
        expected.perRegion,
        `${region.name}: per region`,
      );
      assert.equal(body.regions[0].region, region.name, 'this region first');
    }
  }, 60_000);
}

let poll: { id: string; manageToken: string; options: { id: string }[] };

test('a poll created in one region is imported by the other, which takes its votes but not its management', async () => {
  const created = await a().api('POST', '/api/v1/polls', {
    body: {
      question: 'Where should the next meetup be?',
      options: [{ label: 'Lisbon' }, { label: 'Tallinn' }, { label: 'Osaka' }],
      settings: { allowVoteChange: true, votesPerAddressPerMinute: 0, votesPerAddressPerHour: 0 },
    },
  });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  poll = created.body;
  const imported = await eventually(async () => {
    const found = await b().api('GET', `/api/v1/polls/${poll.id}`);
    assert.equal(found.status, 200, JSON.stringify(found.body));
    return found.body;
  }, 60_000);
  assert.equal(imported.question, 'Where should the next meetup be?');
  assert.deepEqual(
    imported.options.map((option: { id: string }) => option.id),
    poll.options.map((option) => option.id),
  );
  assert.equal(imported.status, 'open');

  const close = await b().api('POST', `/api/v1/polls/${poll.id}/close`, {
    headers: { 'manage-token': poll.manageToken },
  });
  assert.equal(close.status, 409, JSON.stringify(close.body));
  assert.equal(close.body.type.endsWith('poll-managed-in-another-region'), true, close.body.type);
  assert.match(close.body.detail, /created in region a/);
});

test('votes, changes and withdrawals in both regions: each shows the sum, equal to a recount of both', async () => {
  const [lisbon, tallinn, osaka] = poll.options.map((option) => option.id) as [string, string, string];
  const votersA = Array.from({ length: 12 }, () => `region-a-${randomUUID()}`);
  const votersB = Array.from({ length: 9 }, () => `region-b-${randomUUID()}`);
  await Promise.all([
    ...votersA.map((voter, i) => vote(a(), poll.id, voter, [lisbon, tallinn, osaka][i % 3]!)),
    ...votersB.map((voter, i) => vote(b(), poll.id, voter, [osaka, tallinn][i % 2]!)),
  ]);
  // A change and a withdrawal in each region.
  await vote(a(), poll.id, votersA[0]!, osaka);
  await withdraw(a(), poll.id, votersA[1]!);
  await vote(b(), poll.id, votersB[0]!, lisbon);
  await withdraw(b(), poll.id, votersB[1]!);
  await bothShow(poll.id, { totalVotes: 11 + 8, perRegion: { a: 11, b: 8 } });
});

test('cut off, each region goes on alone; once the link heals both agree again', async () => {
  const [lisbon, tallinn] = poll.options.map((option) => option.id) as [string, string];
  const before = (await results(a(), poll.id)).totalVotes as number;
  link.cut();
  // Some time for both servers to notice (the leafnode is down, sourcing stalls).
  await new Promise((resolve) => setTimeout(resolve, 1_500));
  await Promise.all([
    ...Array.from({ length: 7 }, () => vote(a(), poll.id, `cut-a-${randomUUID()}`, lisbon)),
    ...Array.from({ length: 5 }, () => vote(b(), poll.id, `cut-b-${randomUUID()}`, tallinn)),
  ]);
  const edited = await a().api('PATCH', `/api/v1/polls/${poll.id}`, {
    headers: { 'manage-token': poll.manageToken },
    body: { question: 'Where should the next meetup be, in spring?' },
  });
  assert.equal(edited.status, 200, JSON.stringify(edited.body));
  // Each region counts its own new votes at once, and not yet the other's.
  await eventually(async () => {
    assert.equal((await results(a(), poll.id)).totalVotes, before + 7);
    assert.equal((await results(b(), poll.id)).totalVotes, before + 5);
  }, 30_000);
  await new Promise((resolve) => setTimeout(resolve, 2_000));
  assert.equal((await results(a(), poll.id)).totalVotes, before + 7, 'a hears nothing from b while cut off');
  assert.equal(
    (await b().api('GET', `/api/v1/polls/${poll.id}`)).body.question,
    'Where should the next meetup be?',
    'the edit waits on the other side of the cut',
  );

  link.restore();
  await bothShow(poll.id, { totalVotes: before + 12, perRegion: { a: 11 + 7, b: 8 + 5 } });
  await eventually(async () => {
    const copy = await b().api('GET', `/api/v1/polls/${poll.id}`);
    assert.equal(copy.body.question, 'Where should the next meetup be, in spring?');
  }, 30_000);
});

test('a stale or repeated counters snapshot from a peer counts nothing twice', async () => {
  const settled = await results(b(), poll.id);
  const stale = createEvent(RegionCountersV1, {
    source: '/analytics',
    subject: poll.id,
    partitionkey: 'a',
    data: { region: 'a', pollId: poll.id, counters: { '': { cast: 1, retracted: 0 } } },
  });
  // Straight into region b's stream, as a late copy from region a would arrive.
  const nc = await connect({ servers: b().nats.url });
  try {
    const { jetstream } = await import('@nats-io/jetstream');
    const js = jetstream(nc);
    for (let i = 0; i < 2; i++) await js.publish('region.a.counters', JSON.stringify(stale));
  } finally {
    await nc.close();
  }
  await eventually(async () => {
    const seen = await sql<{ n: number }>`select count(*)::int as n from inbox
      where consumer = 'analytics-region-counters' and event_id = ${stale.id}`.execute(b().analytics.kysely);
    assert.equal(seen.rows[0]!.n, 1, 'region b took the snapshot (once)');
  }, 30_000);
  const after = await results(b(), poll.id);
  assert.equal(after.totalVotes, settled.totalVotes);
  assert.deepEqual(after.regions, settled.regions);
});

test('closed in its home region, the poll closes everywhere and takes no more votes', async () => {
  const closed = await a().api('POST', `/api/v1/polls/${poll.id}/close`, {
    headers: { 'manage-token': poll.manageToken },
  });
  assert.equal(closed.status, 200, JSON.stringify(closed.body));
  await eventually(async () => {
    const copy = await b().api('GET', `/api/v1/polls/${poll.id}`);
    assert.equal(copy.body.status, 'closed');
  }, 30_000);
  const late = await b().api('POST', `/api/v1/polls/${poll.id}/votes`, {
    headers: { 'voter-token': `late-${randomUUID()}` },
    body: { optionIds: [poll.options[0]!.id] },
  });
  assert.equal(late.status, 409, JSON.stringify(late.body));
  await eventually(async () => {
    for (const region of regions) assert.equal((await results(region, poll.id)).status, 'closed');
  }, 30_000);
});

test('deleted in its home region, the poll is deleted everywhere', async () => {
  const deleted = await a().api('DELETE', `/api/v1/polls/${poll.id}`, {
    headers: { 'manage-token': poll.manageToken },
  });
  assert.equal(deleted.status, 204, JSON.stringify(deleted.body));
  await eventually(async () => {
    for (const region of regions) {
      const gone = await region.api('GET', `/api/v1/polls/${poll.id}`);
      assert.equal(gone.status, 410, `${region.name}: ${JSON.stringify(gone.body)}`);
      assert.equal((await region.api('GET', `/api/v1/polls/${poll.id}/results`)).status, 404);
    }
  }, 30_000);
  const ballots = await sql<{
    n: number;
  }>`select count(*)::int as n from votes where poll_id = ${poll.id}`.execute(b().polls.kysely);
  assert.equal(ballots.rows[0]!.n, 0, 'the ballots cast in b are gone too');
});
