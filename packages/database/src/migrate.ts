// Each service owns its migrations and applies them at start. An advisory lock serializes replicas
// that start at once; each migration runs in the same transaction as its bookkeeping row.
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { sql } from 'kysely';
import type { Database } from './database.ts';

export interface Migration {
  /** Sorts the migrations; applied once, in order. */
  readonly name: string;
  readonly sql: string;
}

/** Loads `*.sql` files from a folder, ordered by file name. */
export async function loadMigrations(folder: string): Promise<Migration[]> {
  const files = (await readdir(folder)).filter((file) => file.endsWith('.sql')).sort();
  return Promise.all(
    files.map(async (file) => ({
      name: file.replace(/\.sql$/, ''),
      sql: await readFile(join(folder, file), 'utf8'),
    })),
  );
}

/** Applies the migrations not yet applied; returns the names it applied. */
export async function migrate(db: Database, migrations: readonly Migration[]): Promise<string[]> {
  const names = migrations.map((migration) => migration.name);
  if (new Set(names).size !== names.length) throw new Error(`duplicate migration names in ${db.schema}`);
  return db.kysely.transaction().execute(async (trx) => {
    await sql`select pg_advisory_xact_lock(hashtext(${`canvass.migrate.${db.schema}`}))`.execute(trx);
    await sql.raw(`create schema if not exists ${db.schema}`).execute(trx);
    await sql
      .raw(
        `create table if not exists ${db.schema}.schema_migrations (name text primary key, applied_at timestamptz not null default now())`,
      )
      .execute(trx);
    const applied = await sql<{
      name: string;
    }>`select name from ${sql.table(`${db.schema}.schema_migrations`)}`.execute(trx);
    const done = new Set(applied.rows.map((row) => row.name));
    const pending = [...migrations]
      .sort((a, b) => a.name.localeCompare(b.name))
      .filter((m) => !done.has(m.name));
    for (const migration of pending) {
      await sql.raw(migration.sql).execute(trx);
      await sql`insert into ${sql.table(`${db.schema}.schema_migrations`)} (name) values (${migration.name})`.execute(
        trx,
      );
    }
    return pending.map((migration) => migration.name);
  });
}
