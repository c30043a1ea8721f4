// Audience Q&A (docs/events.md) in the embedded tier: asking, upvoting once, the live questions
// channel, moderation, the event's Q&A settings, and the property that concurrent upvotes (with
// duplicates and take-backs) count once.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { test } from 'node:test';
import { ownerApiKey } from '../support/api-keys.ts';
import { openWebSocket } from '../support/live.ts';
import { useListeningPlatform } from '../support/live-platform.ts';
import { upvotesCountOnce } from '../support/question-properties.ts';

const { platform, api, url } = useListeningPlatform();

// biome-ignore lint/suspicious/noExplicitAny: tests read whatever JSON came back.
type Json = any;
const participant = () => ({ 'voter-token': `participant-${randomUUID()}` });

async function eventOf(qa?: Record<string, boolean>) {
  const owner = await ownerApiKey(platform(), api());
  const call = (method: string, path: string, body?: unknown) =>
    api()(method, path, {
      headers: { authorization: `Bearer ${owner.key}` },
      ...(body === undefined ? {} : { body }),
    });
  const event = (await call('POST', '/api/v1/events', { title: 'Town hall' })).body as Json;
  if (qa) assert.equal((await call('PATCH', `/api/v1/events/${event.id}`, { qa })).status, 200);
  const base = `/api/v1/events/${event.id}/questions`;
  const ask = (body: Record<string, unknown>, headers = participant()) =>
    api()('POST', base, { body, headers });
  return { event, call, base, ask };
}

test('participants ask and upvote once each; the list follows live, the most upvoted first', async () => {
  const { event, base, ask } = await eventOf();
  const live = await openWebSocket(url(`${base}/live`, 'ws'));
  const first = await live.next((m) => m.type === 'snapshot');
  assert.deepEqual(first.results.questions, []);
  assert.deepEqual(first.results.qa, { enabled: true, anonymous: true, moderation: false });

  const early = (await ask({ text: 'Is there a recording?' })).body.question as Json;
  const late = await ask({ text: '  Who picks the venue?  ', name: 'Noor' });
  assert.equal(late.status, 201, JSON.stringify(late.body));
  assert.equal(late.body.question.text, 'Who picks the venue?');
  assert.equal(late.body.question.authorName, 'Noor');
  assert.equal(early.authorName, null);

  const voter = participant();
  const upvote = `${base}/${late.body.question.id}/upvote`;
  assert.deepEqual((await api()('PUT', upvote, { headers: voter })).body, {
    questionId: late.body.question.id,
    upvotes: 1,
    changed: true,
  });
  assert.equal(
    (await api()('PUT', upvote, { headers: voter })).body.changed,
    false,
    'a second upvote is the same upvote',
  );
  assert.equal((await api()('PUT', upvote, { headers: participant() })).body.upvotes, 2);

  const snapshot = await live.next(
    (m) => m.type === 'snapshot' && m.results.questions.length === 2 && m.results.questions[0].upvotes === 2,
  );
  assert.deepEqual(
    snapshot.results.questions.map((q: Json) => q.text),
    ['Who picks the venue?', 'Is there a recording?'],
  );
  assert.equal((await api()('DELETE', upvote, { headers: voter })).body.upvotes, 1);
  live.close();

  // Refusals in plain words.
  const anonymous = await api()('PUT', upvote);
  assert.equal(anonymous.status, 400);
  assert.equal(anonymous.body.type, '/problems/voter-token-required');
  assert.equal((await api()('PUT', `${base}/nope/upvote`, { headers: participant() })).status, 404);
  assert.equal((await ask({ text: '' })).status, 400);
  assert.equal((await ask({ text: 'x'.repeat(301) })).status, 400);
  assert.equal((await api()('GET', '/api/v1/events/nope/questions')).status, 404);
  assert.equal(event.qa.enabled, true);
});

test('moderation: a question shows once approved; organizers dismiss, pin, answer and edit', async () => {
  const { call, base, ask } = await eventOf({ moderation: true });
  const held = (await ask({ text: 'Can we talk about pay?' })).body.question as Json;
  assert.equal(held.status, 'pending');
  assert.deepEqual((await api()('GET', base)).body.questions, [], 'pending questions are not shown');
  // Nobody upvotes what is not shown.
  assert.equal((await api()('PUT', `${base}/${held.id}/upvote`, { headers: participant() })).status, 404);
  const all = await call('GET', `${base}?all=true`);
  assert.deepEqual(
    all.body.questions.map((q: Json) => q.status),
    ['pending'],
  );
  assert.equal((await api()('GET', `${base}?all=true`)).status, 401, 'pending questions are for organizers');

  const approved = await call('PATCH', `${base}/${held.id}`, { status: 'approved' });
  assert.equal(approved.status, 200, JSON.stringify(approved.body));
  const other = (await ask({ text: 'Lunch plans?' })).body.question as Json;
  await call('PATCH', `${base}/${other.id}`, { status: 'approved' });
  await api()('PUT', `${base}/${held.id}/upvote`, { headers: participant() });
  // Pinned goes first, whatever its upvotes.
  await call('PATCH', `${base}/${other.id}`, {
    pinned: true,
    answered: true,
    text: 'Lunch plans for Friday?',
  });
  const listed = (await api()('GET', base)).body.questions as Json[];
  assert.deepEqual(
    listed.map((q) => [q.text, q.pinned, q.answered]),
    [
      ['Lunch plans for Friday?', true, true],
      ['Can we talk about pay?', false, false],
    ],
  );
  await call('PATCH', `${base}/${held.id}`, { status: 'dismissed' });
  assert.equal((await api()('GET', base)).body.questions.length, 1);
});

test('the event decides: names required, Q&A off, Q&A on the stage', async () => {
  const named = await eventOf({ anonymous: false });
  const nameless = await named.ask({ text: 'Who are you?' });
  assert.equal(nameless.status, 422);
  assert.equal(nameless.body.type, '/problems/name-required');
  assert.equal((await named.ask({ text: 'Who are you?', name: 'Ines' })).status, 201);

  const off = await eventOf({ enabled: false });
  const closed = await off.ask({ text: 'Anyone?' });
  assert.equal(closed.status, 409);
  assert.equal(closed.body.type, '/problems/qa-closed');
  const onStage = await off.call('PUT', `/api/v1/events/${off.event.id}/stage`, { screen: 'qa' });
  assert.equal(onStage.status, 409);

  const shown = await named.call('PUT', `/api/v1/events/${named.event.id}/stage`, { screen: 'qa' });
  assert.equal(shown.status, 200, JSON.stringify(shown.body));
  assert.equal(shown.body.screen, 'qa');
  assert.deepEqual(shown.body.qa, { enabled: true, anonymous: false, moderation: false });
});

test('property: concurrent upvotes, duplicates and take-backs count once each', async () => {
  await upvotesCountOnce(api(), async () => (await eventOf()).event.id);
});
