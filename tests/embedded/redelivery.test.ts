import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { VoteCastV1 } from '@canvass/contracts';
import { createEvent } from '@canvass/eventing';
import { type EmbeddedPlatform, startEmbeddedPlatform } from '@canvass/launcher';
import { type Api, eventually, injectApi } from '../support/api.ts';

let platform: EmbeddedPlatform;
let api: Api;

before(async () => {
  platform = await startEmbeddedPlatform({ dataDir: 'memory://', logLevel: 'silent' });
  api = injectApi(platform.gateway);
});
after(() => platform.stop());

test('a redelivered vote event is counted once', async () => {
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
  await platform.bus.publish([vote]);
  await platform.bus.publish([vote]);
  await platform.bus.publish([vote, vote]);
  const results = await eventually(async () => {
    const response = await api('GET', `/api/v1/polls/${poll.id}/results`);
    assert.equal(response.status, 200);
    return response.body;
  });
  assert.equal(results.totalVotes, 1);
  assert.equal(results.options[0].votes, 1);
});
