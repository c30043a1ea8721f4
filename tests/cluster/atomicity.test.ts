import { after, before } from 'node:test';
import { createPostgresDatabase, type Database } from '@canvass/database';
import { atomicityTests } from '../support/atomicity.ts';
import { testDatabases } from '../support/cluster.ts';

let db: Database;
before(async () => {
  const urls = await testDatabases(['polls']);
  db = createPostgresDatabase({ url: urls.polls!, schema: 'polls' });
});
after(() => db.close());

atomicityTests(() => db);
