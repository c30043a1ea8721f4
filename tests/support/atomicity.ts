// A state change and its event commit or roll back together: a failure injected where the event
// is written (the poll's stream, which is also the log the relay publishes) must leave no trace
// of the poll either.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Database } from '@canvass/database';
import { createInProcessBus } from '@canvass/eventing';
import { createPollsService } from '@canvass/polls';
import { createLogger, createServiceRuntime } from '@canvass/service-kit';
import {
  type KyselyPlugin,
  type OperationNode,
  type PluginTransformQueryArgs,
  type PluginTransformResultArgs,
  type RawNode,
  sql,
} from 'kysely';

/** The SQL text of a raw statement, its nested raw parts included (a CTE built apart, say). */
function rawText(node: OperationNode): string {
  if (node.kind !== 'RawNode') return '';
  const raw = node as RawNode;
  return [...raw.sqlFragments, ...raw.parameters.map(rawText)].join(' ');
}

class FailOnInsertInto implements KyselyPlugin {
  readonly table: string;
  constructor(table: string) {
    this.table = table;
  }
  transformQuery(args: PluginTransformQueryArgs) {
    const node = args.node;
    const raw = rawText(node);
    if (
      (node.kind === 'InsertQueryNode' && node.into?.table.identifier.name === this.table) ||
      new RegExp(`insert into ${this.table}\\b`).test(raw)
    ) {
      throw new Error(`injected failure writing ${this.table}`);
    }
    return node;
  }
  async transformResult(args: PluginTransformResultArgs) {
    return args.result;
  }
}

async function count(db: Database, table: string, where: string, value: string): Promise<number> {
  const result = await sql<{
    n: number;
  }>`select count(*)::int as n from ${sql.table(table)} where ${sql.ref(where)} = ${value}`.execute(
    db.kysely,
  );
  return result.rows[0]?.n ?? -1;
}

export function atomicityTests(database: () => Database): void {
  test('a poll and its event commit or roll back together', async () => {
    const db = database();
    const failing: Database = { ...db, kysely: db.kysely.withPlugin(new FailOnInsertInto('poll_events')) };
    const logger = createLogger('polls', 'silent');
    const bus = createInProcessBus();
    const broken = await createServiceRuntime({
      name: 'polls',
      db: failing,
      bus,
      logger,
      create: createPollsService,
    });
    await broken.prepare();
    const question = `Atomic ${crypto.randomUUID()}?`;
    const body = { question, options: [{ label: 'Yes' }, { label: 'No' }] };

    const failed = await broken.app.inject({ method: 'POST', url: '/api/v1/polls', payload: body });
    assert.equal(failed.statusCode, 500);
    assert.match(failed.headers['content-type'] as string, /problem\+json/);
    assert.doesNotMatch(failed.body, /injected failure|at .*\.ts/, 'no internals reach the client');
    assert.equal(await count(db, 'polls', 'question', question), 0, 'the poll rolled back with its event');

    const healthy = await createServiceRuntime({
      name: 'polls',
      db,
      bus,
      logger,
      create: createPollsService,
    });
    const created = await healthy.app.inject({ method: 'POST', url: '/api/v1/polls', payload: body });
    assert.equal(created.statusCode, 201);
    const pollId = created.json().id;
    assert.equal(await count(db, 'polls', 'id', pollId), 1);
    const events = await sql<{
      n: number;
    }>`select count(*)::int as n from poll_events where poll_id = ${pollId}`.execute(db.kysely);
    assert.equal(events.rows[0]?.n, 1, 'the committed poll has exactly one event');

    // A vote and its event are written by one statement: failing the event stores no vote.
    const vote = await broken.app.inject({
      method: 'POST',
      url: `/api/v1/polls/${pollId}/votes`,
      headers: { 'voter-token': `atomic-voter-${crypto.randomUUID()}` },
      payload: { optionIds: [created.json().options[0].id] },
    });
    assert.equal(vote.statusCode, 500);
    assert.match(vote.headers['content-type'] as string, /problem\+json/);
    assert.equal(await count(db, 'votes', 'poll_id', pollId), 0, 'the vote rolled back with its event');
    await broken.stopHttp();
    await healthy.stopHttp();
  });
}
