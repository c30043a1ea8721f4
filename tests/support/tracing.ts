// One vote through the gateway with a live viewer, and its trace as an operator finds it: by the
// vote's receipt, by the request id, and from the snapshot the viewer received. Shared by the
// embedded and cluster tiers' tracing tests (every span is recorded there: sampling 1).
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import type { StoredSpan } from '@canvass/telemetry';
import { type Api, eventually } from './api.ts';
import { createWatchedPoll, type LiveMessage, openWebSocket } from './live.ts';

export interface TracedPlatform {
  /** host:port of the gateway. */
  base: string;
  adminToken: string;
  api: Api;
}

export async function operator(
  platform: TracedPlatform,
  path: string,
): Promise<{ status: number; body: any }> {
  const response = await fetch(`http://${platform.base}${path}`, {
    headers: { authorization: `Bearer ${platform.adminToken}` },
  });
  return { status: response.status, body: await response.json() };
}

const named = (spans: StoredSpan[], name: string | RegExp) =>
  spans.filter((span) => (typeof name === 'string' ? span.name === name : name.test(span.name)));

function one(spans: StoredSpan[], name: string | RegExp, service?: string): StoredSpan {
  const found = named(spans, name).filter((span) => !service || span.service === service);
  assert.ok(
    found.length > 0,
    `a span ${name}${service ? ` of ${service}` : ''} among ${spans.map((s) => `${s.service}:${s.name}`).join(', ')}`,
  );
  return found[0]!;
}

/** Votes once with a viewer watching, then checks the vote's trace and the snapshot's. */
export async function checkVoteTrace(platform: TracedPlatform): Promise<void> {
  const { base, api } = platform;
  const poll = await createWatchedPoll(api);
  const viewer = await openWebSocket(`ws://${base}/api/v1/polls/${poll.id}/live`);
  assert.equal((await viewer.next()).type, 'snapshot');

  const requestId = `vote-${randomUUID()}`;
  const voted = await fetch(`http://${base}/api/v1/polls/${poll.id}/votes`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'voter-token': `voter-${randomUUID()}`,
      'x-request-id': requestId,
    },
    body: JSON.stringify({ optionIds: [poll.options[0].id] }),
  });
  assert.equal(voted.status, 201);
  const { receiptId } = (await voted.json()) as { receiptId: string };
  const traceparent = voted.headers.get('traceparent');
  assert.match(
    String(traceparent),
    /^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/,
    'the answer names the sampled trace',
  );
  const voteTraceId = String(traceparent).split('-')[1]!;

  const snapshot: LiveMessage = await viewer.next(
    (message) => message.type === 'snapshot' && Number(message.results.totalVotes) >= 1,
    20_000,
  );
  viewer.close();

  // Found by receipt: the vote's trace, with the batch traces that link to it.
  const byReceipt = await eventually(async () => {
    const found = await operator(platform, `/admin/v1/traces?receipt=${encodeURIComponent(receiptId)}`);
    assert.equal(found.status, 200, JSON.stringify(found.body));
    one(found.body.spans, 'consume analytics-tallies', 'analytics');
    return found.body;
  }, 20_000);
  assert.equal(byReceipt.traceId, voteTraceId);
  assert.deepEqual(byReceipt.unreachable, [], 'every process answered');
  const spans: StoredSpan[] = byReceipt.spans;
  const gateway = one(spans, 'request', 'gateway');
  assert.equal(gateway.traceId, voteTraceId);
  assert.equal(gateway.attributes['canvass.request_id'], requestId);
  const polls = one(spans, 'request', 'polls');
  assert.equal(polls.traceId, voteTraceId);
  assert.ok(polls.attributes['canvass.vote.receipt_hash'], 'the receipt’s hash marks the vote');
  // Polls answers under the gateway's request span: the hop carries it (no client span between).
  assert.equal(polls.parentSpanId, gateway.spanId, 'polls answers under the gateway’s request span');
  const linksToVote = (span: StoredSpan) =>
    span.links.some((link) => link.traceId === voteTraceId && link.spanId === polls.spanId);
  for (const [name, service] of [
    ['polls write votes', 'polls'],
    ['relay publish', 'polls'],
    ['consume analytics-tallies', 'analytics'],
  ] as const) {
    const batch = named(spans, name).find((span) => span.service === service && linksToVote(span));
    assert.ok(batch, `${name} (${service}) links to the vote`);
    assert.notEqual(batch.traceId, voteTraceId, `${name} is a trace of its own`);
    assert.equal(batch.parentSpanId, null, `${name} starts its trace`);
    if (name === 'polls write votes') {
      // Its statements are its children: pg's instrumentation (cluster), Kysely's hook (PGlite).
      const statements = spans.filter(
        (span) => span.parentSpanId === batch.spanId && /^(pg|pglite)\.query/.test(span.name),
      );
      assert.ok(
        statements.length >= 2,
        `the vote batch's statements: ${statements.map((s) => s.name).join(', ')}`,
      );
    }
  }

  // Found by request id: the same trace.
  const byRequest = await operator(platform, `/admin/v1/traces?requestId=${requestId}`);
  assert.equal(byRequest.body.traceId, voteTraceId);

  // From the snapshot the viewer got: analytics' batch, its results publish and the live push.
  assert.match(String(snapshot.trace), /^[0-9a-f]{32}$/, 'the snapshot names its trace');
  const pushed = await eventually(async () => {
    const found = await operator(platform, `/admin/v1/traces/${snapshot.trace}`);
    assert.equal(found.status, 200);
    one(found.body.spans, 'realtime push', 'realtime');
    return found.body.spans as StoredSpan[];
  });
  const consume = one(pushed, 'consume analytics-tallies', 'analytics');
  const publish = one(pushed, 'analytics publish results', 'analytics');
  const push = one(pushed, 'realtime push', 'realtime');
  assert.equal(publish.parentSpanId, consume.spanId, 'results are published inside the batch');
  assert.equal(push.parentSpanId, publish.spanId, 'the push follows the published results');
  assert.ok(
    consume.links.some((link) => link.traceId === voteTraceId),
    'the batch links to the vote',
  );
}
