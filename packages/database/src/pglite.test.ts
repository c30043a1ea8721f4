import assert from 'node:assert/strict';
import { test } from 'node:test';
import { sql } from 'kysely';
import { migrate } from './migrate.ts';
import { PgliteHost } from './pglite.ts';

test('services share one PGlite, each in its own schema, with migrations applied once', async () => {
  const host = new PgliteHost('memory://');
  const a = host.database('alpha');
  const b = host.database('beta');
  const migration = {
    name: '001_items',
    sql: 'create table items (id int primary key); insert into items values (1);',
  };
  assert.deepEqual(await migrate(a, [migration]), ['001_items']);
  assert.deepEqual(await migrate(b, [migration]), ['001_items']);
  assert.deepEqual(await migrate(a, [migration]), []);
  await a.kysely.insertInto('items').values({ id: 2 }).execute();
  const countA = await sql<{ n: number }>`select count(*)::int as n from items`.execute(a.kysely);
  const countB = await sql<{ n: number }>`select count(*)::int as n from items`.execute(b.kysely);
  assert.equal(countA.rows[0]?.n, 2);
  assert.equal(countB.rows[0]?.n, 1);
  await host.close();
});

test('a failed transaction rolls back and releases the shared session', async () => {
  const host = new PgliteHost('memory://');
  const db = host.database('gamma');
  await migrate(db, [{ name: '001', sql: 'create table t (id int primary key);' }]);
  await assert.rejects(
    db.kysely.transaction().execute(async (trx) => {
      await trx.insertInto('t').values({ id: 1 }).execute();
      throw new Error('boom');
    }),
    /boom/,
  );
  const rows = await db.kysely.selectFrom('t').selectAll().execute();
  assert.deepEqual(rows, []);
  await host.close();
  await assert.rejects(db.ping(), /closed/);
});

test('a NOTIFY reaches listeners once its transaction commits, and not if it rolls back', async () => {
  const host = new PgliteHost('memory://');
  const db = host.database('delta');
  const heard: string[] = [];
  const stop = await db.listen('delta_events', (payload) => heard.push(payload));
  await db.kysely.transaction().execute(async (trx) => {
    await sql`select pg_notify('delta_events', 'committed')`.execute(trx);
  });
  await assert.rejects(
    db.kysely.transaction().execute(async (trx) => {
      await sql`select pg_notify('delta_events', 'rolled back')`.execute(trx);
      throw new Error('abort');
    }),
  );
  await sql`select 1`.execute(db.kysely);
  await new Promise((resolve) => setTimeout(resolve, 50));
  assert.deepEqual(heard, ['committed']);
  await stop();
  await host.close();
});
