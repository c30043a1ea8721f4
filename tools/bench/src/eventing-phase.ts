// Events per second through the whole backbone (outbox rows in PostgreSQL → relay → JetStream →
// durable consumers → inbox + projection in PostgreSQL), beside the raw JetStream async publish
// rate measured on the same server in the same run.
import { VoteCastV2 } from '@canvass/contracts';
import { createPostgresDatabase, migrate } from '@canvass/database';
import {
  createEvent,
  createOutbox,
  createRelay,
  eventingMigrations,
  outboxLog,
  startConsumer,
} from '@canvass/eventing';
import { createNatsBus } from '@canvass/eventing-nats';
import { provisionDatabases } from '@canvass/launcher';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { sql } from 'kysely';

export interface EventingResult {
  events: number;
  rawPublishPerSecond: number;
  pipelinePerSecond: number;
  ratio: number;
}

const silent = { warn() {}, info() {} };

async function rawPublishRate(natsUrl: string, count: number): Promise<number> {
  const nc = await connect({ servers: natsUrl, noAsyncTraces: true });
  const jsm = await jetstreamManager(nc);
  await jsm.streams.add({ name: 'BENCH', subjects: ['bench.>'] });
  const js = jetstream(nc);
  const payload = JSON.stringify(
    createEvent(VoteCastV2, {
      source: '/bench',
      data: { pollId: 'p', voteId: 'v', optionIds: ['a'], segment: null, castAt: new Date().toISOString() },
    }),
  );
  const started = performance.now();
  const window = 1_000;
  for (let sent = 0; sent < count; sent += window) {
    await Promise.all(
      Array.from({ length: Math.min(window, count - sent) }, (_, i) =>
        js.publish(`bench.${(sent + i) % 8}`, payload, { msgID: `raw-${sent + i}` }),
      ),
    );
  }
  const rate = count / ((performance.now() - started) / 1000);
  await jsm.streams.delete('BENCH');
  await nc.close();
  return rate;
}

async function pipelineRate(
  natsUrl: string,
  postgresUrl: string,
  count: number,
  progress: (text: string) => void,
) {
  const urls = await provisionDatabases({
    adminUrl: postgresUrl,
    prefix: 'canvass_bench_',
    services: ['eventing'],
  });
  const db = createPostgresDatabase({ url: urls.eventing!, schema: 'bench', poolSize: 8 });
  await sql`drop schema if exists bench cascade`.execute(db.kysely);
  await migrate(db, [
    ...eventingMigrations,
    { name: '001', sql: 'create table counted (n bigint not null); insert into counted values (0);' },
  ]);
  const bus = await createNatsBus({ url: natsUrl, name: 'bench', logger: silent });
  const subscription = await startConsumer(
    {
      name: 'bench-counter',
      types: [VoteCastV2.type],
      async handle(trx, events) {
        await sql`update counted set n = n + ${events.length}`.execute(trx);
      },
    },
    { db, bus, logger: silent },
  );
  const outbox = createOutbox(db);
  const relay = createRelay({ db, bus, log: outboxLog(), logger: silent });
  const started = performance.now();
  relay.start();
  const batch = 500;
  // Each poll's events carry their stream version, as polls' own do: the consumer applies them
  // in order by version (no inbox row per event).
  const versions = new Map<string, number>();
  for (let written = 0; written < count; written += batch) {
    const events = Array.from({ length: Math.min(batch, count - written) }, (_, i) => {
      const pollId = `poll-${(written + i) % 64}`;
      const streamversion = (versions.get(pollId) ?? 0) + 1;
      versions.set(pollId, streamversion);
      const event = createEvent(VoteCastV2, {
        source: '/bench',
        partitionkey: pollId,
        data: {
          pollId,
          voteId: `v${written + i}`,
          optionIds: ['a'],
          segment: null,
          castAt: new Date().toISOString(),
        },
      });
      return { ...event, streamversion };
    });
    await db.kysely.transaction().execute((trx) => outbox.append(trx, events));
  }
  for (;;) {
    const counted = Number((await sql<{ n: number }>`select n from counted`.execute(db.kysely)).rows[0]?.n);
    progress(`  consumed ${counted}/${count}`);
    if (counted >= count) break;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const rate = count / ((performance.now() - started) / 1000);
  await relay.stop();
  await subscription.stop();
  await bus.close();
  await sql`drop schema if exists bench cascade`.execute(db.kysely);
  await db.close();
  return rate;
}

export async function eventingPhase(
  natsUrl: string,
  postgresUrl: string,
  count: number,
  progress: (text: string) => void,
): Promise<EventingResult> {
  progress('raw JetStream async publish (baseline)');
  const rawPublishPerSecond = await rawPublishRate(natsUrl, count);
  progress('outbox → relay → JetStream → consumer');
  const pipelinePerSecond = await pipelineRate(natsUrl, postgresUrl, count, progress);
  return {
    events: count,
    rawPublishPerSecond,
    pipelinePerSecond,
    ratio: pipelinePerSecond / rawPublishPerSecond,
  };
}
