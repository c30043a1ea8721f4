// `/app/billing`: the workspace's plan and what it uses, the plans to compare, upgrades (followed
// step by step as billing runs them), downgrades at the end of the paid period, and invoices.
// Any member may look; only owners change the plan or see invoices (docs/billing.md).
import { useState } from 'preact/hooks';
import { can, type Session } from './auth.ts';
import { ChangeProgress } from './billing-change.tsx';
import { Invoices } from './billing-invoices.tsx';
import {
  type BillingOverview,
  cardName,
  day,
  keepPlan,
  loadInvoices,
  loadOverview,
  type PlanChange,
  type PlanId,
  planName,
  price,
  scheduleDowngrade,
  startUpgrade,
} from './billing-model.ts';
import { PlanComparison, UpgradeForm } from './billing-plans.tsx';
import { UsageMeters } from './billing-usage.tsx';
import { Failure, Loading, messageOf, useLoad } from './ui.tsx';

export function Billing({ session }: { session: Session }) {
  const owner = can(session, 'workspace:manage');
  const [loaded, reload] = useLoad(loadOverview, [session.workspace]);
  const [invoices, reloadInvoices] = useLoad(
    () => (owner ? loadInvoices() : Promise.resolve(null)),
    [session.workspace, owner],
  );
  return (
    <>
      <h1>Plan &amp; billing</h1>
      <p class="lead">What this workspace’s plan allows, what it uses this month, and what it has paid.</p>
      {!owner && (
        <p class="notice">
          You can see the plan and its use. Only the workspace’s owners change the plan and see invoices.
        </p>
      )}
      {loaded.state === 'loading' && <Loading what="the plan" />}
      {loaded.state === 'failed' && <Failure message={loaded.message} />}
      {loaded.state === 'ready' && (
        <PlanBody
          overview={loaded.value}
          owner={owner}
          refresh={() => {
            reload();
            reloadInvoices();
          }}
        />
      )}
      <Invoices loaded={invoices} />
    </>
  );
}

function PlanBody(props: { overview: BillingOverview; owner: boolean; refresh: () => void }) {
  const { overview, owner } = props;
  const [choosing, setChoosing] = useState<PlanId | null>(null);
  /** The change asked for on this page (the overview shows the latest one otherwise). */
  const [started, setStarted] = useState<PlanChange | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [upgradeError, setUpgradeError] = useState<string | null>(null);
  const change = started ?? overview.change;
  const underWay = change !== null && change.outcome === null;
  const name = (id: PlanId | null) => planName(overview.plans, id);

  async function act(action: () => Promise<unknown>) {
    setBusy(true);
    setError(null);
    try {
      await action();
      props.refresh();
    } catch (caught) {
      setError(messageOf(caught));
    } finally {
      setBusy(false);
    }
  }

  async function upgrade(paymentMethod: string) {
    if (!choosing) return;
    setBusy(true);
    setUpgradeError(null);
    try {
      setStarted(await startUpgrade(choosing, paymentMethod));
      setChoosing(null);
    } catch (caught) {
      setUpgradeError(messageOf(caught));
    } finally {
      setBusy(false);
    }
  }

  function downgrade(plan: PlanId) {
    const keeps = name(overview.plan);
    const after =
      plan === 'free'
        ? `This cancels ${keeps}: it is not charged again.`
        : `From then on it renews as ${name(plan)}.`;
    const asked = `Downgrade to ${name(plan)} at the end of the paid period, on ${day(overview.periodEnd)}? Nothing changes until then: you keep ${keeps} for the time paid. ${after}`;
    if (confirm(asked)) act(() => scheduleDowngrade(plan));
  }

  return (
    <>
      <CurrentPlan overview={overview} owner={owner} busy={busy} onKeep={() => act(() => keepPlan())} />
      {error && <Failure message={error} />}
      {change && (
        <ChangeProgress
          key={change.id}
          initial={change}
          plans={overview.plans}
          fresh={change === started}
          onEnded={(ended) => {
            if (change === started) setStarted(ended);
            props.refresh();
          }}
        />
      )}
      <UsageMeters overview={overview} />
      <PlanComparison
        overview={overview}
        actions={
          owner && !underWay && !busy
            ? {
                onUpgrade: (plan) => {
                  setUpgradeError(null);
                  setChoosing(plan);
                },
                onDowngrade: downgrade,
              }
            : null
        }
      />
      {owner && underWay && <p class="muted">The plan can change again once this upgrade ends.</p>}
      {choosing && !underWay && (
        <UpgradeForm
          overview={overview}
          plan={choosing}
          busy={busy}
          error={upgradeError}
          onConfirm={upgrade}
          onCancel={() => setChoosing(null)}
        />
      )}
    </>
  );
}

function CurrentPlan(props: {
  overview: BillingOverview;
  owner: boolean;
  busy: boolean;
  onKeep: () => void;
}) {
  const { overview } = props;
  const plan = overview.plans.find((p) => p.id === overview.plan);
  const name = plan?.name ?? overview.plan;
  const pastDue = overview.status === 'past_due';
  return (
    <section class="card current-plan" aria-labelledby="current-heading">
      <h2 id="current-heading">Current plan</h2>
      <p class="plan-now">
        <strong class="plan-name">{name}</strong>{' '}
        {pastDue ? (
          <span class="badge delivery-pending">Payment due</span>
        ) : (
          <span class="badge status-on">Active</span>
        )}
      </p>
      <p>
        {plan ? price(plan) : ''}
        {overview.periodEnd &&
          ` · paid until ${day(overview.periodEnd)}${overview.pendingPlan ? '' : ', then renews monthly'}`}
        {overview.paymentMethod && (
          <>
            <br />
            <span class="small muted">Pays with: {cardName(overview.paymentMethod)}</span>
          </>
        )}
      </p>
      {pastDue && (
        <p class="warn-note">
          The last payment for {name} did not go through. Canvass tries again over the next days; if every try
          fails, the workspace moves to Free. The owners were mailed when the next try is.
        </p>
      )}
      {overview.pendingPlan && (
        <div class="warn-note pending-change">
          <p>
            Moves to <strong>{planName(overview.plans, overview.pendingPlan)}</strong> on{' '}
            {day(overview.periodEnd)}. Until then the workspace keeps {name}.
          </p>
          {props.owner && (
            <button type="button" onClick={props.onKeep} disabled={props.busy}>
              Keep {name}
            </button>
          )}
        </div>
      )}
    </section>
  );
}
