import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import {
  isLogSubject,
  logSubject,
  partitionOf,
  regionLinkDenied,
  subjectFor,
  subjectMatches,
  subjectsFor,
} from './subjects.ts';

const pollTypes = [
  'polls.poll.created.v2',
  'polls.poll.updated.v1',
  'polls.poll.opened.v1',
  'polls.poll.closed.v1',
  'polls.poll.claimed.v1',
  'polls.vote.cast.v3',
  'polls.vote.retracted.v1',
  'polls.answer.moderated.v1',
];

test('every event of one poll, whatever its type, lands on the same partition subject', () => {
  fc.assert(
    fc.property(
      fc.string({ minLength: 1 }),
      fc.constantFrom(...pollTypes),
      fc.constantFrom(...pollTypes),
      fc.uuid(),
      fc.uuid(),
      (pollId, typeA, typeB, a, b) => {
        const one = subjectFor({ type: typeA, id: a, partitionkey: pollId });
        const two = subjectFor({ type: typeB, id: b, partitionkey: pollId });
        assert.equal(one, two);
        assert.match(one, /^polls\.events\.[0-7]$/);
      },
    ),
  );
});

test('partitions spread keys over every subject', () => {
  const counts = new Array(8).fill(0);
  for (let i = 0; i < 8000; i++) counts[partitionOf(`poll-${i}`, 8)]++;
  for (const count of counts) assert.ok(count > 700 && count < 1300, `uneven spread: ${counts}`);
});

test("identity's events are partitioned by workspace; other contexts have one subject per type", () => {
  assert.match(
    subjectFor({ type: 'identity.member.changed.v1', id: 'x', partitionkey: 'w1' }),
    /^identity\.events\.[0-7]$/,
  );
  assert.equal(subjectFor({ type: 'analytics.results.updated.v1', id: 'x' }), 'analytics.results.updated');
  assert.equal(subjectsFor(pollTypes).length, 8);
  assert.deepEqual(subjectsFor(['analytics.results.updated.v1']), ['analytics.results.updated']);
});

test('subject patterns match like NATS wildcards', () => {
  assert.ok(subjectMatches('polls.>', 'polls.events.3'));
  assert.ok(subjectMatches('polls.events.*', 'polls.events.3'));
  assert.ok(!subjectMatches('polls.events.*', 'polls.events'));
  assert.ok(!subjectMatches('polls.>', 'polls'));
  assert.ok(subjectMatches('polls.poll.created', 'polls.poll.created'));
  assert.ok(!subjectMatches('analytics.>', 'polls.poll.created'));
});

test('region events travel under their origin region, and a link between regions carries no context', () => {
  const counters = subjectFor({ type: 'region.counters.v1', id: 'x', partitionkey: 'eu' });
  assert.equal(counters, 'region.eu.counters');
  assert.equal(
    subjectFor({ type: 'region.poll.definition.v1', id: 'y', partitionkey: 'us' }),
    'region.us.poll.definition',
  );
  assert.throws(() => subjectFor({ type: 'region.counters.v1', id: 'z' }), /origin region/);
  const [every] = subjectsFor(['region.counters.v1']);
  assert.equal(every, 'region.*.counters');
  assert.ok(subjectMatches(every!, counters));
  assert.ok(!subjectMatches(every!, 'region.eu.poll.definition'));
  assert.deepEqual(regionLinkDenied(['polls.vote.cast.v3', 'region.counters.v1', 'polls.poll.created.v2']), [
    'polls.>',
    'region.>',
  ]);
});

test('a log partition subject is told from other subjects', () => {
  for (const subject of subjectsFor(['polls.vote.cast.v3'])) assert.ok(isLogSubject(subject), subject);
  assert.ok(isLogSubject(logSubject('identity', 7)));
  for (const subject of [
    'analytics.results.updated',
    'polls.live.stage',
    'billing.events.3',
    'polls.events.x',
  ])
    assert.ok(!isLogSubject(subject), subject);
});
