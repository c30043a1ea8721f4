import assert from 'node:assert/strict';
import { test } from 'node:test';
import { VoteCastV1 } from '@canvass/contracts';
import { createEvent } from '@canvass/eventing';
import { eventually } from '../support/api.ts';
import { useEmbeddedPlatform } from '../support/embedded.ts';

const embedded = useEmbeddedPlatform();

test('a redelivered vote event is counted once', async () => {
  const api = embedded.api();
  const poll = (
    await api('POST', '/api/v1/polls', {
      body: { question: 'Again?', options: [{ label: 'A' }, { label: 'B' }] },
    })
  ).body;
  const vote = createEvent(VoteCastV1, {
    source: '/polls',
    partitionkey: poll.id,
    data: {
      pollId: poll.id,
      voteId: 'v-1',
      optionIds: [poll.options[0].id],
      castAt: new Date().toISOString(),
    },
  });
  await embedded.platform().bus.publish([vote]);
  await embedded.platform().bus.publish([vote]);
  await embedded.platform().bus.publish([vote, vote]);
  const results = await eventually(async () => {
    const response = await api('GET', `/api/v1/polls/${poll.id}/results`);
    assert.equal(response.status, 200);
    return response.body;
  });
  assert.equal(results.totalVotes, 1);
  assert.equal(results.options[0].votes, 1);
});
