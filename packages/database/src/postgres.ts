// Cluster tier: Kysely over a `pg` pool, with the service's schema as the search_path.

import { querySpans } from '@canvass/telemetry';
import { Kysely, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import { type AnyTables, assertChannelName, assertSchemaName, type Database, PREPARED } from './database.ts';

// Return bigint columns (count(*), bigserial) as numbers; Canvass counts stay far below 2^53.
pg.types.setTypeParser(pg.types.builtins.INT8, (value) => Number(value));

const names = new Map<string, string>();
/** More distinct texts than this means some marked text is not fixed: the rest run unnamed. */
const MAX_PREPARED = 200;

/**
 * The name a marked statement's text runs under: one per distinct text, the same on every
 * connection; undefined once MAX_PREPARED texts have names (a marked text that varies must not
 * fill every connection with statements).
 */
export function preparedName(text: string): string | undefined {
  let name = names.get(text);
  if (name === undefined && names.size < MAX_PREPARED) {
    name = `canvass_${names.size + 1}`;
    names.set(text, name);
  }
  return name;
}

/** The marked texts this process has named (a test's check that they are fixed). */
export const preparedTexts = () => [...names.keys()];

/**
 * A client that runs the statements marked PREPARED as named statements: pg sends their Parse
 * once per connection and then only Bind and Execute, so PostgreSQL neither parses nor (after
 * its first few runs, once it settles on a generic plan) plans them again.
 */
class PreparingClient extends pg.Client {
  // biome-ignore lint/suspicious/noExplicitAny: pg's query has a dozen overloads; everything else passes through.
  override query(config: any, values?: any, callback?: any): any {
    const name = typeof config === 'string' && config.startsWith(PREPARED) ? preparedName(config) : undefined;
    if (name !== undefined) return super.query({ name, text: config, values }, callback);
    return super.query(config, values, callback);
  }
}

export interface PostgresOptions {
  url: string;
  schema: string;
  poolSize?: number;
  /** How long a connection may sit idle in the pool before it is closed (default 10 minutes). */
  idleSeconds?: number;
}

/**
 * pg's pool closes a connection idle for 10 s by default. Votes come in bursts (a poll opens, the
 * room votes, then quiet), so each burst opened again the connections the last one had left: a
 * new PostgreSQL backend and its `search_path` (a connection opened for one statement took 26–29
 * ms and 34–41 ms of CPU on the development machine), then every prepared statement of the vote
 * path parsed and planned again, waited for by the request that needed it. Connections are kept
 * for minutes instead; the pool's size (DATABASE_POOL_SIZE) bounds them either way, and TCP
 * keepalives find one a network dropped while it sat idle (docs/operations.md, "Database
 * connections").
 */
export const DEFAULT_POOL_IDLE_SECONDS = 600;

export function createPostgresDatabase(options: PostgresOptions): Database {
  const schema = assertSchemaName(options.schema);
  const pool = new pg.Pool({
    connectionString: options.url,
    max: options.poolSize ?? 10,
    idleTimeoutMillis: (options.idleSeconds ?? DEFAULT_POOL_IDLE_SECONDS) * 1000,
    keepAlive: true,
    keepAliveInitialDelayMillis: 30_000,
    options: `-c search_path=${schema}`,
    connectionTimeoutMillis: 5_000,
    Client: PreparingClient,
  });
  // A client losing its server (restart, network cut) must not crash the process: an idle one
  // reports on the pool, a busy one on itself, and its query rejects anyway.
  pool.on('error', () => {});
  pool.on('connect', (client) => client.on('error', () => {}));
  const kysely = new Kysely<AnyTables>({
    dialect: new PostgresDialect({ pool }),
    // Spans for statements run under a recorded span, as in PGlite (pglite.ts). Cheaper than pg's
    // instrumentation, which builds a span's attributes for every query and pool checkout before
    // the sampler is asked (docs/performance.md, "Tracing cost").
    log: querySpans('pg'),
  });
  return {
    kysely,
    schema,
    listen: (channel, onNotify) => listenWithReconnect(options.url, assertChannelName(channel), onNotify),
    async ping() {
      await sql`select 1`.execute(kysely);
    },
    async close() {
      await kysely.destroy();
    },
  };
}

/** A dedicated connection for LISTEN that reconnects after losing its server. */
async function listenWithReconnect(
  url: string,
  channel: string,
  onNotify: (payload: string) => void,
): Promise<() => Promise<void>> {
  let client: pg.Client | undefined;
  let stopped = false;
  let retry: NodeJS.Timeout | undefined;
  const connect = async (): Promise<void> => {
    const next = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5_000 });
    next.on('notification', (message) => {
      if (message.channel === channel) onNotify(message.payload ?? '');
    });
    next.on('error', () => {
      next.end().catch(() => {});
      if (!stopped) retry = setTimeout(() => connect().catch(() => {}), 1_000);
    });
    try {
      await next.connect();
      await next.query(`listen ${channel}`);
      client = next;
      // Whatever was notified while we were away is picked up by the caller's sweep.
    } catch (error) {
      await next.end().catch(() => {});
      if (!stopped) retry = setTimeout(() => connect().catch(() => {}), 1_000);
      throw error;
    }
  };
  await connect().catch(() => {});
  return async () => {
    stopped = true;
    clearTimeout(retry);
    await client?.end().catch(() => {});
  };
}
