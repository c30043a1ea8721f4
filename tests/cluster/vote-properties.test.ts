// One voter's concurrent duplicates on real PostgreSQL: two polls services with their own
// connection pools, caches and vote batches over one database, as two processes would be.
import { after, before } from 'node:test';
import { createPostgresDatabase, type Database } from '@canvass/database';
import type { ServiceRuntime } from '@canvass/service-kit';
import { testDatabases } from '../support/cluster.ts';
import { startPollsReplicas } from '../support/polls-runtimes.ts';
import { duplicateVoteProperty } from '../support/vote-properties.ts';

const databases: Database[] = [];
let runtimes: ServiceRuntime[] = [];

before(async () => {
  const urls = await testDatabases(['polls']);
  for (let i = 0; i < 2; i++) databases.push(createPostgresDatabase({ url: urls.polls!, schema: 'polls' }));
  runtimes = await startPollsReplicas(databases);
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
