import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PgliteHost } from '@canvass/database';
import { createInProcessBus } from '@canvass/eventing';
import { createLogger, createServiceRuntime } from '@canvass/service-kit';
import type { Kysely } from 'kysely';
import { createPollsService } from '../service.ts';
import type { PollsTables } from '../tables.ts';
import { foldPollStream } from './fold.ts';
import { readStream } from './poll-stream.ts';

test("folding a poll's stream gives back the poll and every vote the tables hold", async () => {
  const host = new PgliteHost('memory://');
  const db = host.database('polls');
  const runtime = await createServiceRuntime({
    name: 'polls',
    db,
    bus: createInProcessBus(),
    logger: createLogger('polls', 'silent'),
    create: createPollsService,
  });
  await runtime.prepare();
  const poll = (
    await runtime.app.inject({
      method: 'POST',
      url: '/api/v1/polls',
      payload: { question: 'Fold?', options: [{ label: 'A' }, { label: 'B' }, { label: 'C' }] },
    })
  ).json();
  for (let i = 0; i < 25; i++) {
    const response = await runtime.app.inject({
      method: 'POST',
      url: `/api/v1/polls/${poll.id}/votes`,
      headers: { 'voter-token': `fold-voter-${i}` },
      payload: { optionIds: [poll.options[i % 3].id], ...(i % 2 ? { segment: 'embed' } : {}) },
    });
    assert.equal(response.statusCode, 201);
  }
  const kysely = db.kysely as Kysely<PollsTables>;
  const folded = foldPollStream((await readStream(kysely, poll.id)).map((link) => link.event as never));
  assert.deepEqual(folded.poll, {
    id: poll.id,
    workspaceId: null,
    question: 'Fold?',
    type: 'single_choice',
    status: 'open',
    options: poll.options,
    settings: poll.settings,
  });
  const stored = await kysely
    .selectFrom('votes')
    .select(['id', 'option_ids', 'segment', 'rating', 'text', 'moderation'])
    .where('poll_id', '=', poll.id)
    .execute();
  assert.equal(folded.votes.size, stored.length);
  for (const vote of stored) {
    assert.deepEqual(folded.votes.get(vote.id), {
      optionIds: vote.option_ids,
      rating: vote.rating,
      text: vote.text,
      segment: vote.segment,
      moderation: vote.moderation,
    });
  }
  await runtime.stopHttp();
  await host.close();
});
