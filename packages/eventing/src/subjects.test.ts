import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { partitionOf, subjectFor, subjectsFor } from './subjects.ts';

test('votes of one poll always land on the same partition subject', () => {
  fc.assert(
    fc.property(fc.string({ minLength: 1 }), fc.uuid(), fc.uuid(), (pollId, a, b) => {
      const one = subjectFor({ type: 'polls.vote.cast.v1', id: a, partitionkey: pollId });
      const two = subjectFor({ type: 'polls.vote.cast.v2', id: b, partitionkey: pollId });
      assert.equal(one, two);
      assert.match(one, /^polls\.vote\.cast\.[0-7]$/);
    }),
  );
});

test('partitions spread keys over every subject', () => {
  const counts = new Array(8).fill(0);
  for (let i = 0; i < 8000; i++) counts[partitionOf(`poll-${i}`, 8)]++;
  for (const count of counts) assert.ok(count > 700 && count < 1300, `uneven spread: ${counts}`);
});

test('unpartitioned types have one subject without a version', () => {
  assert.equal(subjectFor({ type: 'polls.poll.created.v1', id: 'x' }), 'polls.poll.created');
  assert.deepEqual(
    subjectsFor(['polls.poll.created.v1', 'polls.vote.cast.v1', 'polls.vote.cast.v2']).length,
    9,
  );
});

test('subject patterns match like NATS wildcards', async () => {
  const { subjectMatches } = await import('./subjects.ts');
  assert.ok(subjectMatches('polls.>', 'polls.vote.cast.3'));
  assert.ok(subjectMatches('polls.vote.cast.*', 'polls.vote.cast.3'));
  assert.ok(!subjectMatches('polls.vote.cast.*', 'polls.vote.cast'));
  assert.ok(!subjectMatches('polls.>', 'polls'));
  assert.ok(subjectMatches('polls.poll.created', 'polls.poll.created'));
  assert.ok(!subjectMatches('analytics.>', 'polls.poll.created'));
});
