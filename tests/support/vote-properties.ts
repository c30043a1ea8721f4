// Properties of the vote hot path, over random workloads and interleavings (fast-check):
// one voter's concurrent duplicates count once, whichever process and batch they land in; and
// after any mix of votes, changes and withdrawals the published results equal a brute-force
// recount of the poll's stream.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Database } from '@canvass/database';
import { foldPollStream, verifyChain } from '@canvass/polls';
import { type ServiceRuntime, sha256 } from '@canvass/service-kit';
import fc from 'fast-check';
import { sql } from 'kysely';
import { type Api, eventually } from './api.ts';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function readStream(db: Database, pollId: string) {
  const rows = await sql<{ version: number; event: unknown; prev_hash: string; hash: string }>`
    select version, event, prev_hash, hash from poll_events where poll_id = ${pollId} order by version`.execute(
    db.kysely,
  );
  return rows.rows.map((row) => ({
    version: row.version,
    event: row.event,
    prevHash: row.prev_hash,
    hash: row.hash,
  }));
}

async function currentVotes(db: Database, pollId: string) {
  const rows = await sql<{ id: string; voter_hash: string }>`
    select id, voter_hash from votes where poll_id = ${pollId} and retracted_at is null`.execute(db.kysely);
  return rows.rows;
}

/**
 * `runtimes` are polls services sharing one database (two processes' worth of caches and vote
 * batches); requests go to them at random.
 */
export function duplicateVoteProperty(
  runtimes: () => readonly ServiceRuntime[],
  db: () => Database,
  runs = 20,
): void {
  test('concurrent duplicate votes from one voter: exactly one counts (random interleavings)', async () => {
    let run = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.integer({ min: 1, max: 5 }), { minLength: 1, maxLength: 6 }),
        fc.boolean(),
        fc.infiniteStream(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 3 }), fc.nat({ max: 1 }))),
        async (copiesPerVoter, allowVoteChange, randomness) => {
          const services = runtimes();
          const created = await services[0]!.app.inject({
            method: 'POST',
            url: '/api/v1/polls',
            payload: {
              question: 'Duplicates?',
              options: [{ label: 'A' }, { label: 'B' }],
              settings: { allowVoteChange },
            },
          });
          const poll = created.json();
          const prefix = `dup-${Date.now()}-${run++}`;
          const requests = copiesPerVoter.flatMap((copies, voter) =>
            Array.from({ length: copies }, () => ({ voter, ...randomness.next().value })),
          );
          // A random order, a random process and a random small delay for each request.
          const shuffled = requests
            .map((request) => ({ request, key: request[0] }))
            .sort((a, b) => a.key - b.key)
            .map(({ request }) => request);
          const responses = await Promise.all(
            shuffled.map(async ({ voter, 1: delay, 2: option }) => {
              await sleep(delay);
              const service = services[(voter + delay) % services.length]!;
              const response = await service.app.inject({
                method: 'POST',
                url: `/api/v1/polls/${poll.id}/votes`,
                headers: { 'voter-token': `${prefix}-voter-${voter}` },
                payload: { optionIds: [poll.options[option].id] },
              });
              return { voter, status: response.statusCode, body: response.json() };
            }),
          );
          for (const [voter, copies] of copiesPerVoter.entries()) {
            const mine = responses.filter((response) => response.voter === voter);
            const created201 = mine.filter((response) => response.status === 201);
            if (allowVoteChange) {
              assert.equal(created201.length, copies, 'every vote of a voter who may change it is taken');
              assert.equal(
                created201.filter((response) => !response.body.replaced).length,
                1,
                'one first vote',
              );
            } else {
              assert.equal(created201.length, 1, `voter ${voter}: exactly one of ${copies} votes taken`);
              assert.ok(mine.every((response) => response.status === 201 || response.status === 409));
            }
          }
          const current = await currentVotes(db(), poll.id);
          assert.equal(current.length, copiesPerVoter.length, 'one current vote per voter');
          assert.equal(new Set(current.map((vote) => vote.voter_hash)).size, copiesPerVoter.length);
          const stream = await readStream(db(), poll.id);
          assert.equal(verifyChain(stream).ok, true, 'the hash chain holds');
          const folded = foldPollStream(stream.map((link) => link.event as never));
          assert.deepEqual([...folded.votes.keys()].sort(), current.map((vote) => vote.id).sort());
        },
      ),
      { numRuns: runs },
    );
  });
}

type Op = { voter: number; kind: 'vote'; options: number[] } | { voter: number; kind: 'withdraw' };

