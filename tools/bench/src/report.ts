// The benchmark's markdown report: the headline figures with their baselines and targets, one table
// of every figure with its baseline and ratio, the CPU per vote of every process, then the
// correctness check and, when profiled, where the CPU went.

import type { BillingResult } from './billing-phase.ts';
import { billingBars, renderBillingRows } from './billing-report.ts';
import { type CapacityFigures, renderCapacity } from './capacity.ts';
import type { CeilingsResult } from './ceilings-phase.ts';
import type { ChartData } from './chart.ts';
import type { EmbeddedResult } from './embedded-phase.ts';
import type { EventingResult } from './eventing-phase.ts';
import type { EventsResult } from './events-phase.ts';
import type { FanoutResult } from './fanout-phase.ts';
import { headlines, renderHeadlines } from './headlines.ts';
import type { InternalTlsResult } from './internal-tls-phase.ts';
import type { ProfileSummary } from './profile-summary.ts';
import type { HopFigures, ProxyResult } from './proxy-phase.ts';
import { type ReplicasResult, TWO_REPLICAS } from './replicas-phase.ts';
import { renderCpuBreakdown } from './report-cpu.ts';
import type { TracingResult } from './tracing-phase.ts';
import { renderTracing } from './tracing-report.ts';
import type { VotesResult } from './votes-phase.ts';
import type { WebResult } from './web-phase.ts';
import type { WebhooksResult } from './webhooks-phase.ts';
import { renderWebhookRows, renderWebhooksNote, webhookBars } from './webhooks-report.ts';

export interface BenchResults {
  ceilings: CeilingsResult;
  embedded: EmbeddedResult;
  eventing: EventingResult;
  fanout: FanoutResult;
  proxy: ProxyResult;
  votes: VotesResult;
  web: WebResult;
  /** The capacity model's inputs: votes/s per core per process, storage per vote, fan-out. */
  capacity?: CapacityFigures | null;
  /** Votes with mutual TLS between services on and off (not measured with --quick). */
  internalTls?: InternalTlsResult | null;
  /** One process per service against two, and refusals during a kill and a rolling restart. */
  replicas?: ReplicasResult | null;
  /** Votes with tracing off, on at the default sampling, and its knobs (issue 17). */
  tracing?: TracingResult | null;
  /** Webhook deliveries against a raw POST loop (issue 15). */
  webhooks?: WebhooksResult | null;
  /** Upgrade sagas against the charge call alone (issue 16). */
  billing?: BillingResult | null;
  /** The presenter's next to every participant, and upvotes per second (issue 19). */
  events?: EventsResult | null;
  profiles?: ProfileSummary[];
}

const n = (value: number) => Math.round(value).toLocaleString('en-US');
const ratio = (value: number, base: number) => (base > 0 ? (value / base).toFixed(2) : '–');
const row = (cells: (string | number)[]) => `| ${cells.join(' | ')} |`;

