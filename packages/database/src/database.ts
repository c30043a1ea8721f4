// The Database port every service depends on: Kysely over PostgreSQL (cluster tier) or PGlite
// (embedded tier). A service only ever sees its own schema: `search_path` is set to it.
import type { Kysely } from 'kysely';

/** A service narrows this to its own tables (`db.kysely as Kysely<PollsTables>`). */
// biome-ignore lint/suspicious/noExplicitAny: the port cannot know a service's tables.
export type AnyTables = any;

export interface Database<Tables = AnyTables> {
  readonly kysely: Kysely<Tables>;
  /** The PostgreSQL schema this service owns. */
  readonly schema: string;
  /** Resolves when the database answers a trivial query; rejects otherwise. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

export function assertSchemaName(schema: string): string {
  if (!/^[a-z][a-z0-9_]{0,62}$/.test(schema)) throw new Error(`invalid schema name: ${schema}`);
  return schema;
}
