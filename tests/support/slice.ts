// The first vertical slice, as a newcomer would walk it, run against either tier.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { test } from 'node:test';
import { type Api, eventually } from './api.ts';

const PROBLEM = /^application\/problem\+json/;
const voter = () => ({ 'voter-token': `voter-${randomUUID()}` });

async function createPoll(api: Api, extra: Record<string, unknown> = {}) {
  const created = await api('POST', '/api/v1/polls', {
    body: {
      question: 'Where shall we eat?',
      type: 'single_choice',
      options: [{ label: 'Pizza' }, { label: 'Salad' }],
      ...extra,
    },
  });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  return created.body;
}

export function sliceTests(api: () => Api): void {
  test('a guest creates a poll, votes once, and sees the vote counted', async () => {
    const poll = await createPoll(api());
    assert.equal(poll.status, 'open');
    assert.equal(poll.options.length, 2);
    assert.match(poll.manageToken, /^[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{22}$/);

    const read = await api()('GET', `/api/v1/polls/${poll.id}`);
    assert.equal(read.status, 200);
    assert.equal(read.body.question, 'Where shall we eat?');
    assert.deepEqual(read.body.options, poll.options);
    assert.equal(read.body.manageToken, undefined, 'the manage token is shown only once');

    const me = voter();
    const pizza = poll.options[0].id;
    const vote = await api()('POST', `/api/v1/polls/${poll.id}/votes`, {
      body: { optionIds: [pizza] },
      headers: me,
    });
    assert.equal(vote.status, 201, JSON.stringify(vote.body));
    assert.ok(vote.body.receiptId);

    const again = await api()('POST', `/api/v1/polls/${poll.id}/votes`, {
      body: { optionIds: [pizza] },
      headers: me,
    });
    assert.equal(again.status, 409);
    assert.match(again.headers['content-type'] ?? '', PROBLEM);

    const other = await api()('POST', `/api/v1/polls/${poll.id}/votes`, {
      body: { optionIds: [poll.options[1].id] },
      headers: voter(),
    });
    assert.equal(other.status, 201);

    const results = await eventually(async () => {
      const response = await api()('GET', `/api/v1/polls/${poll.id}/results`);
      assert.equal(response.status, 200);
      assert.equal(response.body.totalVotes, 2);
      return response.body;
    });
    assert.deepEqual(
      results.options.map((o: { id: string; votes: number; percent: number }) => [o.id, o.votes, o.percent]),
      [
        [pizza, 1, 50],
        [poll.options[1].id, 1, 50],
      ],
    );
  });

  test('a bad body gets 400 problem+json naming the bad field', async () => {
    const response = await api()('POST', '/api/v1/polls', {
      body: { question: 'Only one option?', options: [{ label: 'A' }] },
    });
    assert.equal(response.status, 400);
    assert.match(response.headers['content-type'] ?? '', PROBLEM);
    assert.equal(response.body.status, 400);
    assert.deepEqual(
      response.body.errors.map((e: { field: string }) => e.field),
      ['/options'],
    );
    assert.match(response.body.detail, /options/);
    assert.equal(response.body.stack, undefined);
  });

  test('malformed JSON gets 400 problem+json', async () => {
    const response = await api()('POST', '/api/v1/polls', { rawBody: '{"question": "Lunch?", "options": [' });
    assert.equal(response.status, 400);
    assert.match(response.body.detail, /JSON/);
    assert.match(response.headers['content-type'] ?? '', PROBLEM);
  });

  test('an unknown poll gets 404 problem+json on every route', async () => {
    for (const [method, url] of [
      ['GET', '/api/v1/polls/no-such-poll'],
      ['GET', '/api/v1/polls/no-such-poll/results'],
      ['POST', '/api/v1/polls/no-such-poll/votes'],
    ] as const) {
      const response = await api()(
        method,
        url,
        method === 'POST' ? { body: { optionIds: ['x'] }, headers: voter() } : {},
      );
      assert.equal(response.status, 404, `${method} ${url}`);
      assert.match(response.headers['content-type'] ?? '', PROBLEM);
      assert.equal(response.body.type, '/problems/poll-not-found');
    }
  });

  test('votes that cannot count are refused with a clear problem and nothing is stored', async () => {
    const poll = await createPoll(api());
    const noToken = await api()('POST', `/api/v1/polls/${poll.id}/votes`, {
      body: { optionIds: [poll.options[0].id] },
    });
    assert.equal(noToken.status, 400);
    assert.equal(noToken.body.errors[0].in, 'headers');

    const badOption = await api()('POST', `/api/v1/polls/${poll.id}/votes`, {
      body: { optionIds: ['nope'] },
      headers: voter(),
    });
    assert.equal(badOption.status, 422);
    assert.equal(badOption.body.type, '/problems/unknown-option');

    const two = await api()('POST', `/api/v1/polls/${poll.id}/votes`, {
      body: { optionIds: poll.options.map((o: { id: string }) => o.id) },
      headers: voter(),
    });
    assert.equal(two.status, 422);

    const draft = await createPoll(api(), { status: 'draft' });
    const onDraft = await api()('POST', `/api/v1/polls/${draft.id}/votes`, {
      body: { optionIds: [draft.options[0].id] },
      headers: voter(),
    });
    assert.equal(onDraft.status, 409);
    assert.equal(onDraft.body.type, '/problems/poll-not-open');

    // A real vote afterwards is the first and only one counted.
    await api()('POST', `/api/v1/polls/${poll.id}/votes`, {
      body: { optionIds: [poll.options[0].id] },
      headers: voter(),
    });
    const results = await eventually(async () => {
      const response = await api()('GET', `/api/v1/polls/${poll.id}/results`);
      assert.equal(response.body.totalVotes, 1);
      return response.body;
    });
    assert.equal(results.options[0].votes, 1);
  });

  test('every response carries a request id, echoed when the client sends one', async () => {
    const response = await api()('GET', '/api/v1/polls/whatever', {
      headers: { 'x-request-id': 'trace-me-123' },
    });
    assert.equal(response.headers['x-request-id'], 'trace-me-123');
    assert.equal(response.body.requestId, 'trace-me-123');
  });

  test('the gateway answers health and readiness; metrics and readiness details are the operator’s', async () => {
    assert.equal((await api()('GET', '/healthz')).status, 200);
    const ready = await api()('GET', '/readyz');
    assert.equal(ready.status, 200, JSON.stringify(ready.body));
    assert.equal(ready.body.checks, undefined, 'what was checked is shown to the operator only');
    // 401 without the operator token, 403 where none is configured (tests/security/edge.test.ts).
    const metrics = await api()('GET', '/metrics');
    assert.ok([401, 403].includes(metrics.status), `metrics: ${metrics.status}`);
    assert.match(metrics.headers['content-type'] ?? '', PROBLEM);
    // The front page: the web app once it is built (npm start builds it), else the landing page.
    const page = await api()('GET', '/');
    assert.equal(page.status, 200);
    assert.match(String(page.body), /Canvass is running|<title>Canvass<\/title>/);
  });
}
