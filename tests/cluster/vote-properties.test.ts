// One voter's concurrent duplicates on real PostgreSQL: two polls services with their own
// connection pools, caches and vote batches over one database, as two processes would be.
import { after, before } from 'node:test';
import { createPostgresDatabase, type Database } from '@canvass/database';
import { createInProcessBus } from '@canvass/eventing';
import { createPollsService } from '@canvass/polls';
import { createLogger, createServiceRuntime, type ServiceRuntime } from '@canvass/service-kit';
import { testDatabases } from '../support/cluster.ts';
import { duplicateVoteProperty } from '../support/vote-properties.ts';

const databases: Database[] = [];
const runtimes: ServiceRuntime[] = [];

before(async () => {
  const urls = await testDatabases(['polls']);
  const bus = createInProcessBus();
  for (let i = 0; i < 2; i++) {
    const db = createPostgresDatabase({ url: urls.polls!, schema: 'polls' });
    databases.push(db);
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
  for (const db of databases) await db.close();
});

duplicateVoteProperty(
  () => runtimes,
  () => databases[0]!,
  30,
);
