import assert from 'node:assert/strict';
import { test } from 'node:test';
import { EXTRA_REPLICAS_OFFSET, parseReplicas, planProcesses } from './replicas.ts';

const ones = { gateway: 1, polls: 1, analytics: 1, identity: 1, notifications: 1, billing: 1, realtime: 2 };
const fixed = { polls: 1, analytics: 2, identity: 3, notifications: 20, billing: 21, realtime: 4 };

test('replica counts parse from service=count pairs, and bad ones say what is wrong', () => {
  assert.deepEqual(parseReplicas('', ones), ones);
  assert.deepEqual(parseReplicas(' polls=2, gateway=3 ', ones), { ...ones, polls: 2, gateway: 3 });
  assert.throws(() => parseReplicas('polls', ones), /"polls" is not service=count/);
  assert.throws(() => parseReplicas('votes=2', ones), /no service "votes"; choose among gateway, polls/);
  assert.throws(() => parseReplicas('polls=0', ones), /out of range; each service runs 1 to 16/);
  assert.throws(() => parseReplicas('polls=17', ones), /out of range/);
});

test('one replica each keeps the fixed layout; more get names and ports of their own', () => {
  const single = planProcesses(ones, fixed);
  assert.deepEqual(
    single.map((p) => `${p.name}@${p.portOffset}`),
    [
      'gateway@0',
      'polls@1',
      'analytics@2',
      'identity@3',
      'notifications@20',
      'billing@21',
      'realtime-1@4',
      'realtime-2@5',
    ],
  );
  const scaled = planProcesses({ ...ones, gateway: 2, polls: 2, analytics: 3 }, fixed);
  assert.deepEqual(
    scaled.map((p) => `${p.name}@${p.portOffset}`),
    [
      'gateway-1@0',
      'gateway-2@0',
      'polls-1@1',
      `polls-2@${EXTRA_REPLICAS_OFFSET}`,
      'analytics-1@2',
      `analytics-2@${EXTRA_REPLICAS_OFFSET + 1}`,
      `analytics-3@${EXTRA_REPLICAS_OFFSET + 2}`,
      'identity@3',
      'notifications@20',
      'billing@21',
      'realtime-1@4',
      'realtime-2@5',
    ],
  );
  const ports = scaled.filter((p) => p.service !== 'gateway').map((p) => p.portOffset);
  assert.equal(new Set(ports).size, ports.length, 'no two processes share a port but the gateways');
});
