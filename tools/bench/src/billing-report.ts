// The billing phase in the benchmark's report: upgrade sagas per second and upgrade → active
// latency, with ratios to the charge call alone against the same provider in the same run.

import type { BillingResult } from './billing-phase.ts';
import type { ThroughputBar } from './chart.ts';

const ratio = (value: number, base: number) => (base > 0 ? (value / base).toFixed(3) : '–');
const row = (cells: (string | number)[]) => `| ${cells.join(' | ')} |`;

export function renderBillingRows(result: BillingResult | null | undefined): string[] {
  if (!result) return [];
  const base = result.providerAlone;
  const { sagas } = result;
  return [
    row([
      `**billing** (embedded tier, the in-repo payment provider in process, ${result.concurrency} at a time)`,
      '',
      '',
      '',
      '',
      '',
    ]),
    row([
      `the charge call alone through billing's Stripe adapter (baseline; ${base.calls} calls)`,
      base.perSecond,
      base.latency.p50Ms,
      base.latency.p99Ms,
      '',
      '1.00',
    ]),
    row([
      `upgrade sagas, request → plan active (${sagas.completed} of ${sagas.started} completed, ${sagas.stepsPerSaga} steps each)`,
      sagas.perSecond,
      sagas.toActive.p50Ms,
      sagas.toActive.p99Ms,
      '',
      ratio(sagas.perSecond, base.perSecond),
    ]),
    row([
      'upgrade sagas, request → done (receipt event written)',
      '',
      sagas.toDone.p50Ms,
      sagas.toDone.p99Ms,
      '',
      '',
    ]),
  ];
}

export function billingBars(result: BillingResult | null | undefined): ThroughputBar[] {
  if (!result) return [];
  return [
    { label: 'charge call alone', perSecond: result.providerAlone.perSecond, group: 'billing' },
    {
      label: 'upgrade sagas',
      perSecond: result.sagas.perSecond,
      ratio: result.sagas.perSecond / result.providerAlone.perSecond,
      group: 'billing',
    },
  ];
}
