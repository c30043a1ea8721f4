// The migrations Job of deploy/kubernetes (the image's `migrate` command): applies every service's
// database migrations, as each service does when it starts (the same advisory lock, so a Job and
// starting pods never apply one twice), and creates or updates the JetStream streams with the
// replica count the cluster wants (R3 on a three-node NATS cluster). The services create their
// streams with one replica when they are missing; updating one keeps the replicas set here.
//
// Environment: NATS_URL, NATS_STREAM_REPLICAS (default 3), and <SERVICE>_DATABASE_URL for each of
// polls, analytics, identity, notifications and billing (each service's own role and database).
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { eventContracts } from '@canvass/contracts';
import { createPostgresDatabase, loadMigrations, migrate } from '@canvass/database';
import { eventingMigrations } from '@canvass/eventing';
import { STREAM_MAX_AGE_MS, STREAM_MAX_AGES } from '@canvass/eventing-nats';
import { jetstreamManager, StorageType } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';

const SERVICES = ['polls', 'analytics', 'identity', 'notifications', 'billing'] as const;
const root = fileURLToPath(new URL('../../../', import.meta.url));
const say = (line: string) => process.stdout.write(`migrate | ${line}\n`);

const problems = SERVICES.map((service) => `${service.toUpperCase()}_DATABASE_URL`)
  .concat('NATS_URL')
  .filter((name) => !process.env[name])
  .map((name) => `${name}: missing`);
const replicas = Number(process.env.NATS_STREAM_REPLICAS ?? '3');
if (!Number.isInteger(replicas) || replicas < 1 || replicas > 5)
  problems.push('NATS_STREAM_REPLICAS: 1 to 5');
if (problems.length > 0) {
  process.stderr.write(`migrate cannot start. ${problems.join('; ')}\n`);
  process.exit(1);
}

for (const service of SERVICES) {
  const db = createPostgresDatabase({
    url: process.env[`${service.toUpperCase()}_DATABASE_URL`]!,
    schema: service,
  });
  try {
    const migrations = [
      ...eventingMigrations,
      ...(await loadMigrations(join(root, 'services', service, 'migrations'))),
    ];
    const applied = await migrate(db, migrations);
    say(`${service}: ${applied.length > 0 ? `applied ${applied.join(', ')}` : 'up to date'}`);
  } finally {
    await db.close();
  }
}

// One stream per bounded context that publishes, as @canvass/eventing-nats names them.
const contexts = [...new Set([...eventContracts.keys()].map((type) => type.slice(0, type.indexOf('.'))))];
const nc = await connect({ servers: process.env.NATS_URL!, name: 'migrate' });
try {
  const jsm = await jetstreamManager(nc);
  for (const context of contexts) {
    const name = context.toUpperCase();
    const maxAgeMs = STREAM_MAX_AGES[context] ?? STREAM_MAX_AGE_MS;
    const config = {
      subjects: [`${context}.>`],
      max_age: maxAgeMs * 1_000_000,
      duplicate_window: 120_000 * 1_000_000,
      num_replicas: replicas,
    };
    const exists = await jsm.streams.info(name).then(
      () => true,
      () => false,
    );
    if (exists) await jsm.streams.update(name, config);
    else await jsm.streams.add({ name, storage: StorageType.File, ...config });
    say(`stream ${name}: ${exists ? 'updated' : 'created'} with ${replicas} replica(s)`);
  }
} finally {
  await nc.drain();
}