export function renderTable(results: BenchResults): string {
  const { ceilings, embedded, eventing, proxy, votes } = results;
  const bare = ceilings.bareProxy;
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
    renderHeadlines(headlines(results)),
    '',
    row(['measure', 'per second', 'p50 ms', 'p99 ms', 'p99.9 ms', 'ratio']),
    '|---|---:|---:|---:|---:|---:|',
    row(['**ceilings**', '', '', '', '', '']),
    row(['node:http hello world', n(ceilings.helloPerSecond), '', '', '', '']),
    row([
      `bare undici proxy hop (${bare.cpuMsPerRequest} ms CPU per request)`,
      n(bare.perSecond),
      bare.p50Ms,
      bare.p99Ms,
      bare.p999Ms,
      ratio(bare.perSecond, ceilings.helloPerSecond),
    ]),
    row([
      'PostgreSQL insert, 500 rows per statement (rows)',
      n(ceilings.pgBatchedRowsPerSecond),
      '',
      '',
      '',
      '1.00',
    ]),
    row([
      'PostgreSQL insert, one row per statement (rows)',
      n(ceilings.pgSingleRowsPerSecond),
      '',
      '',
      '',
      ratio(ceilings.pgSingleRowsPerSecond, ceilings.pgBatchedRowsPerSecond),
    ]),
    row(['**event backbone**', '', '', '', '', '']),
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
    hop('the bare undici hop', proxy.bareUndici),
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
  const { unloaded } = votes;
  if (unloaded) {
    lines.push(
      row([
        `one probe vote at a time, no other load (baseline; ${unloaded.samples} probes): sent → acked`,
        '',
        unloaded.ack.p50Ms,
        unloaded.ack.p99Ms,
        '',
        '',
      ]),
      row([
        'the same, sent → live WebSocket viewer',
        '',
        unloaded.voteToScreen.p50Ms,
        unloaded.voteToScreen.p99Ms,
        '',
        '',
      ]),
    );
  }
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
      row([
        `vote sent → live WebSocket viewer, at ${n(fresh.atOfferedPerSecond)} votes/s`,
        '',
        fresh.voteToScreen.p50Ms,
        fresh.voteToScreen.p99Ms,
        '',
        unloaded ? ratio(fresh.voteToScreen.p99Ms, unloaded.voteToScreen.p99Ms) : '',
      ]),
    );
  }
  const { fanout } = results;
  lines.push(
    row([`**fan-out: ${n(fanout.connected)} viewers on one realtime process**`, '', '', '', '', '']),
    row([
      'raw ws broadcast, snapshots delivered (baseline)',
      n(fanout.rawDeliveredPerSecond),
      '',
      '',
      '',
      '1.00',
    ]),
    row([
      `realtime, snapshots delivered (${fanout.memoryPerConnectionKiB} KiB per connection; target ≥ 0.9)`,
      n(fanout.realtimeDeliveredPerSecond),
      '',
      '',
      '',
      fanout.ratio.toFixed(2),
    ]),
  );
  const start = (name: string, figures: EmbeddedResult['firstStart']) =>
    row([
      `embedded tier, ${name} (RSS at ready ${figures.rssMb ?? '–'} MB)`,
      '',
      '',
      '',
      '',
      `${(figures.readyMs / 1000).toFixed(1)} s`,
    ]);
  lines.push(
    row(['**embedded tier**', '', '', '', '', '']),
    start('first start, new data folder', embedded.firstStart),
    start('warm start (target ≤ 3 s, ≤ 600 MB)', embedded.warmStart),
    row([
      `embedded votes, one poll (RSS after ${embedded.rssAfterLoadMb ?? '–'} MB; counted = acked: ${embedded.votes.consistent ? 'yes' : 'NO'})`,
      n(embedded.votes.perSecond),
      embedded.votes.p50Ms,
      embedded.votes.p99Ms,
      embedded.votes.p999Ms,
      '',
    ]),
  );
  const { web } = results;
  lines.push(
    row([
      `**voter page on a throttled phone** (cold cache, 4× CPU, Slow 4G; ${web.loads} loads)`,
      '',
      '',
      '',
      '',
      '',
    ]),
    ...(web.note
      ? [row([web.note, '', '', '', '', ''])]
      : [
          row([
            `page without JavaScript, same poll, until its options show (baseline; p90 ${n(web.baselineReadyMs.p90)} ms)`,
            '',
            n(web.baselineReadyMs.p50),
            '',
            '',
            '1.00',
          ]),
          row([
            `voter page until the ballot can be tapped (p90 ${n(web.voterReadyMs.p90)} ms; first paint ${n(web.voterFcpMs)} ms; ${web.voterTransferKb} KB over the wire)`,
            '',
            n(web.voterReadyMs.p50),
            '',
            '',
            ratio(web.voterReadyMs.p50, web.baselineReadyMs.p50),
          ]),
        ]),
  );
  lines.push(...renderWebhookRows(results.webhooks));
  lines.push(...renderBillingRows(results.billing));
  if (votes.cpu) lines.push('', renderCpuBreakdown(votes.cpu, votes.manyPolls.polls));
  lines.push(...renderCapacity(results.capacity));
  lines.push('', ...renderInternalTls(results.internalTls));
  if (results.replicas !== undefined) lines.push('', ...renderReplicas(results.replicas));
  if (results.tracing !== undefined) lines.push('', ...renderTracing(results.tracing));
  if (results.webhooks) lines.push('', ...renderWebhooksNote(results.webhooks));
  if (results.events) lines.push('', ...renderEvents(results.events));
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

