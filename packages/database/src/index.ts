export { type AnyTables, assertChannelName, assertSchemaName, type Database } from './database.ts';
export { loadMigrations, type Migration, migrate } from './migrate.ts';
export { PgliteHost } from './pglite.ts';
export { createPostgresDatabase, type PostgresOptions } from './postgres.ts';
