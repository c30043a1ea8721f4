// A plan change followed live: the upgrade saga's steps as billing records them (read again every
// FOLLOW_MS until it ends), then how it ended in plain words: on the new plan, or not charged (or
// refunded) and still on the old one.
import { useEffect, useRef, useState } from 'preact/hooks';
import {
  loadChange,
  type PlanChange,
  type PlanView,
  plainReason,
  planName,
  type SagaStep,
} from './billing-model.ts';
import { Failure, messageOf } from './ui.tsx';

const FOLLOW_MS = 700;
/** Steps that undo an upgrade (docs/billing.md, "Compensations"). */
const UNDOING = new Set(['void', 'refund', 'release', 'downgrade']);

export function ChangeProgress(props: {
  initial: PlanChange;
  plans: PlanView[];
  /** The change was just asked for here: focus moves to it. */
  fresh: boolean;
  onEnded: (change: PlanChange) => void;
}) {
  const [change, setChange] = useState(props.initial);
  const [error, setError] = useState<string | null>(null);
  const [tick, setTick] = useState(0);
  const box = useRef<HTMLElement>(null);
  // One change per mount (the page keys it by id).
  useEffect(() => {
    if (props.fresh) box.current?.focus();
  }, []);

  useEffect(() => {
    if (change.outcome !== null) return;
    let current = true;
    const timer = setTimeout(async () => {
      try {
        const next = await loadChange(change.id);
        if (!current) return;
        setError(null);
        setChange(next);
        if (next.outcome !== null) props.onEnded(next);
      } catch (caught) {
        if (!current) return;
        setError(messageOf(caught));
        setTick((t) => t + 1);
      }
    }, FOLLOW_MS);
    return () => {
      current = false;
      clearTimeout(timer);
    };
  }, [change, tick]);

  const to = planName(props.plans, change.plan);
  const from = planName(props.plans, change.previousPlan);
  const turned = change.steps.findIndex((step) => UNDOING.has(step.step)) - 1;
  return (
    <section class="card change" ref={box} tabIndex={-1} aria-labelledby="change-heading">
      <h2 id="change-heading">Upgrade to {to}</h2>
      <ol class="saga-steps">
        {change.steps.map((step, index) => (
          <StepItem key={step.seq} step={step} mark={markOf(step, index === turned)} />
        ))}
        {change.outcome === null && (
          <li class="saga-step running">
            <span class="step-mark" aria-hidden="true">
              …
            </span>
            <span>Working on the next step</span>
          </li>
        )}
      </ol>
      <p role="status" class={change.outcome === 'completed' ? 'success' : undefined}>
        {change.outcome === null && `Upgrading to ${to}…`}
        {change.outcome === 'completed' &&
          `You are on ${to} now. The receipt goes to the workspace’s owners by mail and is listed below.`}
      </p>
      {change.outcome === 'compensated' && (
        <div class="warn-note" role="alert">
          <p>
            <strong>The upgrade to {to} did not go through.</strong> {plainReason(change.error)}
          </p>
          <p>
            {change.refundId ? 'The charge was refunded in full' : 'You were not charged'}, and the workspace
            is still on {from}.
          </p>
        </div>
      )}
      {change.outcome === 'failed' && (
        <div class="warn-note" role="alert">
          <p>
            <strong>The upgrade to {to} stopped.</strong> {plainReason(change.error)}
          </p>
          <p>The workspace is still on {from}. The invoices below show anything charged or refunded.</p>
        </div>
      )}
      {error && <Failure message={`Canvass could not check on the change: ${error} Trying again…`} />}
    </section>
  );
}

type Mark = 'done' | 'retry' | 'wrong' | 'undo';
const MARKS: Record<Mark, [symbol: string, words: string]> = {
  done: ['✓', 'done'],
  retry: ['↻', 'failed for now, tried again'],
  wrong: ['✗', 'this is where it went wrong'],
  undo: ['↩', 'undoing'],
};

function markOf(step: SagaStep, turned: boolean): Mark {
  if (UNDOING.has(step.step)) return 'undo';
  if (turned || step.outcome === 'failed' || step.outcome === 'timed out') return 'wrong';
  if (step.outcome === 'retry') return 'retry';
  return 'done';
}

function StepItem({ step, mark }: { step: SagaStep; mark: Mark }) {
  const [symbol, words] = MARKS[mark];
  return (
    <li class={`saga-step ${mark}`}>
      <span class="step-mark" aria-hidden="true">
        {symbol}
      </span>
      <span>
        {step.title}
        <span class="visually-hidden">: {words}</span>
        {step.detail && <span class="step-detail"> {plainReason(step.detail)}</span>}
      </span>
    </li>
  );
}
