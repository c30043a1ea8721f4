import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { CpuPerRequest } from './cpu-meter.ts';
import type { WindowFigures } from './fanout-window.ts';
import { headlines } from './headlines.ts';
import { type BenchResults, chartData, renderEvents, renderReplicas, renderTable } from './report.ts';

const cpuWindow = (requests: number, rows: [string, number, number][]): CpuPerRequest => {
  const totalMs = rows.reduce((sum, [, , ms]) => sum + ms, 0);
  return {
    windowMs: 10_400,
    totalMs,
    requests,
    msPerRequest: totalMs / requests,
    loadGeneratorMs: 2_000,
    machineMs: totalMs + 2_500,
    processes: rows.map(([process, count, cpuMs]) => ({
      process,
      count,
      cpuMs,
      msPerRequest: cpuMs / requests,
    })),
  };
};

const fanoutWindow: WindowFigures = {
  offered: '10 updates/s',
  seconds: 10,
  updates: 100,
  updatesPerSecond: 10,
  deliveredPerSecond: 100_000,
  missedPerViewer: 0,
  drained: true,
  drainSeconds: 0,
  latencyP50Ms: 5,
  latencyP99Ms: 30,
  serverCpuPercent: 40,
  serverCpuUsPerMessage: 4,
  viewersCpuPercent: 60,
  machineBusyPercent: 100,
  otherCpuPercent: 10,
  serverRssKiB: 90_000,
  serverStallMs: 10,
};
const fanoutSide = {
  viewers: 10_000,
  connectSeconds: 4,
  rssBeforeKiB: 80_000,
  rssConnectedKiB: 160_000,
  memoryPerConnectionKiB: 8,
  productRate: fanoutWindow,
  saturated: fanoutWindow,
  updates: 300,
  dropped: 0,
  disordered: 0,
};
const start = { readyMs: 2_100, reportedReadyMs: 2_000, rssMb: 410, stopMs: 120, exitCode: 0 };
const hop = { p50Ms: 2, p99Ms: 9, addedP99Ms: 5, failed: 0 };

const results: BenchResults = {
  ceilings: {
    seconds: 8,
    connections: 64,
    rows: 500_000,
    helloPerSecond: 27_563,
    bareProxy: { perSecond: 9_120, p50Ms: 6, p99Ms: 15, p999Ms: 30, cpuMsPerRequest: 0.041 },
    pgBatchedRowsPerSecond: 151_000,
    pgSingleRowsPerSecond: 7_000,
    pgSingleRows: 50_000,
  },
  eventing: { events: 50_000, rawPublishPerSecond: 90_000, pipelinePerSecond: 20_000, ratio: 0.22 },
  proxy: {
    direct: { ...hop, requestsPerSecond: 27_000, cpuMsPerRequest: null },
    bareUndici: { ...hop, requestsPerSecond: 9_300, cpuMsPerRequest: 0.04 },
    nginx: null,
    gateway: { ...hop, requestsPerSecond: 6_100, cpuMsPerRequest: 0.066 },
    note: 'nginx is not installed',
  },
  votes: {
    connections: 64,
    seconds: 10,
    baseline: { requestsPerSecond: 27_000, ok: 270_000, failed: 0, p50Ms: 1, p99Ms: 15, p999Ms: 20 },
    onePoll: { requestsPerSecond: 1_119, ok: 11_190, failed: 0, p50Ms: 52, p99Ms: 159, p999Ms: 200 },
    manyPolls: {
      requestsPerSecond: 2_000,
      ok: 20_000,
      failed: 0,
      p50Ms: 30,
      p99Ms: 90,
      p999Ms: 120,
      polls: 16,
    },
    cpu: {
      notes: ['Redis is not on this machine: its CPU is not counted'],
      healthz: cpuWindow(270_000, [['gateway', 1, 13_500]]),
      onePoll: cpuWindow(11_190, [
        ['polls', 1, 4_000],
        ['postgres: backends on canvass_bench_polls', 6, 5_000],
      ]),
      manyPolls: cpuWindow(20_000, [
        ['polls', 1, 6_000],
        ['gateway', 1, 3_000],
        ['postgres: backends on canvass_bench_polls', 8, 7_000],
        ['postgres: processes that exited in the window', 1, 100],
      ]),
      offered: [
        {
          perSecond: 1_000,
          probed: false,
          cpu: cpuWindow(10_000, [
            ['polls', 1, 4_000],
            ['gateway', 1, 3_500],
            ['postgres: backends on canvass_bench_polls', 5, 6_000],
          ]),
        },
        { perSecond: 2_500, cpu: cpuWindow(25_000, [['polls', 1, 7_500]]), probed: true },
      ],
    },
    rates: [1_000, 2_500].map((rate) => ({
      offeredPerSecond: rate,
      sent: rate * 10,
      ok: rate * 10,
      failed: 0,
      shed: 0,
      achievedPerSecond: rate,
      p50Ms: 12,
      p99Ms: rate === 1_000 ? 41.5 : 300,
      p999Ms: 400,
      maxMs: 500,
    })),
    ackAt: 1_000,
    unloaded: {
      samples: 40,
      ack: { p50Ms: 4, p99Ms: 9 },
      readModel: { p50Ms: 15, p99Ms: 30 },
      screen: { p50Ms: 16, p99Ms: 31 },
      voteToScreen: { p50Ms: 20, p99Ms: 38 },
    },
    freshness: {
      samples: 60,
      ack: { p50Ms: 20, p99Ms: 80 },
      readModel: { p50Ms: 90, p99Ms: 180 },
      screen: { p50Ms: 95, p99Ms: 190 },
      voteToScreen: { p50Ms: 113, p99Ms: 236 },
      atOfferedPerSecond: 2_500,
    },
    correctness: {
      acknowledged: 35_000,
      counted: 35_000,
      equal: true,
      closedLoop: { acknowledged: 31_190, counted: 31_250, inFlightAtStop: 60 },
    },
  },
  fanout: {
    viewers: 10_000,
    connected: 10_000,
    rawDeliveredPerSecond: 100_000,
    realtimeDeliveredPerSecond: 95_000,
    ratio: 0.95,
    ratioAtProductRate: 1,
    cpuRatio: 0.8,
    memoryPerConnectionKiB: 8,
    updatesPublished: 300,
    missedPerViewer: { productRate: 0, saturated: 0 },
    coalescedByRealtime: 0,
    raw: fanoutSide,
    realtime: fanoutSide,
  },
  embedded: {
    firstStart: start,
    warmStart: start,
    votes: {
      connections: 64,
      seconds: 10,
      perSecond: 900,
      p50Ms: 60,
      p99Ms: 200,
      p999Ms: 300,
      accepted: 9_000,
      rateLimited: 0,
      failed: 0,
      inFlightAtStop: 64,
      totalVotes: 9_064,
      consistent: true,
    },
    rssAfterLoadMb: 520,
  },
  web: {
    loads: 0,
    voterReadyMs: { p50: 0, p90: 0 },
    voterFcpMs: 0,
    baselineReadyMs: { p50: 0, p90: 0 },
    voterTransferKb: 0,
    note: 'no Chromium at /usr/bin/chromium',
  },
};

