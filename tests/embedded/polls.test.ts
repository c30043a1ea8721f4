import assert from 'node:assert/strict';
import { test } from 'node:test';
import { pollLog } from '@canvass/polls';
import { sql } from 'kysely';
import { type Api, type ApiResponse, eventually } from '../support/api.ts';
import { ownerApiKey, workspaceApiKey } from '../support/api-keys.ts';
import { useEmbeddedPlatform } from '../support/embedded.ts';
import { onPlan } from '../support/entitlements.ts';
import { pollTypeTests } from '../support/polls.ts';

const { platform, api } = useEmbeddedPlatform();

pollTypeTests(api);

// biome-ignore lint/suspicious/noExplicitAny: tests read whatever JSON came back.
type Json = any;

const bearer = (key: string) => ({ authorization: `Bearer ${key}` });

/** Every page of GET /api/v1/polls`query`, following `next`. */
async function allPages(call: Api, key: string, query: string): Promise<{ pages: Json[]; ids: string[] }> {
  const pages: Json[] = [];
  let after: string | null = null;
  do {
    const page: ApiResponse = await call(
      'GET',
      `/api/v1/polls?${query}${after ? `&after=${encodeURIComponent(after)}` : ''}`,
      { headers: bearer(key) },
    );
    assert.equal(page.status, 200, JSON.stringify(page.body));
    pages.push(page.body);
    after = page.body.next;
  } while (after !== null && pages.length < 50);
  return { pages, ids: pages.flatMap((page) => page.polls.map((poll: Json) => poll.id)) };
}