/** The chart (bench/results/*.svg): throughput against baselines, and latency percentiles. */
export function chartData(results: BenchResults): ChartData {
  const { ceilings, eventing, proxy, votes, embedded } = results;
  return {
    title: 'Canvass benchmark (this machine, one run)',
    throughput: [
      { label: 'node:http hello world', perSecond: ceilings.helloPerSecond, group: 'ceilings' },
      { label: 'bare proxy hop', perSecond: ceilings.bareProxy.perSecond, group: 'ceilings' },
      { label: 'raw JetStream publish', perSecond: eventing.rawPublishPerSecond, group: 'backbone' },
      {
        label: 'outbox → JetStream → consumer',
        perSecond: eventing.pipelinePerSecond,
        ratio: eventing.ratio,
        group: 'backbone',
      },
      {
        label: 'GET via the bare undici hop',
        perSecond: proxy.bareUndici.requestsPerSecond,
        ratio: proxy.bareUndici.requestsPerSecond / proxy.direct.requestsPerSecond,
        group: 'proxies',
      },
      ...(proxy.nginx
        ? [
            {
              label: 'GET via nginx',
              perSecond: proxy.nginx.requestsPerSecond,
              ratio: proxy.nginx.requestsPerSecond / proxy.direct.requestsPerSecond,
              group: 'proxies',
            },
          ]
        : []),
      {
        label: 'GET via the gateway',
        perSecond: proxy.gateway.requestsPerSecond,
        ratio: proxy.gateway.requestsPerSecond / proxy.direct.requestsPerSecond,
        group: 'proxies',
      },
      { label: 'votes, one poll', perSecond: votes.onePoll.requestsPerSecond, group: 'votes' },
      {
        label: `votes, ${votes.manyPolls.polls} polls`,
        perSecond: votes.manyPolls.requestsPerSecond,
        ratio: votes.manyPolls.requestsPerSecond / ceilings.bareProxy.perSecond,
        group: 'votes',
      },
      { label: 'votes, embedded tier', perSecond: embedded.votes.perSecond, group: 'votes' },
      ...webhookBars(results.webhooks),
      ...billingBars(results.billing),
    ],
    latency: [
      {
        label: 'bare proxy hop',
        p50Ms: ceilings.bareProxy.p50Ms,
        p99Ms: ceilings.bareProxy.p99Ms,
        p999Ms: ceilings.bareProxy.p999Ms,
      },
      {
        label: 'votes, one poll',
        p50Ms: votes.onePoll.p50Ms,
        p99Ms: votes.onePoll.p99Ms,
        p999Ms: votes.onePoll.p999Ms,
      },
      ...votes.rates.map((rate) => ({
        label: `votes at ${n(rate.offeredPerSecond)}/s`,
        p50Ms: rate.p50Ms,
        p99Ms: rate.p99Ms,
        p999Ms: rate.p999Ms,
      })),
      ...(votes.freshness
        ? [
            {
              label: 'ack → live viewer',
              p50Ms: votes.freshness.screen.p50Ms,
              p99Ms: votes.freshness.screen.p99Ms,
            },
            {
              label: `vote → live viewer at ${n(votes.freshness.atOfferedPerSecond)}/s`,
              p50Ms: votes.freshness.voteToScreen.p50Ms,
              p99Ms: votes.freshness.voteToScreen.p99Ms,
            },
          ]
        : []),
    ],
  };
}

/**
 * Every acknowledged vote must be counted; a refused one may be too (committed just before its
 * process died, its answer lost), never more than were sent.
 */
function countedWords(fault: ReplicasResult['faults'][number]): string {
  const { acknowledged, counted, refused } = fault;
  if (counted < acknowledged)
    return `${n(counted)} of ${n(acknowledged)} acknowledged: LOST ${n(acknowledged - counted)}`;
  if (counted > acknowledged + refused)
    return `${n(counted)}: MORE than the ${n(acknowledged + refused)} sent`;
  return counted === acknowledged
    ? `every acknowledged vote (${n(counted)})`
    : `every acknowledged vote, and ${n(counted - acknowledged)} refused ones committed before the answer was lost (${n(counted)})`;
}