const rowOf = (table: string, start: string) =>
  table.split('\n').find((line) => line.startsWith(`| ${start}`));

test('every headline figure sits beside its same-run baseline, ratio and target', () => {
  const table = renderTable(results);
  assert.doesNotMatch(table, /undefined|NaN|Infinity|\[object/);
  assert.equal(
    rowOf(table, 'acked votes/s through the gateway, 16 polls'),
    '| acked votes/s through the gateway, 16 polls, 64 connections | 2,000/s | bare undici proxy hop: 9,120/s | 0.22× | ≥ 5,000/s and ≥ 0.25× |',
  );
  assert.match(
    rowOf(table, 'acked votes/s through the gateway, one poll')!,
    /1,119\/s .* 0\.12× \| ≥ 5,000\/s/,
  );
  assert.equal(
    rowOf(table, 'CPU per acked vote, all processes, 16 polls'),
    '| CPU per acked vote, all processes, 16 polls at saturation | 0.805 ms | bare undici hop, CPU per proxied request: 0.040 ms | 20.13× | ≤ 0.35 ms |',
  );
  assert.match(
    rowOf(table, 'ack p99 at 1,000 votes/s offered')!,
    /\| 42 ms \| ack p99, one vote at a time, no other load \(40 probes\): 9 ms \| 4\.61× \| ≤ 50 ms at 1,000 votes\/s offered \|$/,
  );
  assert.match(
    rowOf(table, 'vote → live viewer p99 at 2,500 votes/s offered')!,
    /\| 236 ms \| .*: 38 ms \| 6\.21× \| ≤ 250 ms at 2,500 votes\/s offered \|$/,
  );
  assert.match(
    rowOf(table, 'gateway CPU per proxied request')!,
    /\| 0\.066 ms \| bare undici hop, CPU per proxied request: 0\.040 ms \| 1\.65× \| ≤ 1\.5× \|$/,
  );
});

test('the CPU table breaks each window down by process, beside what else ran', () => {
  const table = renderTable(results);
  assert.equal(
    rowOf(table, 'postgres: backends on canvass_bench_polls'),
    '| postgres: backends on canvass_bench_polls (8 processes) | 0.000 | 0.447 | 0.350 | 0.600 | 0.000 | 43% |',
  );
  assert.match(rowOf(table, 'gateway |')!, /\| 0\.050 \| 0\.000 \| 0\.150 \| 0\.350 \| 0\.000 \| 19% \|$/);
  assert.match(
    rowOf(table, '**total**')!,
    /\*\*0\.050\*\* \| \*\*0\.804\*\* \| \*\*0\.805\*\* \| \*\*1\.350\*\* \| \*\*0\.300\*\* \| 100% \|$/,
  );
  assert.ok(rowOf(table, 'the load generator'));
  assert.match(
    rowOf(table, 'everything else on this machine')!,
    /\| 0\.002 \| 0\.045 \| 0\.025 \| 0\.050 \| 0\.020 \| {2}\|$/,
  );
  assert.ok(
    rowOf(table, 'CPU ms per request, by process')!.includes(
      '| acked vote at 1,000/s offered | acked vote at 2,500/s offered |',
    ),
  );
  assert.match(table, /1,000\/s offered \(open loop over 16 polls\) 10\.4 s, 10,000 votes/);
  assert.match(table, /the freshness probe \([^)]*\) ran during the 2,500\/s load/);
  assert.match(table, /Note: Redis is not on this machine/);
});

