// Cluster tier: Kysely over a `pg` pool, with the service's schema as the search_path.
import { Kysely, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import { type AnyTables, assertSchemaName, type Database } from './database.ts';

// Return bigint columns (count(*), bigserial) as numbers; Canvass counts stay far below 2^53.
pg.types.setTypeParser(pg.types.builtins.INT8, (value) => Number(value));

export interface PostgresOptions {
  url: string;
  schema: string;
  poolSize?: number;
}

export function createPostgresDatabase(options: PostgresOptions): Database {
  const schema = assertSchemaName(options.schema);
  const pool = new pg.Pool({
    connectionString: options.url,
    max: options.poolSize ?? 10,
    options: `-c search_path=${schema}`,
    connectionTimeoutMillis: 5_000,
  });
  // A client losing its server (restart, network cut) must not crash the process: an idle one
  // reports on the pool, a busy one on itself, and its query rejects anyway.
  pool.on('error', () => {});
  pool.on('connect', (client) => client.on('error', () => {}));
  const kysely = new Kysely<AnyTables>({ dialect: new PostgresDialect({ pool }) });
  return {
    kysely,
    schema,
    async ping() {
      await sql`select 1`.execute(kysely);
    },
    async close() {
      await kysely.destroy();
    },
  };
}
