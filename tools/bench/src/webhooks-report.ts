// The webhook phase in the benchmark's report: rows of the main table (deliveries per second and
// commit → receiver latency, with ratios to the raw POST loop of the same run), a note on the
// clock, and bars for the chart.
import type { ThroughputBar } from './chart.ts';
import type { WebhookRun, WebhooksResult } from './webhooks-phase.ts';

const n = (value: number) => Math.round(value).toLocaleString('en-US');
const ratio = (value: number, base: number) => (base > 0 ? (value / base).toFixed(2) : '–');
const row = (cells: (string | number)[]) => `| ${cells.join(' | ')} |`;

function describe(run: WebhookRun): string {
  const endpoints = run.endpoints === 1 ? 'one endpoint' : `${run.endpoints} endpoints`;
  const delivered = run.delivered === run.expected ? '' : `; ${run.delivered} of ${run.expected} arrived`;
  if (run.load === 'replay')
    return `webhook deliveries, a replayed backlog of ${n(run.expected)} drained with no votes${delivered}`;
  const load =
    run.load === 'paced'
      ? `votes paced at ${n(run.offeredPerSecond ?? 0)}/s`
      : `a burst of ${n(run.votes)} votes (${n(run.votesPerSecond ?? 0)}/s answered)`;
  return `webhook deliveries, ${endpoints}, ${load}; commit → receiver${delivered}`;
}

export function renderWebhookRows(result: WebhooksResult | null | undefined): string[] {
  if (!result) return [];
  const base = result.raw.perSecond;
  return [
    row([
      `**webhooks** (embedded tier, one local receiver, ${result.concurrency} at a time, ${result.bodyBytes}-byte vote.cast body)`,
      '',
      '',
      '',
      '',
      '',
    ]),
    row([
      `raw undici POST loop to the same receiver (baseline; sent → received)`,
      n(base),
      result.raw.sentToReceiver.p50Ms,
      result.raw.sentToReceiver.p99Ms,
      '',
      '1.00',
    ]),
    ...result.runs.map((run) =>
      row([
        describe(run),
        n(run.deliveriesPerSecond),
        run.commitToReceiver?.p50Ms ?? '',
        run.commitToReceiver?.p99Ms ?? '',
        '',
        // A paced run delivers what it is offered: its rate is no capacity to compare.
        run.load === 'paced' ? '' : ratio(run.deliveriesPerSecond, base),
      ]),
    ),
    row([
      'votes with no webhook endpoint, the same burst (votes/s)',
      n(result.votesWithoutEndpoints.perSecond),
      '',
      '',
      '',
      '',
    ]),
  ];
}

export function renderWebhooksNote(result: WebhooksResult | null | undefined): string[] {
  if (!result) return [];
  const paced = result.runs.find((run) => run.load === 'paced');
  return [
    `Webhooks: deliveries/s at the receiver, first to last arrival; ratio against the raw POST loop. Latency clock: ${result.clockStart}.` +
      (paced?.answerToReceiver
        ? ` Counted from the vote's 201 instead, paced: p50 ${paced.answerToReceiver.p50Ms} ms, p99 ${paced.answerToReceiver.p99Ms} ms.`
        : ''),
  ];
}

export function webhookBars(result: WebhooksResult | null | undefined): ThroughputBar[] {
  if (!result) return [];
  const replay = result.runs.find((run) => run.load === 'replay');
  return [
    { label: 'raw undici POSTs', perSecond: result.raw.perSecond, group: 'webhooks' },
    ...(replay
      ? [
          {
            label: 'webhook deliveries (backlog)',
            perSecond: replay.deliveriesPerSecond,
            ratio: replay.deliveriesPerSecond / result.raw.perSecond,
            group: 'webhooks',
          },
        ]
      : []),
  ];
}