test('figures a run did not measure render as such, not as zeros', () => {
  const unmeasured: BenchResults = {
    ...results,
    votes: { ...results.votes, cpu: null, freshness: null, unloaded: null, rates: [] },
  };
  const table = renderTable(unmeasured);
  assert.doesNotMatch(table, /undefined|NaN|Infinity/);
  assert.match(
    rowOf(table, 'CPU per acked vote, all processes, 16 polls')!,
    /not measured: no CPU sources\) \| – \|/,
  );
  assert.match(rowOf(table, 'ack p99 at 1,000 votes/s offered')!, /\| – \| .*: – \| – \|/);
  assert.match(rowOf(table, 'vote → live viewer p99 under load')!, /not measured/);
  assert.equal(rowOf(table, 'CPU ms per request, by process'), undefined);
});

test('the JSON keeps each headline with its target as data', () => {
  const list = headlines(results);
  assert.equal(list.length, 7);
  assert.deepEqual(list[0]!.target, { measured: { atLeast: 5_000 }, ratio: { atLeast: 0.25 } });
  assert.equal(list[0]!.ratio, 0.219);
  assert.deepEqual(list.at(-1)!.target, { ratio: { atMost: 1.5 } });
  assert.equal(list.at(-1)!.ratio, 1.65);
  const chart = chartData(results);
  assert.ok(chart.throughput.some((bar) => bar.label === 'GET via the bare undici hop'));
  assert.ok(chart.latency.some((measure) => measure.label === 'vote → live viewer at 2,500/s'));
});

test('replicas: ratios against one process per service, and refusals with whether every ack was counted', () => {
  const lines = renderReplicas({
    polls: 16,
    connections: 64,
    seconds: 10,
    settings: [
      { replicas: '×1', votesPerSecond: 500, p99Ms: 300, failed: 0, cpuMsPerVote: 3 },
      { replicas: '×2', votesPerSecond: 450, p99Ms: 350, failed: 0, cpuMsPerVote: 3.6 },
    ],
    faults: [
      {
        fault: 'a polls process SIGKILLed',
        load: '12 clients, unpaced',
        seconds: 23,
        sent: 4_000,
        refused: 20,
        refusals: ['502 {"type":"…"}'],
        acknowledged: 3_980,
        counted: 3_980,
      },
      {
        fault: 'rolling restart of every process',
        load: '6 clients, 40 ms apart',
        seconds: 150,
        sent: 9_000,
        refused: 0,
        refusals: [],
        acknowledged: 9_000,
        counted: 8_999,
      },
    ],
  }).join('\n');
  assert.match(lines, /\| ×2 \| 450 \| 350 \| 3\.6 \| 0 \| 0\.90 \| 1\.20 \|/);
  assert.match(
    lines,
    /\| a polls process SIGKILLed \| 12 clients, unpaced \| 23 \| 4,000 \| 20 \| 0\.50% \| every acknowledged vote \(3,980\) \|/,
  );
  assert.match(lines, /8,999 of 9,000 acknowledged: LOST 1/);
  assert.match(lines, /first refusals: 502/);
  assert.match(renderReplicas(null).join('\n'), /not measured/);
});

test('the events figures read as numbers beside the raw broadcast and votes on one poll', () => {
  const lines = renderEvents({
    participants: 10_000,
    connected: 10_000,
    presses: 20,
    nextToScreen: {
      samples: 200_000,
      missed: 0,
      p50Ms: 180,
      p99Ms: 420,
      everyoneP50Ms: 400,
      everyoneP99Ms: 600,
    },
    rawBroadcast: {
      samples: 200_000,
      missed: 0,
      p50Ms: 60,
      p99Ms: 150,
      everyoneP50Ms: 140,
      everyoneP99Ms: 200,
    },
    everyoneRatio: 3,
    upvotes: {
      connections: 64,
      seconds: 10,
      perSecond: 900,
      p99Ms: 120,
      failed: 0,
      counted: 9_010,
      accepted: 9_000,
      consistent: true,
    },
    votesOnePoll: { connections: 64, seconds: 10, perSecond: 1_200, p99Ms: 90, failed: 0 },
    upvoteRatio: 0.75,
  }).join('\n');
  assert.match(lines, /\| presenter's next → participants \| 180 \| 420 \| 400 \| 600 \| 0 \|/);
  assert.match(lines, /Everyone reached, p99: 3\.00× the raw broadcast/);
  assert.match(
    lines,
    /Upvotes on one question: 900\/s .* 0\.75× votes on one poll in the same run \(1,200\/s\); 9,000 acknowledged and 9,010 counted: consistent/,
  );
});
