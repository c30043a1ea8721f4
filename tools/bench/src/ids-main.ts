// Time-ordered ids against random ones, where they matter: the two tables of the polls database
// that grow by a row per vote (`votes`, `poll_events`), with their real schema (polls' migrations),
// first loaded with `--rows` votes (random ids) as a deployment that has run a while holds them.
// Then slices insert the same batches (10 votes and their events per transaction, as a vote batch
// writes them) in three modes: before (a random id per vote and per event), now (votes random,
// events time-ordered by `timeOrderedId`) and votes too (both time-ordered, which Canvass does not
// do: an open-text answer's vote id is public), and it prints votes per second and the CPU of
// every PostgreSQL process per vote, by round. The cluster benchmark starts on empty databases
// (cluster-platform.ts), where this difference cannot show.
//
//   node tools/bench/src/ids-main.ts [--quick] [--rows N] [--seconds S] [--rounds R]
import { randomUUID } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { createPostgresDatabase, loadMigrations, migrate } from '@canvass/database';
import { eventingMigrations, timeOrderedId } from '@canvass/eventing';
import { newId } from '@canvass/service-kit';
import pg from 'pg';

const { values } = parseArgs({
  options: {
    quick: { type: 'boolean' },
    rows: { type: 'string' },
    seconds: { type: 'string' },
    rounds: { type: 'string' },
  },
});
const quick = values.quick ?? false;
const rows = Number(values.rows ?? (quick ? 100_000 : 3_000_000));
const seconds = Number(values.seconds ?? (quick ? 2 : 15));
const rounds = Number(values.rounds ?? (quick ? 1 : 3));
const adminUrl = process.env.POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const DATABASE = 'canvass_bench_ids';
const POLLS = 1_000;
const BATCH = 10;
const CONNECTIONS = 2;
const progress = (text: string) => process.stderr.write(`${text}\n`);

const admin = new pg.Client({ connectionString: adminUrl });
await admin.connect();
await admin.query(`drop database if exists ${DATABASE} with (force)`);
await admin.query(`create database ${DATABASE}`);
await admin.end();
const url = new URL(adminUrl);
url.pathname = `/${DATABASE}`;

