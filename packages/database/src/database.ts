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
  /**
   * Calls `onNotify` for each NOTIFY on `channel` (delivered after the notifying transaction
   * commits). Resolves to a function that stops listening. Best effort: a lost notification is
   * made up by callers sweeping periodically.
   */
  listen(channel: string, onNotify: (payload: string) => void): Promise<() => Promise<void>>;
  /** Resolves when the database answers a trivial query; rejects otherwise. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

/**
 * A statement whose text begins with this comment runs, in the cluster tier, as a named prepared
 * statement: PostgreSQL parses it once per connection instead of once per run. Only fixed text
 * may carry it (rows go in as arrays, `unnest($1::text[], ...)`), since every distinct text stays
 * prepared on every connection for as long as the connection lives. PGlite ignores it.
 */
export const PREPARED = '/* prepared */';

/** One column of rows, as the array a prepared statement `unnest`s. */
export const columnOf = <T, K extends keyof T>(rows: readonly T[], key: K): T[K][] =>
  rows.map((row) => row[key]);

/**
 * A text[] literal (`{"a","b"}`), for a column whose rows are arrays themselves: an array of
 * arrays of different lengths cannot be a PostgreSQL array, an array of their literals can.
 */
export const textArrayLiteral = (values: readonly string[]) =>
  `{${values.map((value) => `"${value.replace(/["\\]/g, '\\$&')}"`).join(',')}}`;

export function assertChannelName(channel: string): string {
  if (!/^[a-z][a-z0-9_]{0,62}$/.test(channel)) throw new Error(`invalid channel name: ${channel}`);
  return channel;
}

export function assertSchemaName(schema: string): string {
  if (!/^[a-z][a-z0-9_]{0,62}$/.test(schema)) throw new Error(`invalid schema name: ${schema}`);
  return schema;
}
