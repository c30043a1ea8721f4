import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { PgliteHost } from '@canvass/database';
import { createInProcessBus } from '@canvass/eventing';
import { createLogger, createServiceRuntime } from '@canvass/service-kit';
import type { Kysely } from 'kysely';
import { Registry } from 'prom-client';
import { memoryTransport } from '../mail/transport.ts';
import { createNotificationsService } from '../service.ts';
import type { NotificationsTables } from '../tables.ts';
import { newWebhookSecret } from './signing.ts';

/** The value of one series in Prometheus' text format, or undefined when /metrics lacks it. */
const sample = (text: string, series: string) => {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
};

test('/metrics counts webhook attempts delivered, failed (to be retried) and given up', async (t) => {
  // One receiver on loopback: /ok answers 204, /down 500.
  const receiver = createServer((request, response) => {
    request.resume();
    response.writeHead(request.url === '/ok' ? 204 : 500).end();
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
  const host = new PgliteHost('memory://');
  const db = host.database('notifications');
  const metrics = new Registry();
  const runtime = await createServiceRuntime({
    name: 'notifications',
    db,
    bus: createInProcessBus(),
    logger: createLogger('notifications', 'silent'),
    metrics,
    create: createNotificationsService({
      transport: memoryTransport(),
      publicUrl: 'http://localhost:8080',
      internalSecret: 'delivery-metrics-test-secret-0123456789',
      allowLoopback: true,
      // One retry, at once: the second failure is the last.
      retryScheduleMs: [0],
      metrics,
    }),
  });
  t.after(async () => {
    await runtime.stopHttp();
    await runtime.flushOutbox();
    await runtime.stopConsumers();
    await host.close();
    receiver.close();
  });
  await runtime.prepare();

  const before = (await runtime.app.inject({ method: 'GET', url: '/metrics' })).body;
  for (const outcome of ['delivered', 'failed', 'gave_up'])
    assert.equal(sample(before, `canvass_webhook_deliveries_total{outcome="${outcome}"}`), 0, outcome);

  const kysely = db.kysely as Kysely<NotificationsTables>;
  for (const path of ['ok', 'down']) {
    await kysely
      .insertInto('webhook_endpoints')
      .values({
        id: `ep_${path}`,
        workspace_id: 'ws_metrics',
        url: `${base}/${path}`,
        event_types: JSON.stringify(['poll.opened']) as never,
        secret: newWebhookSecret(),
        previous_secret: null,
        previous_secret_until: null,
        disabled_reason: null,
        failing_since: null,
        deleted_at: null,
      })
      .execute();
  }
  await kysely
    .insertInto('webhook_messages')
    .values({
      id: 'msg_metrics',
      workspace_id: 'ws_metrics',
      event_type: 'poll.opened',
      payload: JSON.stringify({ type: 'poll.opened', data: {} }),
    })
    .execute();
  await kysely
    .insertInto('webhook_deliveries')
    .values(
      ['ok', 'down'].map((path) => ({
        id: `dlv_${path}`,
        endpoint_id: `ep_${path}`,
        message_id: 'msg_metrics',
        next_attempt_at: new Date(),
        lease_until: null,
        finished_at: null,
      })),
    )
    .execute();
  runtime.startRelay();

  const deadline = Date.now() + 15_000;
  for (;;) {
    const pending = await kysely
      .selectFrom('webhook_deliveries')
      .select('id')
      .where('status', '=', 'pending')
      .execute();
    if (pending.length === 0) break;
    assert.ok(Date.now() < deadline, 'the deliveries did not finish');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }

  const after = (await runtime.app.inject({ method: 'GET', url: '/metrics' })).body;
  assert.equal(sample(after, 'canvass_webhook_deliveries_total{outcome="delivered"}'), 1);
  assert.equal(sample(after, 'canvass_webhook_deliveries_total{outcome="failed"}'), 1);
  assert.equal(sample(after, 'canvass_webhook_deliveries_total{outcome="gave_up"}'), 1);
});
