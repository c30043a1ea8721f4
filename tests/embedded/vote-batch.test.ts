// The gateway sends the votes one turn reads to polls as one request (service-kit batch.ts,
// gateway batching.ts). A vote in a batch must be answered exactly as POST …/votes answers it
// alone: the same status, content type, problem document and request id, and a stored vote that
// counts once, and a span that is the gateway's request span's child as if the vote came alone.
// What the route must refuse by its own parser or schema comes back `alone`, and the gateway sends
// it by itself.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, test } from 'node:test';
import { type EmbeddedPlatform, startEmbeddedPlatform } from '@canvass/launcher';
import { BATCH_ROUTE } from '@canvass/service-kit';
import { type StoredSpan, startTracing } from '@canvass/telemetry';
import { type Api, eventually, injectApi } from '../support/api.ts';

// Every trace recorded: the last test reads a batched vote's.
const tracing = startTracing('canvass', { OTEL_TRACES_SAMPLER_ARG: '1' });
const ADMIN = `admin-${randomUUID()}`;
let embedded: EmbeddedPlatform;
let client: Api;
before(async () => {
  embedded = await startEmbeddedPlatform({ dataDir: 'memory://', logLevel: 'silent', adminToken: ADMIN });
  client = injectApi(embedded.gateway);
});
after(async () => {
  await embedded.stop();
  await tracing?.shutdown();
});
const platform = () => embedded;
const api = () => client;

// biome-ignore lint/suspicious/noExplicitAny: tests read whatever JSON came back.
type Json = any;

interface Sent {
  url: string;
  headers: Record<string, string>;
  body: string;
}

async function createPoll(body: Record<string, unknown>): Promise<Json> {
  const created = await api()('POST', '/api/v1/polls', {
    body: { question: 'Lunch?', options: [{ label: 'Soup' }, { label: 'Salad' }], ...body },
  });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  return created.body;
}

const polls = () => platform().runtimes.find((runtime) => runtime.name === 'polls')!.app;

/** What an answer says, without what differs by design between two votes (the receipt). */
function comparable(status: number, headers: Record<string, unknown>, text: string) {
  const body = JSON.parse(text);
  if (typeof body.receiptId === 'string') body.receiptId = '<receipt>';
  return { status, type: String(headers['content-type']), retryAfter: headers['retry-after'], body };
}

