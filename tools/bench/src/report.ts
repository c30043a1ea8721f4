// The benchmark's markdown report: one table of every figure with its baseline and ratio, then
// the correctness check and, when profiled, where the CPU went.
import type { EventingResult } from './eventing-phase.ts';
import type { ProfileSummary } from './profile-summary.ts';
import type { HopFigures, ProxyResult } from './proxy-phase.ts';
import type { VotesResult } from './votes-phase.ts';

export interface BenchResults {
  eventing: EventingResult;
  proxy: ProxyResult;
  votes: VotesResult;
  profiles?: ProfileSummary[];
}

const n = (value: number) => Math.round(value).toLocaleString('en-US');
const ratio = (value: number, base: number) => (base > 0 ? (value / base).toFixed(2) : '–');
const row = (cells: (string | number)[]) => `| ${cells.join(' | ')} |`;

export function renderTable(results: BenchResults): string {
  const { eventing, proxy, votes } = results;
  const hop = (name: string, figures: HopFigures) =>
    row([
      `upstream GET via ${name} (+${figures.addedP99Ms} ms p99; ${figures.cpuMsPerRequest} ms CPU per request)`,
      n(figures.requestsPerSecond),
      figures.p50Ms,
      figures.p99Ms,
      '',
      ratio(figures.requestsPerSecond, proxy.direct.requestsPerSecond),
    ]);
  const lines = [
    row(['measure', 'per second', 'p50 ms', 'p99 ms', 'p99.9 ms', 'ratio']),
    '|---|---:|---:|---:|---:|---:|',
    row(['raw JetStream async publish (baseline)', n(eventing.rawPublishPerSecond), '', '', '', '1.00']),
    row([
      'outbox → relay → JetStream → consumer',
      n(eventing.pipelinePerSecond),
      '',
      '',
      '',
      eventing.ratio.toFixed(2),
    ]),
    row([
      'upstream GET, direct (baseline)',
      n(proxy.direct.requestsPerSecond),
      proxy.direct.p50Ms,
      proxy.direct.p99Ms,
      '',
      '1.00',
    ]),
    proxy.nginx
      ? hop('nginx', proxy.nginx)
      : row([`nginx: ${proxy.note ?? 'not measured'}`, '', '', '', '', '']),
    hop('the gateway', proxy.gateway),
    row([
      'gateway GET /healthz (baseline)',
      n(votes.baseline.requestsPerSecond),
      votes.baseline.p50Ms,
      votes.baseline.p99Ms,
      votes.baseline.p999Ms,
      '1.00',
    ]),
    row([
      `acked votes at saturation, one poll (${votes.onePoll.failed} failed)`,
      n(votes.onePoll.requestsPerSecond),
      votes.onePoll.p50Ms,
      votes.onePoll.p99Ms,
      votes.onePoll.p999Ms,
      ratio(votes.onePoll.requestsPerSecond, votes.baseline.requestsPerSecond),
    ]),
    row([
      `acked votes at saturation, ${votes.manyPolls.polls} polls (${votes.manyPolls.failed} failed)`,
      n(votes.manyPolls.requestsPerSecond),
      votes.manyPolls.p50Ms,
      votes.manyPolls.p99Ms,
      votes.manyPolls.p999Ms,
      ratio(votes.manyPolls.requestsPerSecond, votes.baseline.requestsPerSecond),
    ]),
    ...votes.rates.map((rate) =>
      row([
        `votes offered at ${n(rate.offeredPerSecond)}/s, open loop (acked; ${rate.failed} failed, ${rate.shed} shed)`,
        n(rate.achievedPerSecond),
        rate.p50Ms,
        rate.p99Ms,
        rate.p999Ms,
        ratio(rate.achievedPerSecond, rate.offeredPerSecond),
      ]),
    ),
  ];
  const fresh = votes.freshness;
  if (fresh) {
    lines.push(
      row([
        `ack → results read model, at ${n(fresh.atOfferedPerSecond)} votes/s (${fresh.samples} probes)`,
        '',
        fresh.readModel.p50Ms,
        fresh.readModel.p99Ms,
        '',
        '',
      ]),
      row([
        `ack → live WebSocket viewer, at ${n(fresh.atOfferedPerSecond)} votes/s`,
        '',
        fresh.screen.p50Ms,
        fresh.screen.p99Ms,
        '',
        '',
      ]),
    );
  }
  const { correctness } = votes;
  lines.push(
    '',
    `Correctness while measuring: open loop, ${n(correctness.acknowledged)} votes acknowledged and ${n(correctness.counted)} counted: ${correctness.equal ? 'equal' : 'NOT EQUAL'}. ` +
      `Closed loop, ${n(correctness.closedLoop.acknowledged)} acknowledged and ${n(correctness.closedLoop.counted)} counted ` +
      `(${correctness.closedLoop.inFlightAtStop} in flight when the loads stopped; at most one per connection per run, 2 × ${votes.connections}).`,
  );
  for (const profile of results.profiles ?? []) {
    lines.push(
      '',
      `${profile.process} (${profile.totalMs} ms on CPU):`,
      ...profile.top.map((entry) => `  ${entry.percent}% ${entry.name}`),
    );
  }
  return lines.join('\n');
}