/** Through the gateway: random votes, changes and withdrawals, then results vs. a recount. */
export function recountProperty(api: () => Api, pollsDb: () => Database, runs = 8): void {
  test('after random votes, changes and withdrawals, results equal a recount from the stream', async () => {
    let run = 0;
    const op: fc.Arbitrary<Op> = fc.oneof(
      {
        weight: 4,
        arbitrary: fc.record({
          voter: fc.integer({ min: 0, max: 7 }),
          kind: fc.constant('vote' as const),
          options: fc.uniqueArray(fc.integer({ min: 0, max: 2 }), { minLength: 1, maxLength: 2 }),
        }),
      },
      {
        weight: 1,
        arbitrary: fc.record({
          voter: fc.integer({ min: 0, max: 7 }),
          kind: fc.constant('withdraw' as const),
        }),
      },
    );
    await fc.assert(
      fc.asyncProperty(
        fc.array(op, { minLength: 1, maxLength: 40 }),
        fc.integer({ min: 1, max: 8 }),
        async (ops, concurrency) => {
          const created = await api()('POST', '/api/v1/polls', {
            body: {
              question: 'Recount?',
              type: 'multiple_choice',
              options: [{ label: 'A' }, { label: 'B' }, { label: 'C' }],
              settings: { allowVoteChange: true, maxSelections: 2 },
            },
          });
          assert.equal(created.status, 201);
          const poll = created.body;
          const prefix = `recount-${Date.now()}-${run++}`;
          for (let i = 0; i < ops.length; i += concurrency) {
            await Promise.all(
              ops.slice(i, i + concurrency).map(async (step) => {
                const headers = { 'voter-token': `${prefix}-voter-${step.voter}` };
                const response =
                  step.kind === 'vote'
                    ? await api()('POST', `/api/v1/polls/${poll.id}/votes`, {
                        headers,
                        body: { optionIds: step.options.map((index) => poll.options[index].id) },
                      })
                    : await api()('DELETE', `/api/v1/polls/${poll.id}/votes/mine`, { headers });
                // A withdrawal of a vote not (yet) there is a 404, a voter voting too fast is
                // limited (429, nothing stored); nothing else may fail.
                assert.ok([201, 204, 404, 429].includes(response.status), JSON.stringify(response.body));
              }),
            );
          }
          const folded = foldPollStream(
            (await readStream(pollsDb(), poll.id)).map((link) => link.event as never),
          );
          const expected: Record<string, number> = Object.fromEntries(
            poll.options.map((o: { id: string }) => [o.id, 0]),
          );
          for (const vote of folded.votes.values()) for (const id of vote.optionIds) expected[id]! += 1;
          await eventually(async () => {
            const results = await api()('GET', `/api/v1/polls/${poll.id}/results`);
            assert.equal(results.status, 200);
            assert.equal(results.body.totalVotes, folded.votes.size);
            assert.deepEqual(
              Object.fromEntries(
                results.body.options.map((o: { id: string; votes: number }) => [o.id, o.votes]),
              ),
              expected,
            );
            const series = results.body.series.reduce(
              (sum: number, m: { votes: number }) => sum + m.votes,
              0,
            );
            assert.equal(series, folded.votes.size, 'the per-minute series adds up to the total');
          });
        },
      ),
      { numRuns: runs },
    );
  });
}

/** What an answer may hold that array literals and JSON must escape: quotes, backslashes, braces. */
const awkwardAnswer = fc
  .array(fc.constantFrom('"', '\\', '{', '}', ',', "'", ' ', 'NULL', 'null', 'é', '💥', '\n', '\t', 'a'), {
    minLength: 1,
    maxLength: 12,
  })
  .map((parts) => parts.join('').trim())
  .filter((text) => text.length > 0);

/**
 * Votes sent at once (so they share batches, whose rows go in as arrays): each open-text answer
 * and each ranking is stored, and streamed, exactly as sent.
 */
export function awkwardAnswersProperty(
  runtimes: () => readonly ServiceRuntime[],
  db: () => Database,
  runs = 10,
): void {
  test('answers with quotes, backslashes and braces, sent at once, are stored and streamed as sent', async () => {
    const service = runtimes()[0]!;
    const create = async (payload: Record<string, unknown>) =>
      (await service.app.inject({ method: 'POST', url: '/api/v1/polls', payload })).json();
    let run = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.array(awkwardAnswer, { minLength: 1, maxLength: 12 }),
        fc.array(fc.integer({ min: 0, max: 2 }), { minLength: 1, maxLength: 12 }),
        async (answers, rotations) => {
          const open = await create({ question: 'Say "anything"', type: 'open_text' });
          const ranking = await create({
            question: 'Rank {these}',
            type: 'ranking',
            options: [{ label: 'a,"b"' }, { label: '\\c' }, { label: '{d}' }],
          });
          const ids: string[] = ranking.options.map((option: { id: string }) => option.id);
          const prefix = `awkward-${Date.now()}-${run++}`;
          const sent = [
            ...answers.map((text, i) => ({ poll: open.id, voter: `t${i}`, payload: { text } })),
            ...rotations.map((turn, i) => ({
              poll: ranking.id,
              voter: `r${i}`,
              payload: { ranking: [...ids.slice(turn), ...ids.slice(0, turn)] },
            })),
          ];
          const responses = await Promise.all(
            sent.map(({ poll, voter, payload }) =>
              service.app.inject({
                method: 'POST',
                url: `/api/v1/polls/${poll}/votes`,
                headers: { 'voter-token': `${prefix}-${voter}` },
                payload,
              }),
            ),
          );
          for (const response of responses) assert.equal(response.statusCode, 201, response.body);
          const stored = await sql<{ receipt_hash: string; text: string | null; option_ids: string[] }>`
            select receipt_hash, text, option_ids from votes where poll_id in (${open.id}, ${ranking.id})`.execute(
            db().kysely,
          );
          const byReceipt = new Map(stored.rows.map((row) => [row.receipt_hash, row]));
          const streamed = new Map<string, { text: string | null; optionIds: string[] }>();
          for (const pollId of [open.id, ranking.id])
            for (const link of await readStream(db(), pollId)) {
              const event = link.event as {
                type: string;
                data: { receiptHash?: string; text: string | null; optionIds: string[] };
              };
              if (event.data.receiptHash) streamed.set(event.data.receiptHash, event.data);
            }
          sent.forEach(({ payload }, i) => {
            const receiptHash = sha256(responses[i]!.json().receiptId);
            const row = byReceipt.get(receiptHash);
            assert.ok(row, 'the vote is stored');
            const expected = 'text' in payload ? payload.text : null;
            const options = 'ranking' in payload ? payload.ranking : [];
            assert.equal(row.text, expected);
            assert.deepEqual(row.option_ids, options);
            assert.equal(streamed.get(receiptHash)?.text ?? null, expected);
            assert.deepEqual(streamed.get(receiptHash)?.optionIds, options);
          });
        },
      ),
      { numRuns: runs },
    );
  });
}
