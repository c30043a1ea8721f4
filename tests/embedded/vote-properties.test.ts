// The vote hot path's properties on the embedded tier: two polls services over one PGlite
// database (each with its own poll cache and vote batches), and the whole platform for recounts.
import { after, before } from 'node:test';
import { PgliteHost } from '@canvass/database';
import { createInProcessBus } from '@canvass/eventing';
import { createPollsService } from '@canvass/polls';
import { createLogger, createServiceRuntime, type ServiceRuntime } from '@canvass/service-kit';
import { useEmbeddedPlatform } from '../support/embedded.ts';
import { duplicateVoteProperty, recountProperty } from '../support/vote-properties.ts';

const host = new PgliteHost('memory://');
const db = host.database('polls');
const runtimes: ServiceRuntime[] = [];

before(async () => {
  const bus = createInProcessBus();
  for (let i = 0; i < 2; i++) {
    const runtime = await createServiceRuntime({
      name: 'polls',
      db,
      bus,
      logger: createLogger('polls', 'silent'),
      internalSecret: 'property-secret',
      create: createPollsService,
    });
    await runtime.prepare();
    runtimes.push(runtime);
  }
});
after(async () => {
  for (const runtime of runtimes) await runtime.stopHttp();
  await host.close();
});

duplicateVoteProperty(
  () => runtimes,
  () => db,
);

const embedded = useEmbeddedPlatform();
recountProperty(embedded.api, () => embedded.platform().host.database('polls'));
