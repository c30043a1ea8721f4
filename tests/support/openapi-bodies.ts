// Answers the walk cannot reach with made-up values, checked against the document: the results of
// every poll type (open and closed), a page whose results are hidden, and the live route's
// messages over Server-Sent Events and WebSocket (a stream, which a plain request cannot read).
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { type Api, eventually } from './api.ts';
import { openEventStream, openWebSocket } from './live.ts';
import { type Json, operationsOf, type responseChecker } from './openapi-document.ts';

type Checker = ReturnType<typeof responseChecker>;

const BALLOTS: Record<string, (options: { id: string }[]) => Record<string, unknown>> = {
  single_choice: (options) => ({ optionIds: [options[0]!.id] }),
  multiple_choice: (options) => ({ optionIds: options.map((option) => option.id) }),
  ranking: (options) => ({ ranking: options.map((option) => option.id).reverse() }),
  rating: () => ({ rating: 4 }),
  nps: () => ({ rating: 9 }),
  open_text: () => ({ text: 'walk the whole API' }),
};

function documented(document: Json, method: string, path: string) {
  const entry = operationsOf(document).find((found) => found.method === method && found.path === path);
  assert.ok(entry, `${method} ${path} is documented`);
  return entry;
}

async function votedPoll(api: Api, type: string, settings: Record<string, unknown> = {}) {
  const hasOptions = ['single_choice', 'multiple_choice', 'ranking'].includes(type);
  const created = await api('POST', '/api/v1/polls', {
    body: {
      question: `A ${type} poll?`,
      type,
      ...(hasOptions ? { options: [{ label: 'One' }, { label: 'Two' }, { label: 'Three' }] } : {}),
      settings: { ...(type === 'open_text' ? { moderation: false } : {}), ...settings },
    },
  });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  const voted = await api('POST', `/api/v1/polls/${created.body.id}/votes`, {
    body: BALLOTS[type]!(created.body.options),
    headers: { 'voter-token': `walker-${randomUUID()}` },
  });
  assert.equal(voted.status, 201, JSON.stringify(voted.body));
  return created.body as { id: string; manageToken: string };
}

export async function checkResultBodies(api: Api, document: Json, checker: Checker): Promise<void> {
  const results = documented(document, 'get', '/api/v1/polls/{pollId}/results');
  for (const type of Object.keys(BALLOTS)) {
    const poll = await votedPoll(api, type);
    const answer = await eventually(async () => {
      const response = await api('GET', `/api/v1/polls/${poll.id}/results`);
      assert.equal(response.body.totalVotes, 1);
      return response;
    });
    assert.deepEqual(checker.mismatches(results, answer), [], `${type} results`);
    if (type !== 'single_choice') continue;
    const closed = await api('POST', `/api/v1/polls/${poll.id}/close`, {
      headers: { 'manage-token': poll.manageToken },
    });
    assert.deepEqual(
      checker.mismatches(documented(document, 'post', '/api/v1/polls/{pollId}/close'), closed),
      [],
    );
    const final = await eventually(async () => {
      const response = await api('GET', `/api/v1/polls/${poll.id}/results`);
      assert.notEqual(response.body.final, null);
      return response;
    });
    assert.deepEqual(checker.mismatches(results, final), [], 'closed results');
  }
  const hidden = await votedPoll(api, 'single_choice', { resultsVisibility: 'hidden' });
  const page = documented(document, 'get', '/api/v1/polls/{pollId}/page');
  const answer = await eventually(async () => {
    const response = await api('GET', `/api/v1/polls/${hidden.id}/page`);
    assert.equal(response.body.resultsUnavailable?.status, 403);
    return response;
  });
  assert.deepEqual(checker.mismatches(page, answer), [], 'a page with hidden results');
}

export async function checkLiveMessages(
  api: Api,
  document: Json,
  checker: Checker,
  url: (path: string) => string,
): Promise<void> {
  const live = documented(document, 'get', '/api/v1/polls/{pollId}/live');
  const schema = live.operation.responses['200'].content['text/event-stream'].schema;
  assert.ok(live.operation.responses['101'], 'the WebSocket upgrade is documented');
  const poll = await votedPoll(api, 'single_choice');
  await eventually(async () =>
    assert.equal((await api('GET', `/api/v1/polls/${poll.id}/results`)).status, 200),
  );
  const path = `/api/v1/polls/${poll.id}/live`;
  const sse = await openEventStream(url(path));
  const ws = await openWebSocket(url(path).replace(/^http/, 'ws'));
  try {
    assert.equal(sse.status, 200);
    assert.match(String(sse.headers['content-type']), /^text\/event-stream/);
    for (const client of [sse, ws]) {
      const snapshot = await client.next((message) => message.type === 'snapshot');
      assert.deepEqual(checker.errorsOf(schema, snapshot), [], 'a snapshot');
      const viewers = await client.next((message) => message.type === 'viewers');
      assert.deepEqual(checker.errorsOf(schema, viewers), [], 'a viewer count');
    }
  } finally {
    sse.close();
    ws.close();
  }
}
