// What an operator relies on, run against either tier through the real CLI: rebuilding a
// projection gives exactly the live tallies; a tampered poll stream fails verification, and
// the verdict says where.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Database } from '@canvass/database';
import { sha256 } from '@canvass/service-kit';
import { sql } from 'kysely';
import { type Api, eventually } from './api.ts';
import { canvass } from './cli.ts';

export interface OperatedPlatform {
  api: Api;
  url: string;
  token: string;
  pollsDb: Database;
}

async function createPoll(api: Api, labels: string[]) {
  const created = await api('POST', '/api/v1/polls', {
    body: { question: `Operated ${crypto.randomUUID()}?`, options: labels.map((label) => ({ label })) },
  });
  assert.equal(created.status, 201);
  return created.body as { id: string; options: { id: string }[] };
}

/** A small seeded generator, so a failure can be reproduced from the seed it prints. */
function random(seed: number) {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state ^ (state >>> 15), 0x2c1b3c6d) + 0x6d2b79f5) >>> 0;
    return state / 2 ** 32;
  };
}

export function operationsTests(platform: () => OperatedPlatform): void {
  test('rebuilding the tallies projection from the poll streams gives exactly the live tallies', async () => {
    const { api, url, token } = platform();
    const seed = Date.now() % 100_000;
    const next = random(seed);
    const polls = [await createPoll(api, ['A', 'B', 'C']), await createPoll(api, ['Yes', 'No'])];
    const acked = new Map<string, number>();
    for (let i = 0; i < 60; i++) {
      const poll = polls[Math.floor(next() * polls.length)]!;
      const option = poll.options[Math.floor(next() * poll.options.length)]!;
      const response = await api('POST', `/api/v1/polls/${poll.id}/votes`, {
        body: { optionIds: [option.id], ...(next() < 0.5 ? { segment: 'embed' } : {}) },
        headers: { 'voter-token': `voter-${seed}-${i}` },
      });
      assert.equal(response.status, 201, `seed ${seed}`);
      acked.set(poll.id, (acked.get(poll.id) ?? 0) + 1);
    }
    const results = async () =>
      Promise.all(polls.map(async (poll) => (await api('GET', `/api/v1/polls/${poll.id}/results`)).body));
    const live = await eventually(async () => {
      const current = await results();
      for (const result of current)
        assert.equal(result.totalVotes, acked.get(result.pollId) ?? 0, `seed ${seed}`);
      return current;
    });

    const rebuilt = await canvass(url, token, 'projections', 'rebuild', 'tallies');
    assert.equal(rebuilt.status, 0, rebuilt.stderr);
    assert.match(rebuilt.stdout, /Rebuilt tallies from \d+ events/);
    const after = await results();
    const strip = (all: { options: unknown[]; totalVotes: number }[]) =>
      all.map((r) => [r.totalVotes, r.options]);
    assert.deepEqual(strip(after), strip(live), `seed ${seed}`);
  });

  test('a tampered event in a poll stream breaks the hash chain and verification says where', async () => {
    const { api, url, token, pollsDb } = platform();
    const poll = await createPoll(api, ['A', 'B']);
    for (let i = 0; i < 3; i++) {
      const voted = await api('POST', `/api/v1/polls/${poll.id}/votes`, {
        body: { optionIds: [poll.options[0]!.id] },
        headers: { 'voter-token': `tamper-${poll.id}-${i}` },
      });
      assert.equal(voted.status, 201);
    }
    const intact = await canvass(url, token, 'streams', 'verify', poll.id, '--json');
    assert.equal(intact.status, 0, intact.stderr);
    assert.equal(JSON.parse(intact.stdout).version, 4);

    // Someone moves the third vote (version 3) to the other option, straight in the database.
    await sql`update poll_events set event = jsonb_set(event, '{data,optionIds}', ${JSON.stringify([poll.options[1]!.id])}::jsonb)
      where poll_id = ${poll.id} and version = 3`.execute(pollsDb.kysely);
    const broken = await canvass(url, token, 'streams', 'verify', poll.id, '--json');
    assert.equal(broken.status, 1);
    const verdict = JSON.parse(broken.stdout);
    assert.equal(verdict.ok, false);
    assert.equal(verdict.brokenAt, 3);
    assert.match(verdict.reason, /altered/);
  });

  test('the CLI tails votes as they happen, one line per event, also when one message carries several', async () => {
    const { api, url, token } = platform();
    const poll = await createPoll(api, ['Tea', 'Coffee']);
    const count = 9;
    const tailed = canvass(
      url,
      token,
      'events',
      'tail',
      'polls.>',
      '--type',
      'polls.vote.cast',
      '--count',
      String(count),
      '--json',
    );
    let finished = false;
    void tailed.then(() => {
      finished = true;
    });
    // The tail takes events from the moment it subscribes: vote until it has seen enough. Votes go
    // three at a time, so the cluster tier's relay carries each round in one message (a run).
    const rounds: string[][] = [];
    for (let round = 0; round < 40 && !finished; round++) {
      const cast = await Promise.all(
        [0, 1, 2].map((i) =>
          api('POST', `/api/v1/polls/${poll.id}/votes`, {
            body: { optionIds: [poll.options[i % 2]!.id] },
            headers: { 'voter-token': `tailed-${round}-${i}-${crypto.randomUUID()}` },
          }),
        ),
      );
      for (const response of cast) assert.equal(response.status, 201);
      // A vote's event names its receipt by hash.
      rounds.push(cast.map((response) => sha256((response.body as { receiptId: string }).receiptId)));
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    const result = await tailed;
    assert.equal(result.status, 0, result.stderr);
    const lines = result.stdout
      .trim()
      .split('\n')
      .map(
        (line) =>
          JSON.parse(line) as {
            event: { id: string; type: string; data: { pollId: string; receiptHash: string } };
          },
      );
    assert.equal(lines.length, count);
    for (const { event } of lines) {
      assert.match(event.type, /^polls\.vote\.cast\./);
      assert.equal(event.data.pollId, poll.id);
    }
    // Nothing skipped: after the round the tail joined in, every round is there whole (a tail
    // that printed a run as one line, or dropped it, leaves rounds out).
    const printed = new Set(lines.map(({ event }) => event.data.receiptHash));
    assert.equal(printed.size, count, 'different votes');
    const first = rounds.findIndex((round) => round.some((hash) => printed.has(hash)));
    const last = rounds.findLastIndex((round) => round.some((hash) => printed.has(hash)));
    assert.ok(first >= 0, 'the votes printed are those cast');
    for (let i = first + 1; i < last; i++)
      assert.ok(
        rounds[i]!.every((hash) => printed.has(hash)),
        `round ${i} printed whole`,
      );
  });

  test('the CLI reports the outbox drained and no dead letters after normal traffic', async () => {
    const { url, token } = platform();
    const status = await eventually(async () => {
      const result = await canvass(url, token, 'events', 'outbox', 'status', '--json');
      assert.equal(result.status, 0, result.stderr);
      const parsed = JSON.parse(result.stdout);
      for (const outbox of parsed.outboxes) assert.equal(outbox.pending, 0);
      return parsed;
    });
    assert.ok(status.consumers.some((c: { name: string }) => c.name === 'analytics-tallies'));
    const polls = status.outboxes.find((o: { service: string }) => o.service === 'polls');
    assert.equal(polls.log, 'poll_events', 'polls relays its poll streams, which are its outbox');
    assert.equal(polls.partitions.length, 8);
    for (const consumer of status.consumers) assert.equal(consumer.parked, 0, consumer.name);
    const table = await canvass(url, token, 'events', 'outbox', 'status');
    assert.equal(table.status, 0, table.stderr);
    assert.match(table.stdout, /polls\s+poll_events\s+0/);
    const letters = await canvass(url, token, 'events', 'dlq', 'list', '--json');
    assert.equal(letters.status, 0, letters.stderr);
    assert.ok(Array.isArray(JSON.parse(letters.stdout)));
    const denied = await canvass(url, 'not-the-operator-token', 'events', 'outbox', 'status');
    assert.equal(denied.status, 1);
    assert.match(denied.stderr, /401/);
  });
}
