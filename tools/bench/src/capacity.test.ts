import assert from 'node:assert/strict';
import { test } from 'node:test';
import { capacityFigures, renderCapacity } from './capacity.ts';
import type { CpuPerRequest } from './cpu-meter.ts';

const cpu = {
  windowMs: 10_000,
  totalMs: 5_400,
  requests: 2_000,
  msPerRequest: 2.7,
  loadGeneratorMs: 100,
  machineMs: 6_000,
  processes: [
    { process: 'gateway', count: 1, cpuMs: 660, msPerRequest: 0.33 },
    { process: 'polls', count: 1, cpuMs: 740, msPerRequest: 0.37 },
    { process: 'postgres: checkpointer', count: 1, cpuMs: 2, msPerRequest: 0.001 },
  ],
} as unknown as CpuPerRequest;

test('capacity figures turn CPU per vote into votes/s per core, busiest first, idle processes left out', () => {
  const figures = capacityFigures(cpu, null, undefined);
  assert.deepEqual(figures.perCore, [
    { process: 'polls', msPerVote: 0.37, votesPerSecondPerCore: 2_703 },
    { process: 'gateway', msPerVote: 0.33, votesPerSecondPerCore: 3_030 },
  ]);
  assert.equal(figures.realtime, null);
  const text = renderCapacity(figures).join('\n');
  assert.match(text, /\| polls \| 0\.37 \| 2,703 \|/);
  assert.match(text, /\*\*every process\*\* \| \*\*2\.7\*\* \| \*\*370\*\*/);
  assert.doesNotMatch(text, /What a vote leaves behind/);
});

test('storage and fan-out figures are said when measured', () => {
  const text = renderCapacity(
    capacityFigures(
      cpu,
      {
        votes: 1_000,
        rowsPerVote: 2,
        voteEventJsonBytes: 566,
        pollEventRowBytes: 832,
        voteRowBytes: 233,
        streamBytesPerMessage: null,
      },
      { realtimeDeliveredPerSecond: 38_555, memoryPerConnectionKiB: 20.1 } as never,
    ),
  ).join('\n');
  assert.match(text, /2\.00 rows \(a votes row of 233 bytes and a poll_events row of 832\)/);
  assert.match(text, /566 bytes of JSON; the POLLS stream could not be read/);
  assert.match(text, /38,555 snapshots\/s, 20\.1 KiB per idle viewer; .* 3,856 viewers/);
});
