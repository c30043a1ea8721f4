// One vote's trace in the embedded tier (see tests/support/tracing.ts), and what the trace API
// answers when it has nothing to show.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, test } from 'node:test';
import { type EmbeddedPlatform, startEmbeddedPlatform } from '@canvass/launcher';
import { startTracing } from '@canvass/telemetry';
import { injectApi } from '../support/api.ts';
import { checkVoteTrace, operator as operatorAt } from '../support/tracing.ts';

const tracing = startTracing('canvass', { OTEL_TRACES_SAMPLER_ARG: '1' });
const ADMIN = `admin-${randomUUID()}`;
let platform: EmbeddedPlatform;
let base = '';

before(async () => {
  platform = await startEmbeddedPlatform({ dataDir: 'memory://', logLevel: 'silent', adminToken: ADMIN });
  await platform.gateway.listen({ port: 0, host: '127.0.0.1' });
  const address = platform.gateway.server.address();
  base = `127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
});
after(async () => {
  await platform.stop();
  await tracing?.shutdown();
});

test('a vote’s trace covers the gateway, polls, the relay, analytics and the live push, with parents and links', async () => {
  assert.ok(tracing, 'tracing starts');
  await checkVoteTrace({ base, adminToken: ADMIN, api: injectApi(platform.gateway) });
  // The viewer's snapshot counted the vote: vote → screen was measured.
  const metrics = await fetch(`http://${base}/metrics`, { headers: { authorization: `Bearer ${ADMIN}` } });
  const count = /canvass_vote_to_screen_seconds_count (\d+)/.exec(await metrics.text());
  assert.ok(Number(count?.[1]) >= 1, 'vote → screen is measured');
});

test('trace lookups say what they could not find, in problem+json', async () => {
  const operator = (path: string) =>
    operatorAt({ base, adminToken: ADMIN, api: injectApi(platform.gateway) }, path);
  const missing = await operator(`/admin/v1/traces/${'ab'.repeat(16)}`);
  assert.equal(missing.status, 404);
  assert.equal(missing.body.type.endsWith('trace-not-found'), true);
  const malformed = await operator('/admin/v1/traces/not-a-trace');
  assert.equal(malformed.status, 400);
  const noToken = await fetch(`http://${base}/admin/v1/traces?reason=error`);
  assert.equal(noToken.status, 401);
  const recent = await operator('/admin/v1/traces?limit=5');
  assert.equal(recent.status, 200);
  assert.ok(recent.body.traces.length > 0 && recent.body.traces.length <= 5);
});
