// A consumer's spans: one per batch, linked to the spans that wrote its events, and an error span
// in the writer's own trace, with the event's id, when an event fails for good.
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { VoteCastV1 } from '@canvass/contracts';
import { migrate, PgliteHost } from '@canvass/database';
import { inSpan, startTracing } from '@canvass/telemetry';
import { createConsumer } from './consumer.ts';
import { createEvent } from './events.ts';
import { eventingMigrations } from './migrations.ts';

const tracing = startTracing('test', { OTEL_TRACES_SAMPLER_ARG: '1' });
after(() => tracing?.shutdown());

test('an event that fails for good is an error span, with its id, in the trace that wrote it', async () => {
  assert.ok(tracing);
  const db = new PgliteHost('memory://').database('consumer');
  await migrate(db, eventingMigrations);
  // Written inside a span (as a request writes its events): the event carries its context.
  let writer = { traceId: '', spanId: '' };
  const event = await inSpan('write', {}, async (span) => {
    writer = span.spanContext();
    return createEvent(VoteCastV1, {
      source: 'test',
      data: { pollId: 'p1', voteId: crypto.randomUUID(), optionIds: ['a'], castAt: new Date().toISOString() },
    });
  });
  assert.equal(event.traceparent, `00-${writer.traceId}-${writer.spanId}-01`);
  const consumer = createConsumer(
    {
      name: 'picky',
      types: [VoteCastV1.type],
      retry: { attempts: 2, initialDelayMs: 1, maxDelayMs: 2 },
      async handle() {
        throw new Error('cannot apply this');
      },
    },
    { db, logger: { warn() {} }, service: 'analytics' },
  );
  await consumer.handleBatch([{ payload: event, attempt: 1 }]);

  const { spans } = tracing.store.trace(writer.traceId);
  const failed = spans.find((span) => span.name === 'consume picky failed');
  assert.ok(failed, `an error span among ${spans.map((span) => span.name).join(', ')}`);
  assert.equal(failed.status, 'error');
  assert.equal(failed.parentSpanId, writer.spanId);
  assert.equal(failed.attributes['canvass.event.id'], event.id);
  assert.equal(failed.attributes['canvass.event.type'], VoteCastV1.type);
  assert.equal(failed.service, 'analytics');
  assert.match(String(failed.statusMessage), /cannot apply this/);
  assert.ok(
    failed.events.some((e) => e.name === 'exception'),
    'the exception is recorded',
  );

  // The batch is a trace of its own that links to the writer.
  const batches = tracing.store.trace(writer.traceId).linkedBy;
  assert.equal(batches.length, 1);
  const batch = tracing.store.trace(batches[0]!).spans.find((span) => span.name === 'consume picky');
  assert.ok(batch);
  assert.deepEqual(batch.links, [{ traceId: writer.traceId, spanId: writer.spanId }]);
});
