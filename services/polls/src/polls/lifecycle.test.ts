import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PgliteHost } from '@canvass/database';
import { createInProcessBus } from '@canvass/eventing';
import { createLogger, createServiceRuntime } from '@canvass/service-kit';
import type { Kysely } from 'kysely';
import { createPollsService } from '../service.ts';
import type { PollsTables } from '../tables.ts';
import { createLifecycle } from './lifecycle.ts';
import { PollCache } from './poll-cache.ts';

test('one replica runs the schedule at a time; a clean stop hands it over at once', async () => {
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
  const kysely = db.kysely as Kysely<PollsTables>;
  const logger = createLogger('polls', 'silent');
  const replica = (owner: string) =>
    createLifecycle({ kysely, cache: new PollCache(kysely), logger, scheduleOwner: owner });
  const first = replica('replica-1');
  const second = replica('replica-2');

  const schedule = async (question: string) => {
    const response = await runtime.app.inject({
      method: 'POST',
      url: '/api/v1/polls',
      payload: {
        question,
        options: [{ label: 'A' }, { label: 'B' }],
        opensAt: new Date(Date.now() + 1_000).toISOString(),
      },
    });
    assert.equal(response.statusCode, 201, response.body);
    const poll = response.json();
    assert.equal(poll.status, 'scheduled');
    // Due now, without waiting for the clock.
    await kysely
      .updateTable('polls')
      .set({ opens_at: new Date(Date.now() - 1_000) })
      .where('id', '=', poll.id)
      .execute();
    return poll.id as string;
  };

  await schedule('Due first');
  assert.equal(await first.runSchedule(), 1, 'the first replica takes the lease and opens the due poll');
  await schedule('Due second');
  assert.equal(await second.runSchedule(), 0, 'the other replica does nothing while the lease is held');
  assert.equal(await first.runSchedule(), 1, 'the holder renews the lease and goes on');

  await first.releaseScheduleLease();
  const third = await schedule('Due third');
  assert.equal(await second.runSchedule(), 1, 'released: the other replica takes over at once');
  const opened = await kysely
    .selectFrom('polls')
    .select('status')
    .where('id', '=', third)
    .executeTakeFirstOrThrow();
  assert.equal(opened.status, 'open');

  // A holder that stops renewing (killed) loses the lease once it lapses.
  await kysely
    .updateTable('schedule_lease' as never)
    .set({ lease_until: new Date(Date.now() - 1) } as never)
    .execute();
  await schedule('Due fourth');
  assert.equal(await first.runSchedule(), 1, 'a lapsed lease is taken over');
  await runtime.stopHttp();
  await host.close();
});
