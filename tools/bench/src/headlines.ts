// The benchmark's headline figures: each measured value beside a baseline from the same run, their
// ratio, and the target it is held to. Targets are data here (rendered in the table and kept in the
// JSON); the benchmark reports them and never fails on them.
import type { CeilingsResult } from './ceilings-phase.ts';
import type { ProxyResult } from './proxy-phase.ts';
import type { VotesResult } from './votes-phase.ts';

export type Bound = { atLeast: number } | { atMost: number };

export interface Target {
  measured?: Bound;
  ratio?: Bound;
  /** The load the target is set for, when the figure depends on it. */
  at?: string;
}

export type HeadlineUnit = 'per second' | 'ms' | 'ms CPU';

export interface Headline {
  /** Stable across runs, for comparing them. */
  id: string;
  figure: string;
  unit: HeadlineUnit;
  /** Null when this run did not measure it (the note says why). */
  measured: number | null;
  baseline: { name: string; value: number | null };
  /** measured / baseline. */
  ratio: number | null;
  target: Target;
  note?: string;
}

export const TARGETS = {
  votesPerSecond: { measured: { atLeast: 5_000 }, ratio: { atLeast: 0.25 } },
  cpuPerVote: { measured: { atMost: 0.35 } },
  ackP99: { measured: { atMost: 50 }, at: '1,000 votes/s offered' },
  voteToViewerP99: { measured: { atMost: 250 }, at: '2,500 votes/s offered' },
  gatewayCpuPerRequest: { ratio: { atMost: 1.5 } },
} satisfies Record<string, Target>;

export interface HeadlineInput {
  ceilings: Pick<CeilingsResult, 'bareProxy'>;
  proxy: Pick<ProxyResult, 'bareUndici' | 'gateway'>;
  votes: VotesResult;
}

const ratioOf = (value: number | null | undefined, base: number | null | undefined) =>
  value == null || base == null || base <= 0 ? null : Math.round((value / base) * 1000) / 1000;

function headline(
  id: string,
  figure: string,
  unit: HeadlineUnit,
  measured: number | null | undefined,
  baseline: { name: string; value: number | null | undefined },
  target: Target,
  note?: string,
): Headline {
  return {
    id,
    figure,
    unit,
    measured: measured ?? null,
    baseline: { name: baseline.name, value: baseline.value ?? null },
    ratio: ratioOf(measured, baseline.value),
    target,
    ...(note ? { note } : {}),
  };
}

export function headlines({ ceilings, proxy, votes }: HeadlineInput): Headline[] {
  const bareHop = { name: 'bare undici proxy hop', value: ceilings.bareProxy.perSecond };
  const bareHopCpu = {
    name: 'bare undici hop, CPU per proxied request',
    value: proxy.bareUndici.cpuMsPerRequest,
  };
  const cpuNote = votes.cpu ? undefined : 'not measured: no CPU sources';
  const ack = votes.rates.find((rate) => rate.offeredPerSecond === votes.ackAt);
  const fresh = votes.freshness;
  const unloaded = votes.unloaded;
  const noLoad = (probes: number | undefined) => `one vote at a time, no other load (${probes ?? 0} probes)`;
  return [
    headline(
      'votesPerSecondManyPolls',
      `acked votes/s through the gateway, ${votes.manyPolls.polls} polls, ${votes.connections} connections`,
      'per second',
      votes.manyPolls.requestsPerSecond,
      bareHop,
      TARGETS.votesPerSecond,
    ),
    headline(
      'votesPerSecondOnePoll',
      `acked votes/s through the gateway, one poll, ${votes.connections} connections`,
      'per second',
      votes.onePoll.requestsPerSecond,
      bareHop,
      TARGETS.votesPerSecond,
    ),
    headline(
      'cpuPerVoteManyPolls',
      `CPU per acked vote, all processes, ${votes.manyPolls.polls} polls at saturation`,
      'ms CPU',
      votes.cpu?.manyPolls.msPerRequest,
      bareHopCpu,
      TARGETS.cpuPerVote,
      cpuNote,
    ),
    headline(
      'cpuPerVoteOnePoll',
      'CPU per acked vote, all processes, one poll at saturation',
      'ms CPU',
      votes.cpu?.onePoll.msPerRequest,
      bareHopCpu,
      TARGETS.cpuPerVote,
      cpuNote,
    ),
    headline(
      'ackP99',
      `ack p99 at ${votes.ackAt.toLocaleString('en-US')} votes/s offered, open loop`,
      'ms',
      ack?.p99Ms,
      { name: `ack p99, ${noLoad(unloaded?.samples)}`, value: unloaded?.ack.p99Ms },
      TARGETS.ackP99,
    ),
    headline(
      'voteToViewerP99',
      fresh
        ? `vote → live viewer p99 at ${fresh.atOfferedPerSecond.toLocaleString('en-US')} votes/s offered (${fresh.samples} probes)`
        : 'vote → live viewer p99 under load',
      'ms',
      fresh?.voteToScreen.p99Ms,
      { name: `vote → live viewer p99, ${noLoad(unloaded?.samples)}`, value: unloaded?.voteToScreen.p99Ms },
      TARGETS.voteToViewerP99,
      fresh ? undefined : 'not measured: the probe failed',
    ),
    headline(
      'gatewayCpuPerRequest',
      'gateway CPU per proxied request (upstream GET)',
      'ms CPU',
      proxy.gateway.cpuMsPerRequest,
      bareHopCpu,
      TARGETS.gatewayCpuPerRequest,
    ),
  ];
}

const formatBound = (bound: Bound, format: (value: number) => string) =>
  'atLeast' in bound ? `≥ ${format(bound.atLeast)}` : `≤ ${format(bound.atMost)}`;

export function formatValue(value: number | null, unit: HeadlineUnit): string {
  if (value === null) return '–';
  if (unit === 'per second') return `${Math.round(value).toLocaleString('en-US')}/s`;
  if (unit === 'ms CPU') return `${value.toFixed(3)} ms`;
  return `${Math.round(value).toLocaleString('en-US')} ms`;
}

export function formatTarget(target: Target, unit: HeadlineUnit): string {
  const parts = [
    ...(target.measured
      ? [
          formatBound(target.measured, (value) =>
            unit === 'ms CPU' ? `${value} ms` : formatValue(value, unit),
          ),
        ]
      : []),
    ...(target.ratio ? [formatBound(target.ratio, (value) => `${value}×`)] : []),
  ];
  return `${parts.join(' and ')}${target.at ? ` at ${target.at}` : ''}`;
}

/** The headline table (markdown). */
export function renderHeadlines(list: readonly Headline[]): string {
  return [
    '| headline figure | measured | baseline (same run) | ratio | target |',
    '|---|---:|---|---:|---|',
    ...list.map((entry) =>
      [
        '',
        entry.note ? `${entry.figure} (${entry.note})` : entry.figure,
        formatValue(entry.measured, entry.unit),
        `${entry.baseline.name}: ${formatValue(entry.baseline.value, entry.unit)}`,
        entry.ratio === null ? '–' : `${entry.ratio.toFixed(2)}×`,
        formatTarget(entry.target, entry.unit),
        '',
      ]
        .join(' | ')
        .trim(),
    ),
  ].join('\n');
}