/** One process per service against two in the same run, and what a kill and a restart refuse. */
export function renderReplicas(result: ReplicasResult | null): string[] {
  if (!result) return ['Replicas: not measured.'];
  const one = result.settings.find((setting) => setting.replicas === '×1');
  const lines = [
    `Replicas, in this run: closed-loop votes over ${result.polls} polls, ${result.connections} connections, ${result.seconds} s, against one process per service and against ${TWO_REPLICAS}; ratio against one.`,
    '',
    row(['processes', 'votes/s', 'p99 ms', 'CPU ms per vote', 'failed', 'votes/s ratio', 'CPU ratio']),
    '|---|---:|---:|---:|---:|---:|---:|',
    ...result.settings.map((setting) =>
      row([
        setting.replicas,
        n(setting.votesPerSecond),
        setting.p99Ms,
        setting.cpuMsPerVote,
        setting.failed,
        ratio(setting.votesPerSecond, one?.votesPerSecond ?? 0),
        ratio(setting.cpuMsPerVote, one?.cpuMsPerVote ?? 0),
      ]),
    ),
  ];
  if (result.faults.length === 0) return [...lines, '', 'Faults under load: not measured (--quick).'];
  return [
    ...lines,
    '',
    row(['with two of each, under load', 'load', 'seconds', 'sent', 'refused', 'share', 'counted']),
    '|---|---|---:|---:|---:|---:|---|',
    ...result.faults.map((fault) =>
      row([
        fault.fault,
        fault.load,
        fault.seconds,
        n(fault.sent),
        fault.refused,
        `${((fault.refused / Math.max(1, fault.sent)) * 100).toFixed(2)}%`,
        countedWords(fault),
      ]),
    ),
    ...result.faults.flatMap((fault) =>
      fault.refusals.length ? [`${fault.fault}, first refusals: ${fault.refusals.join('; ')}`] : [],
    ),
  ];
}

/** Mutual TLS between services, on and off in the same run: what it costs per vote. */
function renderInternalTls(result: InternalTlsResult | null | undefined): string[] {
  if (!result) return ['Mutual TLS between services: not measured (--quick).'];
  const off = result.settings.find((setting) => setting.tls === 'off');
  return [
    `Mutual TLS between services (the cluster tier's default), on and off in this run: closed-loop votes over ${result.polls} polls, ${result.connections} connections, ${result.seconds} s each; ratio against off.`,
    '',
    row(['CANVASS_INTERNAL_TLS', 'votes/s', 'p99 ms', 'CPU ms per vote', 'failed', 'votes/s ratio']),
    '|---|---:|---:|---:|---:|---:|',
    ...result.settings.map((setting) =>
      row([
        setting.tls,
        n(setting.votesPerSecond),
        setting.p99Ms,
        setting.cpuMsPerVote,
        setting.failed,
        ratio(setting.votesPerSecond, off?.votesPerSecond ?? 0),
      ]),
    ),
  ];
}

export function renderEvents(result: EventsResult): string[] {
  const reach = (name: string, r: EventsResult['nextToScreen']) =>
    row([name, r.p50Ms, r.p99Ms, r.everyoneP50Ms, r.everyoneP99Ms, r.missed]);
  return [
    `Events (embedded tier, ${n(result.connected)} of ${n(result.participants)} participants connected, ${result.presses} presses): the presenter's next (a PUT of the stage) until each participant holds it, against a raw \`ws\` broadcast to the same crowd.`,
    '',
    row(['from press to', 'p50 ms', 'p99 ms', 'everyone p50 ms', 'everyone p99 ms', 'missed']),
    '|---|---:|---:|---:|---:|---:|',
    reach("presenter's next → participants", result.nextToScreen),
    reach('raw ws broadcast → the same crowd', result.rawBroadcast),
    '',
    `Everyone reached, p99: ${ratio(result.nextToScreen.everyoneP99Ms, result.rawBroadcast.everyoneP99Ms)}× the raw broadcast. ` +
      `Upvotes on one question: ${n(result.upvotes.perSecond)}/s (p99 ${result.upvotes.p99Ms} ms, ${result.upvotes.connections} connections, a new participant each), ` +
      `${result.upvoteRatio}× votes on one poll in the same run (${n(result.votesOnePoll.perSecond)}/s); ` +
      `${n(result.upvotes.accepted)} acknowledged and ${n(result.upvotes.counted)} counted: ${result.upvotes.consistent ? 'consistent' : 'NOT CONSISTENT'}.`,
  ];
}
