// Polls services sharing one database, as replicas would: each with its own poll cache, vote
// batches and (for PostgreSQL) connection pool.
import type { Database } from '@canvass/database';
import { createInProcessBus } from '@canvass/eventing';
import { createPollsService } from '@canvass/polls';
import { createLogger, createServiceRuntime, type ServiceRuntime } from '@canvass/service-kit';

export async function startPollsReplicas(databases: readonly Database[]): Promise<ServiceRuntime[]> {
  const bus = createInProcessBus();
  const runtimes: ServiceRuntime[] = [];
  for (const db of databases) {
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
  return runtimes;
}