test("listing polls: the caller's workspace only, newest first, by status, in pages that miss nothing", async () => {
  const ada = await ownerApiKey(platform(), api());
  const bob = await ownerApiKey(platform(), api());
  // Three API keys in Ada's workspace: more than Free allows.
  await onPlan(platform(), ada.workspace, 'pro');
  const create = async (key: string | undefined, body: Record<string, unknown>) => {
    const created = await api()('POST', '/api/v1/polls', {
      headers: key ? bearer(key) : {},
      body: { options: [{ label: 'Yes' }, { label: 'No' }], ...body },
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    return created.body as Json;
  };
  const draft = await create(ada.key, { question: 'Draft?', status: 'draft' });
  const open = await create(ada.key, { question: 'Open?' });
  const coded = await create(ada.key, { question: 'With a code?', accessCode: 'secret-1' });
  const closing = await create(ada.key, { question: 'Closed?' });
  assert.equal(
    (await api()('POST', `/api/v1/polls/${closing.id}/close`, { headers: bearer(ada.key) })).status,
    200,
  );
  const scheduled = await create(ada.key, {
    question: 'Later?',
    opensAt: new Date(Date.now() + 3_600_000).toISOString(),
  });
  await create(undefined, { question: 'A guest poll belongs to no workspace' });
  const bobs = await create(bob.key, { question: "Bob's?" });

  const anonymous = await api()('GET', '/api/v1/polls');
  assert.equal(anonymous.status, 401);
  assert.match(anonymous.headers['content-type'] ?? '', /^application\/problem\+json/);

  const newestFirst = [scheduled, closing, coded, open, draft].map((poll) => poll.id);
  const listed = await api()('GET', '/api/v1/polls', { headers: bearer(ada.key) });
  assert.equal(listed.status, 200, JSON.stringify(listed.body));
  assert.equal(listed.headers['x-cache'], undefined, 'never the results cache');
  assert.deepEqual(
    listed.body.polls.map((poll: Json) => poll.id),
    newestFirst,
  );
  assert.equal(listed.body.next, null, 'one page holds them all');
  const byId = new Map(listed.body.polls.map((poll: Json) => [poll.id, poll]));
  assert.deepEqual(
    [draft, open, closing, scheduled].map((poll) => (byId.get(poll.id) as Json).status),
    ['draft', 'open', 'closed', 'scheduled'],
  );
  assert.deepEqual((byId.get(open.id) as Json).options, open.options, 'options in their order');
  assert.equal((byId.get(coded.id) as Json).accessCode, 'secret-1', 'organizers see the access code');
  assert.equal((byId.get(open.id) as Json).workspaceId, ada.workspace);

  const onlyBob = await api()('GET', '/api/v1/polls', { headers: bearer(bob.key) });
  assert.deepEqual(
    onlyBob.body.polls.map((poll: Json) => poll.id),
    [bobs.id],
  );

  const opened = await api()('GET', '/api/v1/polls?status=open', { headers: bearer(ada.key) });
  assert.deepEqual(
    opened.body.polls.map((poll: Json) => poll.id),
    [coded.id, open.id],
  );

  const paged = await allPages(api(), ada.key, 'limit=2');
  assert.deepEqual(paged.ids, newestFirst);
  assert.deepEqual(
    paged.pages.map((page) => page.polls.length),
    [2, 2, 1],
  );
  assert.equal(paged.pages.at(-1).next, null);

  // Not cached: a new poll shows at once.
  const newest = await create(ada.key, { question: 'Just now?' });
  const again = await api()('GET', '/api/v1/polls?limit=1&status=open', { headers: bearer(ada.key) });
  assert.deepEqual(
    again.body.polls.map((poll: Json) => poll.id),
    [newest.id],
  );

  // Polls made in the same millisecond still page in a stable order, each exactly once.
  const sameTime = new Date('2030-01-01T00:00:00.000Z');
  await platform()
    .host.database('polls')
    .kysely.updateTable('polls')
    .set({ created_at: sameTime })
    .where('id', 'in', [draft.id, open.id, coded.id])
    .execute();
  const tied = await allPages(api(), ada.key, 'limit=1');
  assert.equal(tied.ids.length, 6);
  assert.deepEqual(new Set(tied.ids), new Set([...newestFirst, newest.id]));
  assert.deepEqual(new Set(tied.ids.slice(0, 3)), new Set([draft.id, open.id, coded.id]));
  assert.deepEqual((await allPages(api(), ada.key, 'limit=2')).ids, tied.ids, 'id breaks the tie, stably');

  // polls:read is enough to list; the access code is for those who may edit.
  const reader = await workspaceApiKey(platform(), ada, ['polls:read']);
  const asReader = await api()('GET', `/api/v1/polls?status=open&limit=100`, { headers: bearer(reader) });
  assert.equal(asReader.status, 200);
  const codedForReader = asReader.body.polls.find((poll: Json) => poll.id === coded.id);
  assert.equal(codedForReader.accessCode, undefined);
  const resultsOnly = await workspaceApiKey(platform(), ada, ['results:read']);
  const refused = await api()('GET', '/api/v1/polls', { headers: bearer(resultsOnly) });
  assert.equal(refused.status, 403);
  assert.equal(refused.body.type, '/problems/forbidden');
});

test('listing polls refuses a bad query with a problem naming the field', async () => {
  const { key } = await ownerApiKey(platform(), api());
  for (const [query, field] of [
    ['status=running', '/status'],
    ['limit=0', '/limit'],
    ['limit=101', '/limit'],
    ['after=not-a-cursor', '/after'],
    [`after=${Buffer.from('2026-01-01T00:00:00.000Z~bad id!').toString('base64url')}`, '/after'],
  ] as const) {
    const response = await api()('GET', `/api/v1/polls?${query}`, { headers: bearer(key) });
    assert.equal(response.status, 400, query);
    assert.match(response.headers['content-type'] ?? '', /^application\/problem\+json/);
    assert.ok(
      response.body.errors.some((error: { field: string }) => error.field === field),
      `${query}: ${JSON.stringify(response.body)}`,
    );
  }
});

test('options must differ: a repeat (whatever its case and spacing) is refused with 400 naming it, on create and edit', async () => {
  const refused = await api()('POST', '/api/v1/polls', {
    body: { question: 'Lunch?', options: [{ label: 'Pizza' }, { label: 'Salad' }, { label: '  pizza ' }] },
  });
  assert.equal(refused.status, 400, JSON.stringify(refused.body));
  assert.match(refused.headers['content-type'] ?? '', /application\/problem\+json/);
  assert.equal(refused.body.type, '/problems/duplicate-options');
  assert.equal(refused.body.detail, 'Each option must be different: option 3 (“pizza”) repeats option 1.');
  assert.deepEqual(refused.body.errors, [
    { in: 'body', field: '/options/2/label', message: 'repeats an earlier option' },
  ]);

  const created = await api()('POST', '/api/v1/polls', {
    body: { question: 'Lunch?', status: 'draft', options: [{ label: 'Pizza' }, { label: 'Salad' }] },
  });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  const edit = await api()('PATCH', `/api/v1/polls/${created.body.id}`, {
    headers: { 'manage-token': created.body.manageToken },
    body: { options: [{ label: 'Salad' }, { label: 'SALAD' }] },
  });
  assert.equal(edit.status, 400, JSON.stringify(edit.body));
  assert.equal(edit.body.type, '/problems/duplicate-options');
  const unchanged = await api()('GET', `/api/v1/polls/${created.body.id}`);
  assert.deepEqual(
    unchanged.body.options.map((option: Json) => option.label),
    ['Pizza', 'Salad'],
  );

  // One limit on options for every poll, guests' too: 50, and the 51st is refused.
  const options = (count: number) => Array.from({ length: count }, (_, i) => ({ label: `Option ${i + 1}` }));
  const fifty = await api()('POST', '/api/v1/polls', { body: { question: 'Many?', options: options(50) } });
  assert.equal(fifty.status, 201, JSON.stringify(fifty.body));
  const more = await api()('POST', '/api/v1/polls', { body: { question: 'Many?', options: options(51) } });
  assert.equal(more.status, 400, JSON.stringify(more.body));
});

test('a question or option of only spaces is refused with 400 naming the field, on create and edit', async () => {
  const blankQuestion = await api()('POST', '/api/v1/polls', {
    body: { question: ' \t ', options: [{ label: 'Pizza' }, { label: 'Salad' }] },
  });
  assert.equal(blankQuestion.status, 400, JSON.stringify(blankQuestion.body));
  assert.match(blankQuestion.headers['content-type'] ?? '', /application\/problem\+json/);
  assert.deepEqual(
    blankQuestion.body.errors.map((e: Json) => e.field),
    ['/question'],
  );
  const blankOption = await api()('POST', '/api/v1/polls', {
    body: { question: 'Lunch?', options: [{ label: 'Pizza' }, { label: '   ' }] },
  });
  assert.equal(blankOption.status, 400, JSON.stringify(blankOption.body));
  assert.deepEqual(
    blankOption.body.errors.map((e: Json) => e.field),
    ['/options/1/label'],
  );

  const created = await api()('POST', '/api/v1/polls', {
    body: { question: 'Lunch?', status: 'draft', options: [{ label: 'Pizza' }, { label: 'Salad' }] },
  });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  const manage = { 'manage-token': created.body.manageToken };
  for (const body of [{ question: '  ' }, { options: [{ label: 'Soup' }, { label: '\n' }] }]) {
    const edit = await api()('PATCH', `/api/v1/polls/${created.body.id}`, { headers: manage, body });
    assert.equal(edit.status, 400, `${JSON.stringify(body)}: ${JSON.stringify(edit.body)}`);
  }
  const unchanged = await api()('GET', `/api/v1/polls/${created.body.id}`);
  assert.equal(unchanged.body.question, 'Lunch?');
  assert.deepEqual(
    unchanged.body.options.map((option: Json) => option.label),
    ['Pizza', 'Salad'],
  );
});

test('an access code is checked before voting: 204 when right, 403 when wrong, counted toward the same lockout as votes', async () => {
  const created = await api()('POST', '/api/v1/polls', {
    body: {
      question: 'Coded?',
      options: [{ label: 'Yes' }, { label: 'No' }],
      settings: { voters: 'access_code' },
      accessCode: 'room-42',
    },
  });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  const check = (accessCode: unknown) =>
    api()('POST', `/api/v1/polls/${created.body.id}/access-code`, { body: { accessCode } });
  assert.equal((await check('room-42')).status, 204);
  const wrong = await check('room-41');
  assert.equal(wrong.status, 403, JSON.stringify(wrong.body));
  assert.equal(wrong.body.type, '/problems/wrong-access-code');
  assert.equal((await check('')).status, 400);
  assert.equal((await check(42)).status, 400);
  // Nothing was stored: the poll has no votes.
  const results = await api()('GET', `/api/v1/polls/${created.body.id}/results`);
  assert.equal(results.body.totalVotes, 0);
  // Checking first gives no more guesses: 20 wrong codes from one address, by check or by vote,
  // lock the code for that address, the right one too.
  for (let i = 0; i < 18; i++) assert.equal((await check(`guess-${i}`)).status, 403);
  const vote = await api()('POST', `/api/v1/polls/${created.body.id}/votes`, {
    body: { optionIds: [created.body.options[0].id], accessCode: 'guess-x' },
    headers: { 'voter-token': 'a-voter-guessing-codes' },
  });
  assert.equal(vote.status, 403, JSON.stringify(vote.body));
  const locked = await check('room-42');
  assert.equal(locked.status, 429, JSON.stringify(locked.body));

  const open = await api()('POST', '/api/v1/polls', {
    body: { question: 'Open to all?', options: [{ label: 'Yes' }, { label: 'No' }] },
  });
  const notCoded = await api()('POST', `/api/v1/polls/${open.body.id}/access-code`, {
    body: { accessCode: 'anything' },
  });
  assert.equal(notCoded.status, 400);
  assert.equal(notCoded.body.type, '/problems/no-access-code');
  assert.equal(
    (await api()('POST', '/api/v1/polls/no-such-poll/access-code', { body: { accessCode: 'x' } })).status,
    404,
  );
});

test('deleting a poll erases it for everyone: 410 for its link and votes, no results, no receipts, no stream once relayed', async () => {
  const ada = await ownerApiKey(platform(), api());
  const created = await api()('POST', '/api/v1/polls', {
    headers: bearer(ada.key),
    body: { question: 'Lunch on Friday?', options: [{ label: 'Pizza' }, { label: 'Sushi' }] },
  });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  const pollId = created.body.id as string;
  const path = `/api/v1/polls/${pollId}`;
  const vote = await api()('POST', `${path}/votes`, {
    headers: { 'voter-token': `delete-${pollId}` },
    body: { optionIds: [created.body.options[0].id] },
  });
  assert.equal(vote.status, 201, JSON.stringify(vote.body));
  const receipt = vote.body.receiptId as string;
  assert.equal((await api()('GET', `/api/v1/receipts/${receipt}`)).status, 200);

  // Only its organizer may: a voter, and another workspace, may not.
  assert.equal((await api()('DELETE', path)).status, 401);
  const bob = await ownerApiKey(platform(), api());
  assert.equal((await api()('DELETE', path, { headers: bearer(bob.key) })).status, 403);

  const deleted = await api()('DELETE', path, { headers: bearer(ada.key) });
  assert.equal(deleted.status, 204, JSON.stringify(deleted.body));

  for (const [method, url, init] of [
    ['GET', path, {}],
    ['POST', `${path}/votes`, { headers: { 'voter-token': 'late-voter-token' }, body: { optionIds: ['x'] } }],
    ['PATCH', path, { headers: bearer(ada.key), body: { question: 'Still there?' } }],
    ['DELETE', path, { headers: bearer(ada.key) }],
  ] as const) {
    const answer = await api()(method, url, init);
    assert.equal(answer.status, 410, `${method} ${url}: ${JSON.stringify(answer.body)}`);
    assert.equal(answer.headers['content-type']?.startsWith('application/problem+json'), true);
    assert.match(answer.body.type, /poll-deleted$/);
    assert.match(answer.body.detail, /deleted it on \d{4}-\d\d-\d\d/);
  }
  assert.equal((await api()('GET', `/api/v1/receipts/${receipt}`)).status, 404, 'its ballots are gone');
  const { ids } = await allPages(api(), ada.key, 'limit=50');
  assert.ok(!ids.includes(pollId), 'no longer listed');
  await eventually(async () => {
    const results = await api()('GET', `${path}/results`, { headers: bearer(ada.key) });
    assert.equal(results.status, 404, 'its results are gone');
  });

  // Its stream stays until the relay has published the deletion, then goes.
  const polls = platform().host.database('polls');
  const left = async () =>
    Number(
      (
        await sql<{
          n: number;
        }>`select count(*)::int as n from poll_events where poll_id = ${pollId}`.execute(polls.kysely)
      ).rows[0]!.n,
    );
  assert.ok((await left()) >= 3, 'created, the vote and the deletion are still in the stream');
  await eventually(async () => {
    await pollLog.prune!(polls.kysely);
    assert.equal(await left(), 0);
  });
  const tombstone = await sql<{
    deleted_by: string;
  }>`select deleted_by from deleted_polls where poll_id = ${pollId}`.execute(polls.kysely);
  assert.equal(tombstone.rows.length, 1, 'a tombstone keeps the id');
  assert.match(tombstone.rows[0]!.deleted_by, /^api-key:/, 'and who deleted it');
});

test('the moderation list pages through every answer with the `next` it hands out', async () => {
  const created = await api()('POST', '/api/v1/polls', { body: { question: 'Ideas?', type: 'open_text' } });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  const poll = created.body;
  const texts = ['First idea', 'Second idea', 'Third idea', 'Fourth idea', 'Fifth idea'];
  for (const [i, text] of texts.entries()) {
    const vote = await api()('POST', `/api/v1/polls/${poll.id}/votes`, {
      body: { text },
      headers: { 'voter-token': `paging-voter-${i}-of-the-moderation-list` },
    });
    assert.equal(vote.status, 201, JSON.stringify(vote.body));
  }
  const seen: string[] = [];
  let after: string | null = null;
  for (let page = 0; page < 5; page++) {
    const query: string = after ? `&after=${encodeURIComponent(after)}` : '';
    const listed = await api()('GET', `/api/v1/polls/${poll.id}/answers?status=pending&limit=2${query}`, {
      headers: { 'manage-token': poll.manageToken },
    });
    assert.equal(listed.status, 200, JSON.stringify(listed.body));
    seen.push(...listed.body.answers.map((answer: { text: string }) => answer.text));
    after = listed.body.next;
    if (!after) break;
  }
  assert.deepEqual(seen, texts, 'every answer once, in the order cast');
});
