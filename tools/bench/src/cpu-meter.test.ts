import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type CpuSample, cpuBetween, sampleCpu } from './cpu-meter.ts';
import { clusterLabel, postgresLabel } from './cpu-sources.ts';

const sample = (
  at: number,
  processes: [key: string, source: string, label: string, ownMs: number][],
  treeMs: Record<string, number>,
): CpuSample => ({
  at,
  processes: new Map(processes.map(([key, source, label, ownMs]) => [key, { source, label, ownMs }])),
  treeMs: new Map(Object.entries(treeMs)),
});

test('CPU in a window: per row, new processes from zero, exited ones through their parent', () => {
  const before = sample(
    0,
    [
      ['1@10', 'postgres', 'postgres: postmaster', 100],
      ['2@11', 'postgres', 'postgres: backends on canvass_bench_polls', 500],
      ['3@12', 'postgres', 'postgres: backends on canvass_bench_polls', 300],
      ['9@13', 'nats', 'nats', 40],
    ],
    { postgres: 900, nats: 40 },
  );
  // Backend 3 exited having used 350 ms in all (50 in the window): its parent reaped it. Backend
  // 4 started in the window, on a reused pid (3's, another start time): another process.
  const after = sample(
    2_000,
    [
      ['1@10', 'postgres', 'postgres: postmaster', 110],
      ['2@11', 'postgres', 'postgres: backends on canvass_bench_polls', 700],
      ['3@20', 'postgres', 'postgres: backends on canvass_bench_polls', 80],
      ['9@13', 'nats', 'nats', 55],
    ],
    { postgres: 110 + 350 + 700 + 80, nats: 55 },
  );
  const use = cpuBetween(before, after);
  assert.equal(use.windowMs, 2_000);
  assert.equal(use.totalMs, 10 + 200 + 80 + 50 + 15);
  assert.deepEqual(use.processes, [
    { process: 'postgres: backends on canvass_bench_polls', count: 2, cpuMs: 280 },
    { process: 'postgres: processes that exited in the window', count: 1, cpuMs: 50 },
    { process: 'nats', count: 1, cpuMs: 15 },
    { process: 'postgres: postmaster', count: 1, cpuMs: 10 },
  ]);
});

test('a sample of this process reads its CPU from /proc', async () => {
  const until = performance.now() + 60;
  while (performance.now() < until); // on CPU for a while
  const reading = await sampleCpu([{ name: 'bench', rootPid: process.pid }]);
  assert.equal(reading.processes.size >= 1, true);
  assert.ok((reading.treeMs.get('bench') ?? 0) > 0);
});

test('processes are named by what they are', () => {
  const label = postgresLabel('canvass_bench_');
  assert.equal(label('/usr/lib/postgresql/15/bin/postgres -D /var/lib', true), 'postgres: postmaster');
  assert.equal(label('postgres: 15/main: checkpointer', false), 'postgres: checkpointer');
  assert.equal(label('postgres: walwriter', false), 'postgres: walwriter');
  assert.equal(
    label('postgres: 15/main: postgres canvass_bench_polls 127.0.0.1(52344) idle', false),
    'postgres: backends on canvass_bench_polls',
  );
  assert.equal(
    label('postgres: canvass canvass_test_polls [local] INSERT', false),
    'postgres: backends on canvass_test_polls (not the benchmark’s)',
  );
  assert.equal(clusterLabel('node tools/launcher/src/cluster.ts', true), 'launcher');
  assert.equal(clusterLabel('/usr/bin/node services/realtime/src/main.ts', false), 'realtime');
});
