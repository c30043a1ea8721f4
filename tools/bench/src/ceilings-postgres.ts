// PostgreSQL's insert ceiling on this machine for rows shaped like votes: one connection, a fresh
// table, prepared multi-row INSERTs of 500 rows in transactions of 5,000 rows (each commit waits
// for its fsync, as the platform's do), against the same rows sent one per statement. One row per
// statement is some 20 times slower, so that measure writes a tenth of the rows: rates compare.
import { provisionDatabases } from '@canvass/launcher';
import pg from 'pg';

const TABLE = 'ceilings_insert';
const ROWS_PER_STATEMENT = 500;
const ROWS_PER_TRANSACTION = 5_000;

export interface InsertRates {
  batchedRowsPerSecond: number;
  singleRowsPerSecond: number;
  /** Rows the one-per-statement measure wrote. */
  singleRows: number;
}

function statement(rows: number): string {
  const tuples = Array.from({ length: rows }, (_, i) => `($${i * 3 + 1}, $${i * 3 + 2}, $${i * 3 + 3})`);
  return `insert into ${TABLE} (id, poll_id, payload) values ${tuples.join(', ')}`;
}

function values(firstId: number, rows: number): unknown[] {
  const castAt = new Date().toISOString();
  const values: unknown[] = [];
  for (let id = firstId; id < firstId + rows; id++) {
    values.push(id, 'BenchPoll001', JSON.stringify({ optionIds: [`option-${id % 3}`], castAt }));
  }
  return values;
}

/** Rows per second inserting `rows` rows into a new table, `perStatement` rows per statement. */
async function insertRate(client: pg.Client, rows: number, perStatement: number): Promise<number> {
  await client.query(`drop table if exists ${TABLE}`);
  await client.query(`create table ${TABLE} (id bigint, poll_id text, payload jsonb)`);
  const started = performance.now();
  for (let transactionStart = 0; transactionStart < rows; transactionStart += ROWS_PER_TRANSACTION) {
    const transactionEnd = Math.min(rows, transactionStart + ROWS_PER_TRANSACTION);
    await client.query('begin');
    for (let id = transactionStart; id < transactionEnd; id += perStatement) {
      const count = Math.min(perStatement, transactionEnd - id);
      // Named statements are parsed and planned once per connection: the best a client can do.
      await client.query({
        name: `ceilings-insert-${count}`,
        text: statement(count),
        values: values(id, count),
      });
    }
    await client.query('commit');
  }
  const seconds = (performance.now() - started) / 1000;
  const stored = await client.query<{ count: string }>(`select count(*) from ${TABLE}`);
  if (Number(stored.rows[0]?.count) !== rows)
    throw new Error(`${stored.rows[0]?.count} of ${rows} rows stored`);
  await client.query(`drop table ${TABLE}`);
  return rows / seconds;
}

export async function postgresInsertRates(
  postgresUrl: string,
  rows: number,
  progress: (text: string) => void,
): Promise<InsertRates> {
  const urls = await provisionDatabases({
    adminUrl: postgresUrl,
    prefix: 'canvass_bench_',
    services: ['ceilings'],
  });
  const client = new pg.Client({ connectionString: urls.ceilings });
  await client.connect();
  try {
    progress(`  PostgreSQL: ${rows} rows, ${ROWS_PER_STATEMENT} per INSERT, one connection`);
    const batchedRowsPerSecond = await insertRate(client, rows, ROWS_PER_STATEMENT);
    const singleRows = Math.min(rows, Math.max(5_000, Math.round(rows / 10)));
    progress(`  PostgreSQL: ${singleRows} rows, one per INSERT, one connection`);
    const singleRowsPerSecond = await insertRate(client, singleRows, 1);
    return { batchedRowsPerSecond, singleRowsPerSecond, singleRows };
  } finally {
    await client.end();
  }
}
