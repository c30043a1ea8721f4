// The plan page's comparison of the three plans (the current one marked, with the way up or down
// for owners) and the upgrade form: a test card to pay with, and the confirmation.
import { useEffect, useRef, useState } from 'preact/hooks';
import {
  type BillingOverview,
  count,
  day,
  money,
  type PlanId,
  type PlanView,
  planName,
  price,
  rank,
  TEST_CARDS,
} from './billing-model.ts';
import { Failure, plural } from './ui.tsx';

function quotaLines(plan: PlanView): string[] {
  const { quotas } = plan;
  return [
    `${count(quotas.votesPerMonth)} votes a month (soft limit)`,
    quotas.openPolls === null ? 'Any number of open polls' : plural(quotas.openPolls, 'open poll'),
    `Up to ${count(quotas.members)} members`,
    plural(quotas.apiKeys, 'API key'),
    plural(quotas.webhookEndpoints, 'webhook endpoint'),
  ];
}

export function PlanComparison(props: {
  overview: BillingOverview;
  /** Owners may change the plan; null when they may not now (a change under way, or not an owner). */
  actions: { onUpgrade: (plan: PlanId) => void; onDowngrade: (plan: PlanId) => void } | null;
}) {
  const { overview, actions } = props;
  const here = rank(overview.plans, overview.plan);
  return (
    <section aria-labelledby="plans-heading">
      <h2 id="plans-heading">Plans</h2>
      <ul class="plan-grid">
        {overview.plans.map((plan, index) => {
          const current = plan.id === overview.plan;
          return (
            <li key={plan.id} class={current ? 'plan-card current' : 'plan-card'}>
              <h3>
                {plan.name}
                {current && <span class="badge status-on">Current plan</span>}
              </h3>
              <p class="plan-price">{price(plan)}</p>
              <p class="small muted">{plan.blurb}</p>
              <ul class="plan-quotas">
                {quotaLines(plan).map((line) => (
                  <li key={line}>{line}</li>
                ))}
              </ul>
              {overview.pendingPlan === plan.id ? (
                <p class="small plan-action">
                  <strong>Starts {day(overview.periodEnd)}</strong>
                </p>
              ) : (
                actions &&
                !current && (
                  <button
                    type="button"
                    class={index > here ? 'primary plan-action' : 'plan-action'}
                    onClick={() => (index > here ? actions.onUpgrade(plan.id) : actions.onDowngrade(plan.id))}
                  >
                    {index > here ? 'Upgrade' : 'Downgrade'} to {plan.name}
                  </button>
                )
              )}
            </li>
          );
        })}
      </ul>
    </section>
  );
}

/** Upgrading: which test card pays, what it costs, and the confirmation. */
export function UpgradeForm(props: {
  overview: BillingOverview;
  plan: PlanId;
  busy: boolean;
  error: string | null;
  onConfirm: (paymentMethod: string) => void;
  onCancel: () => void;
}) {
  const { overview } = props;
  const plan = overview.plans.find((p) => p.id === props.plan)!;
  const from = planName(overview.plans, overview.plan);
  const [card, setCard] = useState(TEST_CARDS[0]![0]);
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => heading.current?.focus(), [props.plan]);
  const paid = overview.periodEnd !== null && overview.plan !== 'free';

  return (
    <form
      class="card upgrade-form"
      aria-labelledby="upgrade-heading"
      noValidate
      onSubmit={(event) => {
        event.preventDefault();
        props.onConfirm(card);
      }}
    >
      <h2 id="upgrade-heading" tabIndex={-1} ref={heading}>
        Upgrade to {plan.name}
      </h2>
      <p>
        You pay {money(plan.priceCents, plan.currency, true)} now for a month of {plan.name}
        {paid && `, less a credit for the unused part of your ${from} month`}. The new month starts today, and{' '}
        {plan.name} renews monthly until you downgrade.
      </p>
      <fieldset>
        <legend>Pay with a test card</legend>
        <p class="small muted hint">
          Test cards of the payment provider: a real deployment shows the provider’s own card form, and
          Canvass never sees a card number.
        </p>
        {TEST_CARDS.map(([token, name, outcome]) => (
          <label class="check card-choice" key={token}>
            <input
              type="radio"
              class="box"
              name="payment-method"
              value={token}
              checked={card === token}
              onChange={() => setCard(token)}
            />
            <span>
              <strong>{name}</strong>: {outcome} <code class="muted small">{token}</code>
            </span>
          </label>
        ))}
      </fieldset>
      {props.error && <Failure message={props.error} />}
      <div class="actions">
        <button type="submit" class="primary" disabled={props.busy}>
          {props.busy ? 'Starting…' : `Confirm upgrade to ${plan.name}`}
        </button>
        <button type="button" onClick={props.onCancel} disabled={props.busy}>
          Cancel
        </button>
      </div>
    </form>
  );
}
