// Every poll type end to end through the gateway, against either tier: voting, vote changes,
// each visibility rule, the lifecycle and schedule, receipts and refusals.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { test } from 'node:test';
import { chainHash } from '@canvass/polls';
import { type Api, type ApiResponse, eventually } from './api.ts';

const PROBLEM = /^application\/problem\+json/;
const voter = () => ({ 'voter-token': `voter-${randomUUID()}` });

// biome-ignore lint/suspicious/noExplicitAny: tests read whatever JSON came back.
type Json = any;

export function pollTypeTests(api: () => Api): void {
  async function create(body: Record<string, unknown>): Promise<Json> {
    const created = await api()('POST', '/api/v1/polls', { body });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    return created.body;
  }
  const manage = (poll: Json) => ({ 'manage-token': poll.manageToken });

  async function vote(poll: Json, body: Record<string, unknown>, headers: Record<string, string> = voter()) {
    const response = await api()('POST', `/api/v1/polls/${poll.id}/votes`, { body, headers });
    assert.equal(response.status, 201, JSON.stringify(response.body));
    return response.body as { receiptId: string; replaced: boolean };
  }

  /** The results once `ready` holds (projections are eventually consistent). */
  async function results(poll: Json, ready: (body: Json) => boolean, headers: Record<string, string> = {}) {
    return eventually(async () => {
      const response = await api()('GET', `/api/v1/polls/${poll.id}/results`, { headers });
      assert.equal(response.status, 200, JSON.stringify(response.body));
      assert.ok(ready(response.body), JSON.stringify(response.body));
      return response.body as Json;
    });
  }
  const counts = (body: Json) => Object.fromEntries(body.options.map((o: Json) => [o.label, o.votes]));

  function assertProblem(response: ApiResponse, status: number, type: string) {
    assert.equal(response.status, status, JSON.stringify(response.body));
    assert.match(response.headers['content-type'] ?? '', PROBLEM);
    assert.match(response.body.type, new RegExp(`${type}$`));
    assert.ok(response.body.detail, 'the problem says what went wrong');
  }

  async function exportedRows(poll: Json): Promise<string[]> {
    const response = await api()('GET', `/api/v1/polls/${poll.id}/export?format=csv`, {
      headers: manage(poll),
    });
    assert.equal(response.status, 200, String(response.body));
    return String(response.body).trim().split('\r\n').slice(1);
  }

  test('single and multiple choice: tallies, percentages, breakdown by segment, per-minute series', async () => {
    const single = await create({ question: 'Lunch?', options: [{ label: 'Pizza' }, { label: 'Salad' }] });
    const [pizza, salad] = single.options.map((o: Json) => o.id);
    await vote(single, { optionIds: [pizza], segment: 'slides' });
    await vote(single, { optionIds: [pizza] });
    await vote(single, { optionIds: [salad], segment: 'slides' });
    const body = await results(single, (b) => b.totalVotes === 3);
    assert.deepEqual(counts(body), { Pizza: 2, Salad: 1 });
    assert.deepEqual(
      body.options.map((o: Json) => o.percent),
      [66.7, 33.3],
    );
    assert.deepEqual(
      body.breakdown.map((s: Json) => [s.segment, s.totalVotes, s.options.map((o: Json) => o.votes)]),
      [
        [null, 1, [1, 0]],
        ['slides', 2, [1, 1]],
      ],
    );
    assert.equal(
      body.series.reduce((sum: number, m: Json) => sum + m.votes, 0),
      3,
    );
    assert.match(body.series[0].minute, /:00\.000Z$/);

    const multi = await create({
      question: 'Which languages?',
      type: 'multiple_choice',
      options: [{ label: 'TS' }, { label: 'Go' }, { label: 'Rust' }],
      settings: { minSelections: 1, maxSelections: 2 },
    });
    const [ts, go, rust] = multi.options.map((o: Json) => o.id);
    await vote(multi, { optionIds: [ts, go] });
    await vote(multi, { optionIds: [ts] });
    const tooMany = await api()('POST', `/api/v1/polls/${multi.id}/votes`, {
      body: { optionIds: [ts, go, rust] },
      headers: voter(),
    });
    assertProblem(tooMany, 422, 'wrong-number-of-options');
    const multiBody = await results(multi, (b) => b.totalVotes === 2);
    // Percentages are of ballots: each option can be on every ballot.
    assert.deepEqual(
      multiBody.options.map((o: Json) => [o.label, o.votes, o.percent]),
      [
        ['TS', 2, 100],
        ['Go', 1, 50],
        ['Rust', 0, 0],
      ],
    );
  });

  test('rating and NPS: distribution, average and the NPS score', async () => {
    const rating = await create({
      question: 'How was it?',
      type: 'rating',
      settings: { scaleMin: 1, scaleMax: 5 },
    });
    assert.deepEqual(rating.options, []);
    for (const value of [5, 4, 4]) await vote(rating, { rating: value });
    assertProblem(
      await api()('POST', `/api/v1/polls/${rating.id}/votes`, { body: { rating: 7 }, headers: voter() }),
      422,
      'rating-out-of-scale',
    );
    const ratingBody = await results(rating, (b) => b.totalVotes === 3);
    assert.equal(ratingBody.rating.average, 4.33);
    assert.deepEqual(counts(ratingBody), { 1: 0, 2: 0, 3: 0, 4: 2, 5: 1 });

    const nps = await create({ question: 'Would you recommend us?', type: 'nps' });
    assert.deepEqual([nps.settings.scaleMin, nps.settings.scaleMax], [0, 10]);
    for (const value of [10, 9, 8, 3, 0]) await vote(nps, { rating: value });
    const npsBody = await results(nps, (b) => b.totalVotes === 5);
    // 2 promoters, 1 passive, 2 detractors: (2 - 2) / 5.
    assert.deepEqual(npsBody.nps, { score: 0, promoters: 2, passives: 1, detractors: 2 });
    assert.equal(npsBody.options.length, 11);
  });

  test('ranking: Borda points and first choices', async () => {
    const poll = await create({
      question: 'Rank the talks',
      type: 'ranking',
      options: [{ label: 'A' }, { label: 'B' }, { label: 'C' }],
    });
    const [a, b, c] = poll.options.map((o: Json) => o.id);
    await vote(poll, { ranking: [a, b, c] });
    await vote(poll, { ranking: [b, a, c] });
    await vote(poll, { ranking: [a, c, b] });
    assertProblem(
      await api()('POST', `/api/v1/polls/${poll.id}/votes`, { body: { ranking: [a, b] }, headers: voter() }),
      422,
      'incomplete-ranking',
    );
    assertProblem(
      await api()('POST', `/api/v1/polls/${poll.id}/votes`, { body: { optionIds: [a] }, headers: voter() }),
      422,
      'wrong-answer-kind',
    );
    const body = await results(poll, (r) => r.totalVotes === 3);
    // Points: first place 2, second 1, last 0.
    assert.deepEqual(
      body.options.map((o: Json) => [o.label, o.votes, o.points]),
      [
        ['A', 2, 5],
        ['B', 1, 3],
        ['C', 0, 1],
      ],
    );
  });

  test('open text: answers show once approved, with word-cloud terms', async () => {
    const poll = await create({ question: 'One word for today?', type: 'open_text' });
    assert.equal(poll.settings.moderation, true);
    await vote(poll, { text: 'Inspiring talks and great coffee' });
    await vote(poll, { text: 'Great coffee!' });
    await vote(poll, { text: 'Buy cheap watches' });
    let body = await results(poll, (r) => r.totalVotes === 3);
    assert.deepEqual(body.answers.recent, [], 'nothing shows before an organizer approves it');
    assert.equal(body.answers.awaitingModeration, 3);

    const pending = await api()('GET', `/api/v1/polls/${poll.id}/answers`, { headers: manage(poll) });
    assert.equal(pending.status, 200);
    assert.equal(pending.body.answers.length, 3);
    assertProblem(await api()('GET', `/api/v1/polls/${poll.id}/answers`), 401, 'unauthenticated');
    for (const answer of pending.body.answers) {
      const decision = answer.text.startsWith('Buy') ? 'rejected' : 'approved';
      const moderated = await api()('POST', `/api/v1/polls/${poll.id}/answers/${answer.voteId}`, {
        body: { decision },
        headers: manage(poll),
      });
      assert.equal(moderated.status, 200, JSON.stringify(moderated.body));
    }
    body = await results(poll, (r) => r.answers.shown === 2);
    assert.deepEqual(body.answers.recent.map((a: Json) => a.text).sort(), [
      'Great coffee!',
      'Inspiring talks and great coffee',
    ]);
    const terms = Object.fromEntries(body.answers.terms.map((t: Json) => [t.term, t.count]));
    assert.deepEqual(terms, { coffee: 2, great: 2, inspiring: 1, talks: 1 });
  });

  test('vote change and withdrawal keep counts exact; receipts say what became of each vote', async () => {
    const poll = await create({
      question: 'Tabs or spaces?',
      options: [{ label: 'Tabs' }, { label: 'Spaces' }],
      settings: { allowVoteChange: true },
    });
    const [tabs, spaces] = poll.options.map((o: Json) => o.id);
    const me = voter();
    const first = await vote(poll, { optionIds: [tabs] }, me);
    assert.equal(first.replaced, false);
    const second = await vote(poll, { optionIds: [spaces] }, me);
    assert.equal(second.replaced, true);
    await vote(poll, { optionIds: [spaces] });
    const body = await results(poll, (r) => r.totalVotes === 2 && r.options[1].votes === 2);
    assert.deepEqual(counts(body), { Tabs: 0, Spaces: 2 });

    const old = await api()('GET', `/api/v1/receipts/${first.receiptId}`);
    assert.equal(old.body.status, 'replaced');
    const withdrawn = await api()('DELETE', `/api/v1/polls/${poll.id}/votes/mine`, { headers: me });
    assert.equal(withdrawn.status, 204);
    assert.equal((await api()('GET', `/api/v1/receipts/${second.receiptId}`)).body.status, 'withdrawn');
    assertProblem(
      await api()('DELETE', `/api/v1/polls/${poll.id}/votes/mine`, { headers: me }),
      404,
      'not-found',
    );
    await results(poll, (r) => r.totalVotes === 1 && r.options[1].votes === 1);

    // Without allowVoteChange a second vote is refused and a withdrawal too.
    const fixed = await create({ question: 'Fixed?', options: [{ label: 'Y' }, { label: 'N' }] });
    const you = voter();
    await vote(fixed, { optionIds: [fixed.options[0].id] }, you);
    const again = await api()('POST', `/api/v1/polls/${fixed.id}/votes`, {
      body: { optionIds: [fixed.options[1].id] },
      headers: you,
    });
    assertProblem(again, 409, 'already-voted');
    assertProblem(
      await api()('DELETE', `/api/v1/polls/${fixed.id}/votes/mine`, { headers: you }),
      409,
      'vote-change-not-allowed',
    );
  });

  test('results visibility: live, after voting, after close, hidden', async () => {
    const options = [{ label: 'Yes' }, { label: 'No' }];
    const live = await create({ question: 'Live?', options });
    await results(live, (r) => r.totalVotes === 0);

    const afterVote = await create({
      question: 'After vote?',
      options,
      settings: { resultsVisibility: 'after_vote' },
    });
    await eventually(async () => {
      assertProblem(await api()('GET', `/api/v1/polls/${afterVote.id}/results`), 403, 'results-after-vote');
    });
    const receipt = await vote(afterVote, { optionIds: [afterVote.options[0].id] });
    await results(afterVote, (r) => r.totalVotes === 1, { 'vote-receipt': receipt.receiptId });
    const foreign = await vote(live, { optionIds: [live.options[0].id] });
    assertProblem(
      await api()('GET', `/api/v1/polls/${afterVote.id}/results`, {
        headers: { 'vote-receipt': foreign.receiptId },
      }),
      403,
      'results-after-vote',
    );
    await results(afterVote, (r) => r.totalVotes === 1, manage(afterVote));

    const afterClose = await create({
      question: 'After close?',
      options,
      settings: { resultsVisibility: 'after_close' },
    });
    await vote(afterClose, { optionIds: [afterClose.options[1].id] });
    await eventually(async () => {
      assertProblem(await api()('GET', `/api/v1/polls/${afterClose.id}/results`), 403, 'results-after-close');
    });
    assert.equal(
      (await api()('POST', `/api/v1/polls/${afterClose.id}/close`, { headers: manage(afterClose) })).status,
      200,
    );
    await results(afterClose, (r) => r.status === 'closed' && r.totalVotes === 1);

    const hidden = await create({ question: 'Hidden?', options, settings: { resultsVisibility: 'hidden' } });
    const mine = await vote(hidden, { optionIds: [hidden.options[0].id] });
    await eventually(async () => {
      assertProblem(
        await api()('GET', `/api/v1/polls/${hidden.id}/results`, {
          headers: { 'vote-receipt': mine.receiptId },
        }),
        403,
        'results-hidden',
      );
    });
    await results(hidden, (r) => r.totalVotes === 1, manage(hidden));
  });

  test('lifecycle: draft, open, edit with an audit entry, close; options locked once votes exist', async () => {
    const poll = await create({
      question: 'Draft?',
      options: [{ label: 'A' }, { label: 'B' }],
      status: 'draft',
    });
    assert.equal(poll.status, 'draft');
    assertProblem(
      await api()('POST', `/api/v1/polls/${poll.id}/votes`, {
        body: { optionIds: [poll.options[0].id] },
        headers: voter(),
      }),
      409,
      'poll-not-open',
    );
    const edited = await api()('PATCH', `/api/v1/polls/${poll.id}`, {
      body: { options: [{ label: 'A' }, { label: 'B' }, { label: 'C' }] },
      headers: manage(poll),
    });
    assert.equal(edited.status, 200, JSON.stringify(edited.body));
    assert.equal(edited.body.options.length, 3);
    assertProblem(await api()('POST', `/api/v1/polls/${poll.id}/open`), 401, 'unauthenticated');
    assertProblem(
      await api()('POST', `/api/v1/polls/${poll.id}/open`, {
        headers: { 'manage-token': 'not-the-token-at-all-no' },
      }),
      403,
      'forbidden',
    );
    const opened = await api()('POST', `/api/v1/polls/${poll.id}/open`, { headers: manage(poll) });
    assert.equal(opened.body.status, 'open');
    await vote(poll, { optionIds: [edited.body.options[2].id] });
    assertProblem(
      await api()('PATCH', `/api/v1/polls/${poll.id}`, {
        body: { options: [{ label: 'X' }, { label: 'Y' }] },
        headers: manage(poll),
      }),
      409,
      'poll-has-votes',
    );
    const renamed = await api()('PATCH', `/api/v1/polls/${poll.id}`, {
      body: { question: 'Final question?' },
      headers: manage(poll),
    });
    assert.equal(renamed.body.question, 'Final question?');
    const closed = await api()('POST', `/api/v1/polls/${poll.id}/close`, { headers: manage(poll) });
    assert.equal(closed.body.status, 'closed');
    assertProblem(
      await api()('POST', `/api/v1/polls/${poll.id}/open`, { headers: manage(poll) }),
      409,
      'poll-closed',
    );
    const history = await api()('GET', `/api/v1/polls/${poll.id}/history`, { headers: manage(poll) });
    assert.deepEqual(
      history.body.entries.map((e: Json) => e.type),
      [
        'polls.poll.created.v2',
        'polls.poll.updated.v1',
        'polls.poll.opened.v1',
        'polls.poll.updated.v1',
        'polls.poll.closed.v1',
      ],
    );
    const rename = history.body.entries[3].data;
    assert.deepEqual(
      [rename.previous.question, rename.changes.question, rename.by],
      ['Draft?', 'Final question?', 'manage-token'],
    );
    const final = await results(poll, (r) => r.status === 'closed' && r.question === 'Final question?');
    assert.equal(final.final.totals.ballots, 1);
  });

  test('a scheduled poll opens and closes at its set times', async () => {
    const opensAt = new Date(Date.now() + 1500).toISOString();
    const closesAt = new Date(Date.now() + 4000).toISOString();
    const poll = await create({
      question: 'Scheduled?',
      options: [{ label: 'A' }, { label: 'B' }],
      opensAt,
      closesAt,
    });
    assert.equal(poll.status, 'scheduled');
    assertProblem(
      await api()('POST', `/api/v1/polls/${poll.id}/votes`, {
        body: { optionIds: [poll.options[0].id] },
        headers: voter(),
      }),
      409,
      'poll-not-open',
    );
    await eventually(async () => {
      assert.equal((await api()('GET', `/api/v1/polls/${poll.id}`)).body.status, 'open');
    }, 10_000);
    await vote(poll, { optionIds: [poll.options[0].id] });
    await eventually(async () => {
      assert.equal((await api()('GET', `/api/v1/polls/${poll.id}`)).body.status, 'closed');
    }, 10_000);
    const late = await api()('POST', `/api/v1/polls/${poll.id}/votes`, {
      body: { optionIds: [poll.options[0].id] },
      headers: voter(),
    });
    assertProblem(late, 409, 'poll-not-open');
    const history = await api()('GET', `/api/v1/polls/${poll.id}/history`, { headers: manage(poll) });
    assert.deepEqual(
      history.body.entries.slice(1).map((e: Json) => [e.type, e.data.by]),
      [
        ['polls.poll.opened.v1', 'schedule'],
        ['polls.poll.closed.v1', 'schedule'],
      ],
    );
  });

  test('refused votes get a clear problem and store nothing', async () => {
    const coded = await create({
      question: 'Members only?',
      options: [{ label: 'A' }, { label: 'B' }],
      settings: { voters: 'access_code' },
      accessCode: 'owl-1234',
    });
    assert.equal(coded.accessCode, 'owl-1234', 'the organizer sees the code');
    assert.equal(
      (await api()('GET', `/api/v1/polls/${coded.id}`)).body.accessCode,
      undefined,
      'voters do not',
    );
    const a = coded.options[0].id;
    assertProblem(
      await api()('POST', `/api/v1/polls/${coded.id}/votes`, {
        body: { optionIds: [a], accessCode: 'owl-0000' },
        headers: voter(),
      }),
      403,
      'wrong-access-code',
    );
    assertProblem(
      await api()('POST', `/api/v1/polls/${coded.id}/votes`, { body: { optionIds: [a] }, headers: voter() }),
      403,
      'wrong-access-code',
    );
    assertProblem(
      await api()('POST', `/api/v1/polls/${coded.id}/votes`, {
        body: { optionIds: ['nope'], accessCode: 'owl-1234' },
        headers: voter(),
      }),
      422,
      'unknown-option',
    );
    await vote(coded, { optionIds: [a], accessCode: 'owl-1234' });
    assert.equal((await exportedRows(coded)).length, 1, 'only the vote with the right code was stored');

    const signedIn = await create({
      question: 'Signed in only?',
      options: [{ label: 'A' }, { label: 'B' }],
      settings: { voters: 'signed_in' },
    });
    assertProblem(
      await api()('POST', `/api/v1/polls/${signedIn.id}/votes`, {
        body: { optionIds: [signedIn.options[0].id] },
        headers: voter(),
      }),
      401,
      'sign-in-required',
    );
    assert.equal((await exportedRows(signedIn)).length, 0);

    const closed = await create({ question: 'Closed?', options: [{ label: 'A' }, { label: 'B' }] });
    await api()('POST', `/api/v1/polls/${closed.id}/close`, { headers: manage(closed) });
    assertProblem(
      await api()('POST', `/api/v1/polls/${closed.id}/votes`, {
        body: { optionIds: [closed.options[0].id] },
        headers: voter(),
      }),
      409,
      'poll-not-open',
    );
    assert.equal((await exportedRows(closed)).length, 0);
  });

  test('a receipt proves the vote is in the hash chain, and a closed poll publishes its final head', async () => {
    const poll = await create({ question: 'Audited?', options: [{ label: 'A' }, { label: 'B' }] });
    const mine = await vote(poll, { optionIds: [poll.options[1].id] });
    await vote(poll, { optionIds: [poll.options[0].id] });
    const receipt = (await api()('GET', `/api/v1/receipts/${mine.receiptId}`)).body;
    assert.equal(receipt.status, 'counted');
    assert.deepEqual(receipt.ballot.optionIds, [poll.options[1].id]);
    const { version, prevHash, hash, event } = receipt.proof;
    assert.equal(chainHash(prevHash, version, event), hash, 'the proof recomputes');
    assert.equal(event.data.optionIds[0], poll.options[1].id);
    assert.equal(receipt.final, null);

    await api()('POST', `/api/v1/polls/${poll.id}/close`, { headers: manage(poll) });
    const closed = (await api()('GET', `/api/v1/receipts/${mine.receiptId}`)).body;
    assert.equal(closed.pollStatus, 'closed');
    assert.equal(closed.final.includesThisVote, true);
    assert.deepEqual(closed.final.totals, {
      ballots: 2,
      counts: { [poll.options[0].id]: 1, [poll.options[1].id]: 1 },
    });
    assert.ok(closed.final.finalHead.version >= version);
    const published = await results(poll, (r) => r.final !== null);
    assert.deepEqual(published.final.finalHead, closed.final.finalHead);
    assertProblem(await api()('GET', `/api/v1/receipts/${'x'.repeat(45)}`), 404, 'not-found');
  });

  test('export streams every current vote as CSV or JSON, for organizers only', async () => {
    const poll = await create({
      question: 'Export?',
      options: [{ label: '=cmd' }, { label: 'Plain "quoted"' }],
    });
    for (let i = 0; i < 5; i++) await vote(poll, { optionIds: [poll.options[i % 2].id], segment: 'embed' });
    const rows = await exportedRows(poll);
    assert.equal(rows.length, 5);
    assert.ok(
      rows.some((row) => row.includes(`"'=cmd"`)),
      'formula-looking cells are defused',
    );
    assert.ok(rows.some((row) => row.includes('"Plain ""quoted"""')));
    const json = await api()('GET', `/api/v1/polls/${poll.id}/export?format=json`, { headers: manage(poll) });
    assert.equal(json.body.votes.length, 5);
    assert.equal(json.body.votes[0].segment, 'embed');
    assertProblem(await api()('GET', `/api/v1/polls/${poll.id}/export`), 401, 'unauthenticated');
  });
}
