// /readyz tells the truth about the database: not ready while PostgreSQL is unreachable, ready
// again once it is back, without a restart.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createPostgresDatabase } from '@canvass/database';
import { createNatsBus } from '@canvass/eventing-nats';
import { createPollsService } from '@canvass/polls';
import { createLogger, createServiceRuntime } from '@canvass/service-kit';
import { eventually } from '../support/api.ts';
import { NATS_URL, testDatabases } from '../support/cluster.ts';
import { startTcpProxy } from '../support/tcp-proxy.ts';

test('/readyz reports not ready while the database is unreachable, and ready again after', async () => {
  const urls = await testDatabases(['polls']);
  const target = new URL(urls.polls!);
  const proxy = await startTcpProxy(target.hostname, Number(target.port || 5432));
  const viaProxy = new URL(target);
  viaProxy.host = `127.0.0.1:${proxy.port}`;
  const logger = createLogger('polls', 'silent');
  const db = createPostgresDatabase({ url: viaProxy.toString(), schema: 'polls', poolSize: 2 });
  const bus = await createNatsBus({ url: NATS_URL, name: 'readiness-test', logger });
  const runtime = await createServiceRuntime({ name: 'polls', db, bus, logger, create: createPollsService });
  try {
    const notMigrated = await runtime.app.inject('/readyz');
    assert.equal(notMigrated.statusCode, 503, 'not ready before migrations');
    assert.equal(notMigrated.json().checks.migrations, 'not applied yet');
    await runtime.prepare();
    assert.equal((await runtime.app.inject('/readyz')).statusCode, 200);

    proxy.cut();
    const down = await eventually(async () => {
      const response = await runtime.app.inject('/readyz');
      assert.equal(response.statusCode, 503);
      return response.json();
    });
    assert.notEqual(down.checks.database, 'ok');
    assert.equal(down.checks.broker, 'ok');
    assert.match(down.detail, /database/);

    proxy.restore();
    await eventually(async () => assert.equal((await runtime.app.inject('/readyz')).statusCode, 200));
    const created = await runtime.app.inject({
      method: 'POST',
      url: '/api/v1/polls',
      payload: { question: 'Back?', options: [{ label: 'Yes' }, { label: 'No' }] },
    });
    assert.equal(created.statusCode, 201, 'the service works again once the database is back');
  } finally {
    await runtime.stopHttp();
    await bus.close();
    await db.close();
    await proxy.close();
  }
});
