// `canvass_sagas{kind,state}`: how many sagas are at each step (validate, reserve, charge, …) or
// ended each way (completed, compensated, failed), counted in the sagas table when scraped. Every
// known kind and state is exported, at 0 when none is there, so dashboards and the stuck-saga
// alert (docs/observability.md) see a 0, not a gap. Every billing process reads the same table:
// aggregate with max, never sum.
import { type Kysely, sql } from 'kysely';
import { Gauge, type Registry } from 'prom-client';
import type { BillingTables } from '../tables.ts';
import { FIRST_STEP, type Outcome, SAGA_STATES } from './steps.ts';

const NAME = 'canvass_sagas';
const KINDS = Object.keys(FIRST_STEP);
const OUTCOMES: readonly Outcome[] = ['completed', 'compensated', 'failed'];

export function registerSagaMetrics(registry: Registry, db: Kysely<BillingTables>): void {
  // A registry holds one billing's gauge: a service built again (tests) reads its own table.
  registry.removeSingleMetric(NAME);
  new Gauge({
    name: NAME,
    help: 'Sagas by kind and by the step they are at, or the outcome they ended with (the same in every billing process)',
    labelNames: ['kind', 'state'],
    registers: [registry],
    async collect() {
      this.reset();
      // A database that cannot answer leaves the gauge out of this scrape, not /metrics failing.
      const counted = await sql<{ kind: string; state: string; sagas: number }>`
        select kind, coalesce(outcome, state) as state, count(*)::int as sagas
        from sagas group by 1, 2`
        .execute(db)
        .catch(() => undefined);
      if (!counted) return;
      for (const kind of KINDS)
        for (const state of [...SAGA_STATES, ...OUTCOMES]) this.set({ kind, state }, 0);
      for (const row of counted.rows) this.set({ kind: row.kind, state: row.state }, Number(row.sagas));
    },
  });
}
