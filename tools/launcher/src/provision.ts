// Cluster tier: one database and one role per service, created if missing. Safe to run again
// and from several processes at once.
import pg from 'pg';

export interface ProvisionOptions {
  /** A superuser (or CREATEROLE + CREATEDB) connection, e.g. postgres://postgres@127.0.0.1:5432/postgres. */
  adminUrl: string;
  /** Role and database names are this prefix plus the service name. */
  prefix: string;
  services: readonly string[];
}

// duplicate_object, duplicate_database, unique_violation: another process got there first.
const ALREADY_THERE = new Set(['42710', '42P04', '23505']);

async function ignoreRace(run: () => Promise<unknown>): Promise<void> {
  try {
    await run();
  } catch (error) {
    if (!ALREADY_THERE.has((error as { code?: string }).code ?? '')) throw error;
  }
}

/** Returns each service's DATABASE_URL. */
export async function provisionDatabases(options: ProvisionOptions): Promise<Record<string, string>> {
  if (!/^[a-z][a-z0-9_]*$/.test(options.prefix))
    throw new Error(`invalid database prefix "${options.prefix}"`);
  const client = new pg.Client({ connectionString: options.adminUrl, connectionTimeoutMillis: 5_000 });
  await client.connect();
  const urls: Record<string, string> = {};
  try {
    for (const service of options.services) {
      const name = `${options.prefix}${service}`;
      const role = await client.query('select 1 from pg_roles where rolname = $1', [name]);
      if (role.rowCount === 0) await ignoreRace(() => client.query(`create role "${name}" login`));
      const database = await client.query('select 1 from pg_database where datname = $1', [name]);
      if (database.rowCount === 0)
        await ignoreRace(() => client.query(`create database "${name}" owner "${name}"`));
      const url = new URL(options.adminUrl);
      url.username = name;
      url.password = '';
      url.pathname = `/${name}`;
      urls[service] = url.toString();
    }
  } finally {
    await client.end();
  }
  return urls;
}
