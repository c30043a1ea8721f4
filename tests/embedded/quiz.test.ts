// Quizzes (docs/events.md) in the embedded tier: quiz questions of an event's deck, nicknames,
// the question's clock started by showing it, scoring (right and quick scores most), a late answer
// refused by the server's clock and scoring nothing, the reveal and the leaderboard.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { test } from 'node:test';
import { pointsFor } from '@canvass/polls';
import { ownerApiKey } from '../support/api-keys.ts';
import { useEmbeddedPlatform } from '../support/embedded.ts';

const { platform, api } = useEmbeddedPlatform();

// biome-ignore lint/suspicious/noExplicitAny: tests read whatever JSON came back.
type Json = any;

test('points: none when wrong; 1000 at once down to 500 at the last moment when right', () => {
  assert.equal(pointsFor(false, 0, 10), 0);
  assert.equal(pointsFor(true, 0, 10), 1000);
  assert.equal(pointsFor(true, 5_000, 10), 750);
  assert.equal(pointsFor(true, 10_000, 10), 500);
  assert.equal(pointsFor(true, 60_000, 10), 500);
});

test('a quiz: nicknames, the clock, scores, a late answer that scores nothing, the leaderboard', async () => {
  const owner = await ownerApiKey(platform(), api());
  const call = (method: string, path: string, body?: unknown) =>
    api()(method, path, {
      headers: { authorization: `Bearer ${owner.key}` },
      ...(body === undefined ? {} : { body }),
    });
  const poll = async (question: string, extra: Record<string, unknown> = {}) =>
    (
      await call('POST', '/api/v1/polls', {
        question,
        options: [{ label: 'Mercury' }, { label: 'Venus' }, { label: 'Mars' }],
        ...extra,
      })
    ).body as Json;
  const hottest = await poll('Which planet is hottest?');
  const text = await poll('Say anything', { type: 'open_text', options: undefined });
  const changeable = await poll('Changeable?', { settings: { allowVoteChange: true } });
  const event = (
    await call('POST', '/api/v1/events', {
      title: 'Space quiz',
      pollIds: [hottest.id, text.id, changeable.id],
    })
  ).body as Json;
  const quiz = (pollId: string, body: unknown) =>
    call('PUT', `/api/v1/events/${event.id}/quiz/${pollId}`, body);

  // Only a choice poll, right answers among its options, one answer per player.
  assert.equal((await quiz(text.id, { correctOptionIds: ['x'], seconds: 10 })).status, 422);
  assert.equal((await quiz(hottest.id, { correctOptionIds: ['nope'], seconds: 10 })).status, 422);
  const changing = await quiz(changeable.id, { correctOptionIds: [changeable.options[0].id], seconds: 10 });
  assert.equal(changing.status, 422);
  assert.match(changing.body.detail, /one answer per player/);
  const venus = hottest.options[1].id;
  const set = await quiz(hottest.id, { correctOptionIds: [venus], seconds: 5 });
  assert.equal(set.status, 200, JSON.stringify(set.body));
  const read = await call('GET', `/api/v1/events/${event.id}`);
  assert.deepEqual(read.body.polls[0].quiz, { correctOptionIds: [venus], seconds: 5 });
  // Reordering the deck keeps a question's quiz settings.
  await call('PATCH', `/api/v1/events/${event.id}`, { pollIds: [text.id, hottest.id] });
  assert.deepEqual((await call('GET', `/api/v1/events/${event.id}`)).body.polls[1].quiz, {
    correctOptionIds: [venus],
    seconds: 5,
  });

  // Players.
  const tokens = { ada: `ada-${randomUUID()}`, bob: `bob-${randomUUID()}`, cy: `cy-${randomUUID()}` };
  const as = (token: string) => ({ 'voter-token': token });
  const join = (token: string, nickname: string) =>
    api()('POST', `/api/v1/events/${event.id}/players`, { headers: as(token), body: { nickname } });
  assert.equal((await join(tokens.ada, 'Ada')).status, 201);
  assert.equal((await join(tokens.bob, 'Bob')).status, 201);
  const taken = await join(tokens.cy, 'ada');
  assert.equal(taken.status, 409);
  assert.equal(taken.body.type, '/problems/nickname-taken');
  assert.equal((await join(tokens.cy, 'Cy')).status, 201);

  const answer = (token: string, optionIds: string[]) =>
    api()('POST', `/api/v1/events/${event.id}/quiz/${hottest.id}/answers`, {
      headers: as(token),
      body: { optionIds },
    });
  const early = await answer(tokens.ada, [venus]);
  assert.equal(early.status, 409);
  assert.equal(early.body.type, '/problems/question-not-started');
  assert.equal(
    (
      await api()('POST', `/api/v1/events/${event.id}/quiz/${hottest.id}/answers`, {
        headers: as(`stranger-${randomUUID()}`),
        body: { optionIds: [venus] },
      })
    ).status,
    404,
    'a participant without a nickname is not playing',
  );

  // Showing it starts the clock: voting locks when its 5 seconds are up.
  const shown = await call('PUT', `/api/v1/events/${event.id}/stage`, { screen: 'poll', pollId: hottest.id });
  assert.equal(shown.status, 200, JSON.stringify(shown.body));
  const started = Date.parse(shown.body.quiz.startedAt);
  assert.equal(Date.parse(shown.body.votingLockedAt) - started, 5_000);
  assert.equal(shown.body.quiz.correctOptionIds, null, 'the right answer stays hidden until the reveal');

  assert.equal((await answer(tokens.ada, [venus])).status, 201);
  assert.equal((await answer(tokens.bob, [hottest.options[0].id])).status, 201);
  const twice = await answer(tokens.ada, [hottest.options[2].id]);
  assert.equal(twice.status, 409, 'one answer per player');
  // Before the time is up, how an answer did stays hidden: not in the answers, not in the points.
  const me = await api()('GET', `/api/v1/events/${event.id}/players/me`, { headers: as(tokens.ada) });
  assert.deepEqual(me.body.answers, []);
  assert.equal(me.body.points, 0);
  assert.equal(me.body.correct, 0);
  // The same option twice is no answer at all.
  const doubled = await answer(tokens.cy, [venus, venus]);
  assert.equal(doubled.status, 400, JSON.stringify(doubled.body));

  await new Promise((resolve) => setTimeout(resolve, started + 5_000 - Date.now() + 200));
  const late = await answer(tokens.cy, [venus]);
  assert.equal(late.status, 409, JSON.stringify(late.body));
  assert.equal(late.body.type, '/problems/voting-locked');
  // The presenter unlocking the poll does not reopen the question's time.
  await call('PUT', `/api/v1/events/${event.id}/stage`, {
    screen: 'poll',
    pollId: hottest.id,
    locked: false,
  });
  assert.equal((await answer(tokens.cy, [venus])).body.type, '/problems/voting-locked');

  const ada = (await api()('GET', `/api/v1/events/${event.id}/players/me`, { headers: as(tokens.ada) })).body;
  assert.equal(ada.rank, 1);
  assert.equal(ada.correct, 1);
  assert.ok(ada.points > 500 && ada.points <= 1000, `quick and right: ${ada.points}`);
  assert.deepEqual(ada.answers, [{ pollId: hottest.id, correct: true, points: ada.points }]);
  const cy = (await api()('GET', `/api/v1/events/${event.id}/players/me`, { headers: as(tokens.cy) })).body;
  assert.equal(cy.points, 0, 'a late answer scores nothing');
  assert.deepEqual(cy.answers, []);

  const revealed = await call('PUT', `/api/v1/events/${event.id}/stage`, {
    screen: 'poll',
    pollId: hottest.id,
    revealed: true,
  });
  assert.deepEqual(revealed.body.quiz.correctOptionIds, [venus]);

  const board = await call('PUT', `/api/v1/events/${event.id}/stage`, { screen: 'leaderboard' });
  assert.equal(board.status, 200, JSON.stringify(board.body));
  assert.equal(board.body.screen, 'leaderboard');
  assert.equal(board.body.leaderboard.players, 3);
  assert.equal(board.body.leaderboard.final, true, 'every quiz question has been shown');
  assert.deepEqual(
    board.body.leaderboard.top.map((row: Json) => [row.rank, row.nickname, row.correct]),
    [
      [1, 'Ada', 1],
      [2, 'Bob', 0],
      [2, 'Cy', 0],
    ],
  );
  // The poll's own results count the answers as votes.
  const results = await api()('GET', `/api/v1/polls/${hottest.id}/results`, {
    headers: { authorization: `Bearer ${owner.key}` },
  });
  assert.equal(results.body.totalVotes, 2);
});