/** The scenarios, each a vote request for `token`'s voter (so the two runs never share a voter). */
async function scenarios() {
  const open = await createPoll({});
  const coded = await createPoll({ settings: { voters: 'access_code' }, accessCode: 'secret-1' });
  const members = await createPoll({ settings: { voters: 'signed_in' } });
  const draft = await createPoll({ status: 'draft' });
  const choice = open.options[0].id;
  const vote = (
    poll: Json,
    token: string | undefined,
    body: unknown,
    extra: Record<string, string> = {},
  ) => ({
    url: `/api/v1/polls/${poll.id}/votes`,
    headers: {
      'content-type': 'application/json',
      ...(token ? { 'voter-token': token } : {}),
      ...extra,
    },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  const before = await api()('POST', `/api/v1/polls/${open.id}/votes`, {
    headers: { 'voter-token': 'voter-voted-before' },
    body: { optionIds: [choice] },
  });
  assert.equal(before.status, 201);
  return {
    open,
    make: (run: string): Record<string, Sent> => ({
      counted: vote(open, `voter-${run}-counted`, { optionIds: [choice] }),
      'unknown option': vote(open, `voter-${run}-unknown`, { optionIds: ['no-such-option'] }),
      'no voter token': vote(open, undefined, { optionIds: [choice] }),
      'wrong access code': vote(coded, `voter-${run}-coded`, {
        optionIds: [coded.options[0].id],
        accessCode: 'x',
      }),
      'right access code': vote(coded, `voter-${run}-coded-ok`, {
        optionIds: [coded.options[1].id],
        accessCode: 'secret-1',
      }),
      'not signed in': vote(members, `voter-${run}-members`, { optionIds: [members.options[0].id] }),
      'poll not open': vote(draft, `voter-${run}-draft`, { optionIds: [draft.options[0].id] }),
      'no such poll': vote({ id: 'pol_doesnotexist00000' }, `voter-${run}-missing`, { optionIds: [choice] }),
      'already voted': vote(open, 'voter-voted-before', { optionIds: [choice] }),
      // Refused by the route's own schema and parser: the batch sends these back alone.
      'token too short': vote(open, 'short', { optionIds: [choice] }),
      'malformed JSON': vote(open, `voter-${run}-malformed`, '{"optionIds": ['),
      // Refused by the service's JSON parser, which reads each request's body, not the envelope.
      'NUL in body': vote(open, `voter-${run}-nul`, '{"optionIds": ["a\u0000"]}'),
      'not JSON': {
        ...vote(open, `voter-${run}-text`, 'optionIds=1'),
        headers: { 'content-type': 'text/plain' },
      },
    }),
  };
}

const ALONE = new Set(['token too short', 'malformed JSON', 'NUL in body', 'not JSON']);

test('a vote in a batch is answered as the route answers it alone, and counts once', async () => {
  const { open, make } = await scenarios();

  const single = make('single');
  const expected: Record<string, ReturnType<typeof comparable>> = {};
  for (const [name, sent] of Object.entries(single)) {
    const answer = await polls().inject({
      method: 'POST',
      url: sent.url,
      headers: { ...sent.headers, 'x-request-id': `req-${name.replaceAll(' ', '-')}` },
      payload: sent.body,
    });
    expected[name] = comparable(answer.statusCode, answer.headers, answer.body);
  }

  const batched = make('batched');
  const names = Object.keys(batched);
  const answer = await polls().inject({
    method: 'POST',
    url: BATCH_ROUTE,
    headers: { 'content-type': 'application/json' },
    payload: JSON.stringify({
      requests: names.map((name) => ({
        method: 'POST',
        url: batched[name]!.url,
        headers: { ...batched[name]!.headers, 'x-request-id': `req-${name.replaceAll(' ', '-')}` },
        body: batched[name]!.body,
      })),
    }),
  });
  assert.equal(answer.statusCode, 200, answer.body);
  const answers = answer.json().answers as Json[];
  assert.equal(answers.length, names.length);
  names.forEach((name, i) => {
    const got = answers[i];
    if (ALONE.has(name)) {
      assert.deepEqual(got, { alone: true }, name);
      assert.equal(expected[name]!.status, 400, `${name} is refused by its route`);
      return;
    }
    assert.deepEqual(comparable(got.status, got.headers, got.body), expected[name], name);
    assert.equal(got.headers['x-request-id'], `req-${name.replaceAll(' ', '-')}`);
  });
  // Every outcome the scenarios mean to reach was reached (the comparison is not of two 500s).
  const statuses = Object.fromEntries(names.map((name) => [name, expected[name]!.status]));
  assert.deepEqual(statuses, {
    counted: 201,
    'unknown option': 422,
    'no voter token': 400,
    'wrong access code': 403,
    'right access code': 201,
    'not signed in': 401,
    'poll not open': 409,
    'no such poll': 404,
    'already voted': 409,
    'token too short': 400,
    'malformed JSON': 400,
    'NUL in body': 400,
    'not JSON': 400,
  });

  // Both runs' counted votes are stored, each once: the earlier vote and the two "counted" ones.
  await eventually(async () => {
    const results = await api()('GET', `/api/v1/polls/${open.id}/results`);
    assert.equal(results.status, 200);
    assert.equal(results.body.totalVotes, 3, JSON.stringify(results.body));
  });
});

test('votes sent at once through the gateway go as a batch and get the answers they get alone', async () => {
  const { make } = await scenarios();
  const batchesBefore = await batchCount();
  const sent = make('gateway');
  const names = Object.keys(sent);
  const answers = await Promise.all(
    names.map((name) =>
      platform().gateway.inject({
        method: 'POST',
        url: sent[name]!.url,
        headers: sent[name]!.headers,
        payload: sent[name]!.body,
      }),
    ),
  );
  const statuses = Object.fromEntries(names.map((name, i) => [name, answers[i]!.statusCode]));
  assert.deepEqual(statuses, {
    counted: 201,
    'unknown option': 422,
    'no voter token': 400,
    'wrong access code': 403,
    'right access code': 201,
    'not signed in': 401,
    'poll not open': 409,
    'no such poll': 404,
    'already voted': 409,
    'token too short': 400,
    'malformed JSON': 400,
    'NUL in body': 400,
    'not JSON': 400,
  });
  for (const [i, answer] of answers.entries()) {
    const type = String(answer.headers['content-type']);
    assert.match(
      type,
      answer.statusCode === 201 ? /^application\/json/ : /^application\/problem\+json/,
      names[i],
    );
    // The gateway's own request id, as for any answer.
    assert.ok(answer.headers['x-request-id'], names[i]);
  }
  assert.ok((await batchCount()) > batchesBefore, 'the votes went to polls as a batch');
});

test('a batched vote’s span in polls is a child of the gateway’s request span, as if it came alone', async () => {
  assert.ok(tracing, 'tracing starts');
  const { open } = await scenarios();
  const batchesBefore = await batchCount();
  const answers = await Promise.all(
    [1, 2, 3].map((i) =>
      platform().gateway.inject({
        method: 'POST',
        url: `/api/v1/polls/${open.id}/votes`,
        headers: { 'content-type': 'application/json', 'voter-token': `voter-traced-${i}` },
        payload: JSON.stringify({ optionIds: [open.options[0].id] }),
      }),
    ),
  );
  assert.deepEqual(
    answers.map((answer) => answer.statusCode),
    [201, 201, 201],
  );
  assert.ok((await batchCount()) > batchesBefore, 'the votes went to polls as a batch');
  for (const answer of answers) {
    const [, traceId, gatewaySpanId] = String(answer.headers.traceparent).split('-');
    const spans = await eventually(async () => {
      const trace = await platform().gateway.inject({
        method: 'GET',
        url: `/admin/v1/traces/${traceId}`,
        headers: { authorization: `Bearer ${ADMIN}` },
      });
      assert.equal(trace.statusCode, 200, trace.body);
      const found = (trace.json().spans as StoredSpan[]).filter(
        (span) => span.name === 'request' && span.service === 'polls',
      );
      assert.equal(found.length, 1, 'one request span in polls');
      return found;
    });
    const polls = spans[0]!;
    assert.equal(polls.parentSpanId, gatewaySpanId, 'polls answers under the gateway’s request span');
    assert.equal(polls.attributes['http.route'], '/api/v1/polls/:pollId/votes');
    assert.equal(polls.attributes['http.response.status_code'], 201);
    assert.ok(polls.attributes['canvass.vote.receipt_hash'], 'the receipt’s hash marks the vote');
  }
});

/** Batches polls has answered (its RED metrics). */
async function batchCount(): Promise<number> {
  const metrics = await polls().inject({ method: 'GET', url: '/metrics' });
  assert.equal(metrics.statusCode, 200);
  let count = 0;
  for (const line of metrics.body.split('\n'))
    if (line.startsWith('http_requests_total{') && line.includes(`route="${BATCH_ROUTE}"`))
      count += Number(line.split(' ').at(-1));
  return count;
}
