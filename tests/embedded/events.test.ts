// Events (docs/events.md) through the embedded tier's gateway: join codes, the deck, the stage the
// presenter drives and its live push, the voting lock and countdown by the server's clock, reveal,
// and the refusals an organizer or participant can run into.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { test } from 'node:test';
import { sql } from 'kysely';
import { eventually } from '../support/api.ts';
import { ownerApiKey } from '../support/api-keys.ts';
import { type LiveMessage, openEventStream, openWebSocket } from '../support/live.ts';
import { useListeningPlatform } from '../support/live-platform.ts';

const { platform, api, url } = useListeningPlatform();

// biome-ignore lint/suspicious/noExplicitAny: tests read whatever JSON came back.
type Json = any;
const bearer = (key: string) => ({ authorization: `Bearer ${key}` });
const voter = () => ({ 'voter-token': `participant-${randomUUID()}` });

async function organizer() {
  const owner = await ownerApiKey(platform(), api());
  const call = async (method: string, path: string, body?: unknown) =>
    api()(method, path, { headers: bearer(owner.key), ...(body === undefined ? {} : { body }) });
  const poll = async (body: Record<string, unknown>) => {
    const created = await call('POST', '/api/v1/polls', {
      options: [{ label: 'Yes' }, { label: 'No' }],
      ...body,
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    return created.body as Json;
  };
  return { ...owner, call, poll };
}

const pollsDb = () => platform().host.database('polls').kysely;

test('an event gets a six-digit code that joins it, and its deck in order', async () => {
  const ada = await organizer();
  const first = await ada.poll({ question: 'First?', status: 'draft' });
  const second = await ada.poll({ question: 'Second?' });
  const created = await ada.call('POST', '/api/v1/events', {
    title: 'All hands',
    pollIds: [second.id, first.id],
  });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  const event = created.body as Json;
  assert.match(event.joinCode, /^[1-9]\d{5}$/);
  assert.equal(event.live, true);
  assert.deepEqual(
    event.polls.map((poll: Json) => poll.question),
    ['Second?', 'First?'],
  );
  assert.equal(created.headers.location, `/api/v1/events/${event.id}`);

  // Typed as people type it: with a space or a dash.
  const typed = `${event.joinCode.slice(0, 3)} ${event.joinCode.slice(3)}`;
  const joined = await api()('GET', `/api/v1/join/${encodeURIComponent(typed)}`);
  assert.equal(joined.status, 200, JSON.stringify(joined.body));
  assert.equal(joined.body.eventId, event.id);
  assert.equal(joined.body.stage.screen, 'waiting');
  assert.equal(joined.body.stage.deckSize, 2);

  const malformed = await api()('GET', '/api/v1/join/12ab56');
  assert.equal(malformed.status, 400);
  assert.equal(malformed.body.type, '/problems/invalid-join-code');
  assert.match(malformed.body.detail, /six digits/);

  // Listed, read, reordered.
  const listed = await ada.call('GET', '/api/v1/events');
  assert.deepEqual(
    listed.body.events.map((e: Json) => e.id),
    [event.id],
  );
  // The deck alone (no other field) is an edit too.
  const reordered = await ada.call('PATCH', `/api/v1/events/${event.id}`, { pollIds: [first.id, second.id] });
  assert.equal(reordered.status, 200, JSON.stringify(reordered.body));
  assert.deepEqual(
    reordered.body.polls.map((poll: Json) => poll.id),
    [first.id, second.id],
  );
  const renamed = await ada.call('PATCH', `/api/v1/events/${event.id}`, { title: 'All hands, Q4' });
  assert.equal(renamed.body.title, 'All hands, Q4');
  assert.equal(renamed.body.polls.length, 2);

  // An ended event lets go of its code: it no longer joins.
  await sql`update events set ends_at = now() - interval '1 minute' where id = ${event.id}`.execute(
    pollsDb(),
  );
  const ended = await api()('GET', `/api/v1/join/${event.joinCode}`);
  assert.equal(ended.status, 404);
  assert.match(ended.body.detail, /may have ended/);
  assert.equal((await ada.call('GET', '/api/v1/events')).body.events[0].live, false);
  // Another event takes up codes meanwhile (the ended one's is released); extended, it gets a new one.
  await ada.call('POST', '/api/v1/events', { title: 'Next one' });
  const extended = await ada.call('PATCH', `/api/v1/events/${event.id}`, {
    endsAt: new Date(Date.now() + 86_400_000).toISOString(),
  });
  assert.equal(extended.status, 200, JSON.stringify(extended.body));
  assert.equal(extended.body.live, true);
  assert.equal((await api()('GET', `/api/v1/join/${extended.body.joinCode}`)).body.eventId, event.id);
  // A title of spaces is no title.
  assert.equal((await ada.call('PATCH', `/api/v1/events/${event.id}`, { title: '   ' })).status, 400);
});

test('the presenter drives the stage: every participant follows live, in order', async () => {
  const ada = await organizer();
  const first = await ada.poll({ question: 'Coffee or tea?', status: 'draft' });
  const second = await ada.poll({ question: 'Lunch?' });
  const event = (
    await ada.call('POST', '/api/v1/events', { title: 'Stand-up', pollIds: [first.id, second.id] })
  ).body as Json;

  const live = `/api/v1/events/${event.id}/live`;
  const participants = [
    await openWebSocket(url(live, 'ws')),
    await openWebSocket(url(live, 'ws')),
    await openEventStream(url(live)),
  ];
  for (const participant of participants) {
    const hello = await participant.next((m) => m.type === 'snapshot');
    assert.equal(hello.results.screen, 'waiting');
  }
  const show = async (body: Record<string, unknown>) => {
    const answer = await ada.call('PUT', `/api/v1/events/${event.id}/stage`, body);
    assert.equal(answer.status, 200, JSON.stringify(answer.body));
    return answer.body as Json;
  };
  const onScreen = await show({ screen: 'poll', pollId: first.id });
  assert.equal(onScreen.position, 1);
  // A draft shown to the audience opens.
  assert.equal((await api()('GET', `/api/v1/polls/${first.id}`)).body.status, 'open');
  await show({ screen: 'poll', pollId: second.id });
  await show({ screen: 'waiting' });
  for (const participant of participants) {
    const seen: LiveMessage[] = [];
    for (let i = 0; i < 3; i++) seen.push(await participant.next((m) => m.type === 'snapshot'));
    assert.deepEqual(
      seen.map((m) => [m.results.screen, m.results.pollId]),
      [
        ['poll', first.id],
        ['poll', second.id],
        ['waiting', null],
      ],
    );
    assert.ok(seen[0]!.sequence < seen[1]!.sequence && seen[1]!.sequence < seen[2]!.sequence);
  }
  // The presenter sees how many are connected. That count may arrive between the snapshots the
  // loop above skipped past, so look at every message received rather than after the cursor.
  await eventually(async () =>
    assert.ok(participants[0]!.messages.some((m) => m.type === 'viewers' && m.count === 3)),
  );
  for (const participant of participants) participant.close();

  const unknown = await openEventStream(url('/api/v1/events/no-such-event/live'));
  assert.equal(unknown.status, 404);
});

test('lock and countdown refuse votes by the server clock; reveal makes results public', async () => {
  const ada = await organizer();
  const poll = await ada.poll({ question: 'Ship it?', settings: { resultsVisibility: 'after_close' } });
  const event = (await ada.call('POST', '/api/v1/events', { title: 'Review', pollIds: [poll.id] }))
    .body as Json;
  const stage = (body: Record<string, unknown>) =>
    ada.call('PUT', `/api/v1/events/${event.id}/stage`, { screen: 'poll', pollId: poll.id, ...body });
  const vote = () =>
    api()('POST', `/api/v1/polls/${poll.id}/votes`, {
      headers: voter(),
      body: { optionIds: [poll.options[0].id] },
    });

  assert.equal((await stage({})).status, 200);
  assert.equal((await vote()).status, 201);
  const locked = await stage({ locked: true });
  assert.ok(locked.body.votingLockedAt);
  const refused = await vote();
  assert.equal(refused.status, 409, JSON.stringify(refused.body));
  assert.equal(refused.body.type, '/problems/voting-locked');
  assert.equal((await stage({ locked: false })).body.votingLockedAt, null);
  assert.equal((await vote()).status, 201);

  // A 3-second countdown: votes until then, none after.
  const timed = await stage({ timerSeconds: 3 });
  const endsAt = Date.parse(timed.body.votingLockedAt);
  assert.ok(endsAt > Date.parse(timed.body.serverTime) + 2_000);
  assert.equal((await vote()).status, 201);
  await new Promise((resolve) => setTimeout(resolve, endsAt - Date.now() + 100));
  assert.equal((await vote()).body.type, '/problems/voting-locked');

  // Results show when the poll closes, but the presenter reveals them now.
  assert.equal((await api()('GET', `/api/v1/polls/${poll.id}/results`)).status, 403);
  const revealed = await stage({ revealed: true });
  assert.equal(revealed.body.revealed, true);
  const results = await eventually(async () => {
    const answer = await api()('GET', `/api/v1/polls/${poll.id}/results`);
    assert.equal(answer.status, 200);
    assert.equal(answer.body.totalVotes, 3);
    return answer.body;
  });
  assert.equal(results.totalVotes, 3);
  // The event's report: participation and the poll's results, as JSON and CSV.
  const report = await ada.call('GET', `/api/v1/events/${event.id}/report`);
  assert.equal(report.status, 200, JSON.stringify(report.body));
  assert.deepEqual(report.body.participation, { polls: 1, ballots: 3, mostVoters: 3 });
  assert.deepEqual(report.body.polls[0].answers, [
    { answer: 'Yes', votes: 3 },
    { answer: 'No', votes: 0 },
  ]);
  const csv = await ada.call('GET', `/api/v1/events/${event.id}/report?format=csv`);
  assert.match(String(csv.headers['content-type']), /^text\/csv/);
  assert.equal(
    csv.body,
    '"position","question","type","status","ballots","answer","votes"\r\n' +
      '"1","Ship it?","single_choice","open","3","Yes","3"\r\n' +
      '"1","Ship it?","single_choice","open","3","No","0"\r\n',
  );

  // The change is in the poll's history, by whom.
  const history = await ada.call('GET', `/api/v1/polls/${poll.id}/history`);
  assert.ok(
    history.body.entries.some((entry: Json) => entry.data.changes?.settings?.resultsVisibility === 'live'),
  );
});

test('refusals: other workspaces, polls in another event, polls off the deck, deleted polls', async () => {
  const ada = await organizer();
  const bob = await organizer();
  const adas = await ada.poll({ question: 'Ada’s?' });
  const bobs = await bob.poll({ question: 'Bob’s?' });
  const guest = (
    await api()('POST', '/api/v1/polls', {
      body: { question: 'Guest?', options: [{ label: 'A' }, { label: 'B' }] },
    })
  ).body as Json;

  const foreign = await ada.call('POST', '/api/v1/events', { title: 'Mixed', pollIds: [adas.id, bobs.id] });
  assert.equal(foreign.status, 422, JSON.stringify(foreign.body));
  assert.match(foreign.body.detail, /not a poll of this workspace/);
  const withGuest = await ada.call('POST', '/api/v1/events', { title: 'Guest', pollIds: [guest.id] });
  assert.equal(withGuest.status, 422);
  assert.match(withGuest.body.detail, /claimed/);
  const twice = await ada.call('POST', '/api/v1/events', { title: 'Twice', pollIds: [adas.id, adas.id] });
  assert.equal(twice.status, 422);
  const badDates = await ada.call('POST', '/api/v1/events', {
    title: 'Backwards',
    startsAt: new Date(Date.now() + 86_400_000).toISOString(),
    endsAt: new Date(Date.now() + 3_600_000).toISOString(),
  });
  assert.equal(badDates.status, 422);
  assert.match(badDates.body.detail, /after the start/);
  const anonymous = await api()('POST', '/api/v1/events', { body: { title: 'Anyone?' } });
  assert.equal(anonymous.status, 401);

  const event = (await ada.call('POST', '/api/v1/events', { title: 'Ada’s', pollIds: [adas.id] }))
    .body as Json;
  const again = await ada.call('POST', '/api/v1/events', { title: 'Again', pollIds: [adas.id] });
  assert.equal(again.status, 409);
  assert.equal(again.body.type, '/problems/poll-in-another-event');

  // Bob cannot see or drive Ada's event.
  assert.equal((await bob.call('GET', `/api/v1/events/${event.id}`)).status, 404);
  assert.equal(
    (await bob.call('PUT', `/api/v1/events/${event.id}/stage`, { screen: 'waiting' })).status,
    404,
  );
  const offDeck = await ada.call('PUT', `/api/v1/events/${event.id}/stage`, {
    screen: 'poll',
    pollId: bobs.id,
  });
  assert.equal(offDeck.status, 422);
  assert.equal(offDeck.body.errors[0].field, '/pollId');

  // A deleted poll leaves its deck, and the audience waiting.
  assert.equal(
    (await ada.call('PUT', `/api/v1/events/${event.id}/stage`, { screen: 'poll', pollId: adas.id })).status,
    200,
  );
  assert.equal((await ada.call('DELETE', `/api/v1/polls/${adas.id}`)).status, 204);
  const stage = await api()('GET', `/api/v1/events/${event.id}/stage`);
  assert.equal(stage.body.screen, 'waiting');
  assert.equal(stage.body.deckSize, 0);

  // Deleting the event keeps nothing of it but its polls.
  assert.equal((await ada.call('DELETE', `/api/v1/events/${event.id}`)).status, 204);
  assert.equal((await api()('GET', `/api/v1/join/${event.joinCode}`)).status, 404);
});