try {
  const db = createPostgresDatabase({ url: url.toString(), schema: 'polls' });
  const migrationsDir = fileURLToPath(new URL('../../../services/polls/migrations/', import.meta.url));
  await migrate(db, [...eventingMigrations, ...(await loadMigrations(migrationsDir))]);
  await db.close();

  const client = new pg.Client({ connectionString: url.toString() });
  client.on('error', () => {});
  await client.connect();
  await client.query('set search_path to polls');
  progress(`loading ${rows.toLocaleString('en-US')} votes and their events over ${POLLS} polls (random ids)`);
  const started = performance.now();
  await client.query(
    `insert into polls (id, question, type, status, settings)
     select 'poll-' || g, 'Loaded?', 'single_choice', 'open', '{}' from generate_series(1, ${POLLS}) g`,
  );
  // Partition 100 is no log partition: nothing would read these events, as in a real table most
  // events were published long ago.
  for (let from = 1; from <= rows; from += 500_000) {
    const to = Math.min(rows, from + 499_999);
    await client.query(
      `insert into votes (id, poll_id, voter_hash, option_ids, receipt_hash, event_id)
       select substr(md5(random()::text), 1, 18), 'poll-' || (g % ${POLLS} + 1), md5(random()::text),
         '{a}', md5(random()::text), gen_random_uuid()::text
       from generate_series(${from}, ${to}) g`,
    );
    await client.query(
      `insert into poll_events (poll_id, version, event_id, type, event, prev_hash, hash, partition, seq)
       select 'poll-' || (g % ${POLLS} + 1), g, gen_random_uuid()::text, 'polls.vote.cast.v3',
         jsonb_build_object('id', gen_random_uuid(), 'data', jsonb_build_object('optionIds', '{a}'::text[])),
         md5(random()::text), md5(random()::text), 100, g
       from generate_series(${from}, ${to}) g`,
    );
  }
  await client.query('vacuum analyze votes');
  await client.query('vacuum analyze poll_events');
  const size = (await client.query(`select pg_size_pretty(pg_database_size('${DATABASE}')) as size`)).rows[0]
    .size;
  progress(`loaded in ${Math.round((performance.now() - started) / 1000)} s (${size})`);
  await client.end();

  const statement = `insert into polls.votes (id, poll_id, voter_hash, option_ids, receipt_hash, event_id)
    select v.id, v.poll_id, v.voter_hash, '{a}', v.receipt_hash, v.event_id
    from unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[])
      as v(id, poll_id, voter_hash, receipt_hash, event_id)`;
  const events = `insert into polls.poll_events (poll_id, version, event_id, type, event, prev_hash, hash, partition, seq)
    select v.poll_id, v.version, v.event_id, 'polls.vote.cast.v3', v.event::jsonb, v.prev, v.hash, 101, v.seq
    from unnest($1::text[], $2::int[], $3::text[], $4::text[], $5::text[], $6::text[], $7::bigint[])
      as v(poll_id, version, event_id, event, prev, hash, seq)`;
  let next = 10_000_000;
  const hex = () => randomUUID().replaceAll('-', '');
  /** The ids each mode gives a vote and its event. */
  const MODES = {
    before: { vote: () => newId(), event: () => randomUUID() },
    now: { vote: () => newId(), event: () => timeOrderedId() },
    'votes too': { vote: () => timeOrderedId(), event: () => timeOrderedId() },
  };
  type Mode = keyof typeof MODES;

  // The writers' connections last the whole run: a backend's CPU leaves /proc with it.
  const connections = await Promise.all(
    Array.from({ length: CONNECTIONS }, async () => {
      const connection = new pg.Client({ connectionString: url.toString() });
      // The database is dropped at the end even when a writer failed: the other's error then is moot.
      connection.on('error', () => {});
      await connection.connect();
      return connection;
    }),
  );

  /** One connection inserting batches until the slice ends. */
  async function writer(connection: pg.Client, mode: Mode, until: number): Promise<number> {
    let votes = 0;
    while (performance.now() < until) {
      const poll = `poll-${Math.floor(Math.random() * POLLS) + 1}`;
      const ids = Array.from({ length: BATCH }, MODES[mode].vote);
      const eventIds = Array.from({ length: BATCH }, MODES[mode].event);
      const seqs = Array.from({ length: BATCH }, () => next++);
      await connection.query('begin');
      await connection.query({
        name: 'votes',
        text: statement,
        values: [ids, ids.map(() => poll), ids.map(hex), ids.map(hex), eventIds],
      });
      await connection.query({
        name: 'events',
        text: events,
        values: [
          ids.map(() => poll),
          seqs,
          eventIds,
          eventIds.map((id) => JSON.stringify({ id, data: { optionIds: ['a'] } })),
          ids.map(hex),
          ids.map(hex),
          seqs,
        ],
      });
      await connection.query('commit');
      votes += BATCH;
    }
    return votes;
  }

  // Each round runs every mode, each in another place of the round (a Latin square over three
  // rounds), so a slice's place (a checkpoint, the box) weighs on every mode alike.
  const modes = Object.keys(MODES) as Mode[];
  const lines: string[] = [];
  const totals = Object.fromEntries(modes.map((mode) => [mode, { votes: 0, ms: 0, ticks: 0 }])) as Record<
    Mode,
    { votes: number; ms: number; ticks: number }
  >;
  for (let round = 0; round < rounds; round++) {
    const row: string[] = [];
    for (let place = 0; place < modes.length; place++) {
      const mode = modes[(round + place) % modes.length]!;
      const ticks = await postgresTicks();
      const from = performance.now();
      const until = from + seconds * 1000;
      const done = await Promise.all(connections.map((connection) => writer(connection, mode, until)));
      const ms = performance.now() - from;
      const votes = done.reduce((sum, one) => sum + one, 0);
      const used = (await postgresTicks()) - ticks;
      totals[mode].votes += votes;
      totals[mode].ms += ms;
      totals[mode].ticks += used;
      row.push(
        `${mode}: ${Math.round((votes / ms) * 1000).toLocaleString('en-US')}/s, ${((used * 10) / votes).toFixed(3)} ms`,
      );
      progress(`round ${round + 1}: ${row.at(-1)}`);
    }
    lines.push(`| ${round + 1} | ${row.join(' | ')} |`);
  }
  for (const connection of connections) await connection.end();
  const rate = (mode: Mode) => (totals[mode].votes / totals[mode].ms) * 1000;
  const cpu = (mode: Mode) => (totals[mode].ticks * 10) / totals[mode].votes;
  process.stdout.write(
    [
      `Ids on a polls database loaded with ${rows.toLocaleString('en-US')} votes and events (${size}); ${CONNECTIONS} connections, ${BATCH} votes and their events per transaction, ${seconds} s slices; votes/s and CPU ms per vote of every PostgreSQL process.`,
      'Modes: before (random vote and event ids), now (random vote ids, time-ordered event ids), votes too (both time-ordered).',
      '',
      `| round | ${modes.map((_, i) => `slice ${i + 1}`).join(' | ')} |`,
      `|---|${modes.map(() => '---').join('|')}|`,
      ...lines,
      '',
      ...modes.map(
        (mode) =>
          `${mode}: ${Math.round(rate(mode)).toLocaleString('en-US')} votes/s (${(rate(mode) / rate('before')).toFixed(2)}× before), ${cpu(mode).toFixed(3)} ms of PostgreSQL CPU per vote (${(cpu(mode) / cpu('before')).toFixed(2)}×)`,
      ),
      '',
    ].join('\n'),
  );
} catch (error) {
  process.exitCode = 1;
  console.error(error);
} finally {
  const cleanup = new pg.Client({ connectionString: adminUrl });
  await cleanup.connect();
  await cleanup.query(`drop database if exists ${DATABASE} with (force)`);
  await cleanup.end();
}

/**
 * utime + stime of every PostgreSQL process, in clock ticks (10 ms): the writers' backends and
 * the WAL writer, checkpointer and background writer, where random keys cost page writes too.
 * The server is the machine's: this counts its other databases' work as well (none while a
 * benchmark runs alone).
 */
async function postgresTicks(): Promise<number> {
  let ticks = 0;
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = await readFile(`/proc/${entry}/stat`, 'utf8').catch(() => '');
    if (!stat.includes('(postgres)')) continue;
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    ticks += Number(fields[11]) + Number(fields[12]);
  }
  return ticks;
}