test('revealing a running quiz question ends it; a poll leaving its event is unlocked', async () => {
  const owner = await ownerApiKey(platform(), api());
  const call = (method: string, path: string, body?: unknown) =>
    api()(method, path, {
      headers: { authorization: `Bearer ${owner.key}` },
      ...(body === undefined ? {} : { body }),
    });
  const poll = (
    await call('POST', '/api/v1/polls', {
      question: 'Capital of Peru?',
      options: [{ label: 'Lima' }, { label: 'Cusco' }],
    })
  ).body as Json;
  const event = (await call('POST', '/api/v1/events', { title: 'Geography', pollIds: [poll.id] }))
    .body as Json;
  const lima = poll.options[0].id;
  assert.equal(
    (
      await call('PUT', `/api/v1/events/${event.id}/quiz/${poll.id}`, {
        correctOptionIds: [lima],
        seconds: 60,
      })
    ).status,
    200,
  );
  const token = `peek-${randomUUID()}`;
  await api()('POST', `/api/v1/events/${event.id}/players`, {
    headers: { 'voter-token': token },
    body: { nickname: 'Pat' },
  });
  await call('PUT', `/api/v1/events/${event.id}/stage`, { screen: 'poll', pollId: poll.id });
  const revealed = await call('PUT', `/api/v1/events/${event.id}/stage`, {
    screen: 'poll',
    pollId: poll.id,
    revealed: true,
  });
  assert.deepEqual(revealed.body.quiz.correctOptionIds, [lima]);
  assert.ok(Date.parse(revealed.body.votingLockedAt) <= Date.now(), 'the reveal locked voting');
  const late = await api()('POST', `/api/v1/events/${event.id}/quiz/${poll.id}/answers`, {
    headers: { 'voter-token': token },
    body: { optionIds: [lima] },
  });
  assert.equal(late.status, 409, 'no answer after the reveal, with 55 seconds still on the clock');

  // Taken off the deck, the poll takes votes on its own page again.
  await call('PATCH', `/api/v1/events/${event.id}`, { pollIds: [] });
  const vote = await api()('POST', `/api/v1/polls/${poll.id}/votes`, {
    headers: { 'voter-token': `own-page-${randomUUID()}` },
    body: { optionIds: [lima] },
  });
  assert.equal(vote.status, 201, JSON.stringify(vote.body));
});
