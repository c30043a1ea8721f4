export {
  type AnyTables,
  assertChannelName,
  assertSchemaName,
  columnOf,
  type Database,
  PREPARED,
  textArrayLiteral,
} from './database.ts';
export { loadMigrations, type Migration, migrate } from './migrate.ts';
export { PgliteHost } from './pglite.ts';
export {
  createPostgresDatabase,
  DEFAULT_POOL_IDLE_SECONDS,
  type PostgresOptions,
  preparedName,
  preparedTexts,
} from './postgres.ts';
