// The shuffle property on real PostgreSQL: analytics' results do not depend on how the broker
// interleaves polls. Real polls events (every type: created, edited, votes, changes, withdrawals,
// moderation, closes) are recorded once from the polls service; then, again and again, they are
// handed to analytics' consumer in a random interleaving of the polls (each poll's events in
// order, as the ordering contract promises), with random duplicates and redeliveries mixed in and
// random batch sizes. Every time, every poll's results equal a recount of its stream.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { createAnalyticsService } from '@canvass/analytics';
import type { CloudEvent } from '@canvass/contracts';
import { createPostgresDatabase, type Database } from '@canvass/database';
import { createInProcessBus } from '@canvass/eventing';
import { provisionDatabases } from '@canvass/launcher';
import { createPollsService } from '@canvass/polls';
import { createLogger, createServiceRuntime, type ServiceRuntime } from '@canvass/service-kit';
import fc from 'fast-check';
import { sql } from 'kysely';
import { injectApi } from '../support/api.ts';
import { POSTGRES_URL } from '../support/cluster.ts';
import { runPollWorkload } from '../support/poll-workload.ts';
import { figuresOf, recount } from '../support/recount.ts';

const databases: Database[] = [];
const runtimes: ServiceRuntime[] = [];
const recorded: CloudEvent[] = [];
let pollIds: string[] = [];

before(async () => {
  const urls = await provisionDatabases({
    adminUrl: POSTGRES_URL,
    prefix: 'canvass_test_shuffle_',
    services: ['polls', 'analytics'],
  });
  for (const service of ['polls', 'analytics']) {
    const db = createPostgresDatabase({ url: urls[service]!, schema: service });
    await sql.raw(`drop schema if exists ${service} cascade`).execute(db.kysely);
    databases.push(db);
  }
  // Polls publishes into a bus nobody consumes; the tap records what it published, as published.
  const pollsBus = createInProcessBus();
  pollsBus.tap((event) => recorded.push(structuredClone(event)));
  const polls = await createServiceRuntime({
    name: 'polls',
    db: databases[0]!,
    bus: pollsBus,
    logger: createLogger('polls', 'silent'),
    create: createPollsService,
  });
  const analytics = await createServiceRuntime({
    name: 'analytics',
    db: databases[1]!,
    bus: createInProcessBus(),
    logger: createLogger('analytics', 'silent'),
    create: createAnalyticsService,
  });
  runtimes.push(polls, analytics);
  await polls.prepare();
  await analytics.prepare();
  polls.startRelay();
  const workload = await runPollWorkload(injectApi(polls.app), {
    seed: 7,
    pollsPerType: 1,
    votersPerPoll: 8,
  });
  pollIds = workload.map((poll) => poll.id);
  await polls.flushOutbox();
});

after(async () => {
  for (const runtime of runtimes) await runtime.stopHttp();
  for (const db of databases) await db.close();
});

/** A delivery: polls interleaved at random, each poll's events in order, with copies mixed in. */
const delivery = () =>
  fc.record({
    picks: fc.array(fc.nat(), { minLength: recorded.length, maxLength: recorded.length }),
    copies: fc.array(fc.record({ at: fc.nat(), of: fc.nat() }), { maxLength: 40 }),
    cuts: fc.array(fc.integer({ min: 1, max: 40 }), { minLength: 1, maxLength: 20 }),
  });

function interleave(picks: number[], copies: { at: number; of: number }[]): CloudEvent[] {
  const lanes = new Map<string, CloudEvent[]>();
  for (const event of recorded)
    lanes.set(event.partitionkey!, [...(lanes.get(event.partitionkey!) ?? []), event]);
  const queues = [...lanes.values()];
  const order: CloudEvent[] = [];
  for (const pick of picks) {
    const open = queues.filter((queue) => queue.length > 0);
    if (open.length === 0) break;
    order.push(open[pick % open.length]!.shift()!);
  }
  // A broker redelivering: copies of events already handed over, later (a duplicate, or an older
  // event coming back after newer ones).
  for (const { at, of } of copies) {
    const position = at % (order.length + 1);
    if (position === 0) continue;
    order.splice(position, 0, order[of % position]!);
  }
  return order;
}

test('any interleaving of polls, with duplicates and redeliveries, gives the same results as a recount', async () => {
  assert.ok(recorded.length > 100, `recorded ${recorded.length} events`);
  assert.ok(recorded.every((event) => typeof event.streamversion === 'number'));
  const analytics = runtimes[1]!;
  const consumer = analytics.consumers.get('analytics-tallies')!;
  const api = injectApi(analytics.app);
  await fc.assert(
    fc.asyncProperty(delivery(), async ({ picks, copies, cuts }) => {
      // An empty projection, as a rebuild leaves it.
      for (const table of [
        'poll_results',
        'option_tallies',
        'vote_minutes',
        'segment_tallies',
        'text_answers',
        'term_counts',
        'stream_positions',
        'parked_events',
        'inbox',
      ])
        await sql`delete from ${sql.table(table)}`.execute(databases[1]!.kysely);
      const order = interleave(picks, copies);
      for (let at = 0, i = 0; at < order.length; i++) {
        const size = cuts[i % cuts.length]!;
        await consumer.handleBatch(order.slice(at, at + size).map((payload) => ({ payload, attempt: 1 })));
        at += size;
      }
      for (const pollId of pollIds) {
        const results = await api('GET', `/api/v1/polls/${pollId}/results`);
        assert.equal(results.status, 200);
        assert.deepEqual(figuresOf(results.body), await recount(databases[0]!, pollId), `poll ${pollId}`);
      }
    }),
    { numRuns: 12 },
  );
});
