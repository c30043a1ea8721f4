// The plan page's usage meters: votes this month against the plan's soft limit, open polls and
// members against their hard ones. Each is a meter with its numbers in words beside the bar.
import type { ComponentChildren } from 'preact';
import { type BillingOverview, count, monthName, VOTE_WARNINGS } from './billing-model.ts';

export function UsageMeters({ overview }: { overview: BillingOverview }) {
  const { usage, quotas } = overview;
  const voteShare = usage.votes / Math.max(quotas.votesPerMonth, 1);
  const [warnAt, reachedAt] = VOTE_WARNINGS;
  return (
    <section aria-labelledby="usage-heading">
      <h2 id="usage-heading">Usage</h2>
      <div class="meters">
        <Meter
          id="meter-votes"
          label={`Votes in ${monthName(usage.month)}`}
          value={usage.votes}
          max={quotas.votesPerMonth}
          unit="votes"
        >
          <p class="small muted">
            A soft limit: votes are never refused, so a live session is never cut off. Owners are told when
            the month reaches {warnAt * 100}% and {reachedAt * 100}%. The count starts again on the 1st (UTC).
          </p>
          {voteShare >= reachedAt ? (
            <p class="small warn-note">
              This month’s votes are used up. Voting goes on; a higher plan gives room for more.
            </p>
          ) : (
            voteShare >= warnAt && (
              <p class="small warn-note">More than {warnAt * 100}% of this month’s votes are used.</p>
            )
          )}
        </Meter>
        <Meter
          id="meter-polls"
          label="Open polls"
          value={usage.openPolls}
          max={quotas.openPolls}
          unit="open polls"
        >
          <p class="small muted">Polls open at once. Closing one makes room for the next.</p>
        </Meter>
        <Meter id="meter-members" label="Members" value={usage.members} max={quotas.members} unit="members">
          <p class="small muted">People in the workspace, you included.</p>
        </Meter>
      </div>
    </section>
  );
}

/** A labelled meter; `max` null is no limit (no bar, just the count). */
function Meter(props: {
  id: string;
  label: string;
  value: number;
  max: number | null;
  unit: string;
  children?: ComponentChildren;
}) {
  const { value, max } = props;
  const words =
    max === null
      ? `${count(value)} ${props.unit}, no limit`
      : `${count(value)} of ${count(max)} ${props.unit}`;
  const share = max === null ? 0 : value / Math.max(max, 1);
  const level = share >= 1 ? 'full' : share >= VOTE_WARNINGS[0] ? 'high' : 'ok';
  return (
    <div class="meter-block">
      <div class="bar-label">
        <span id={`${props.id}-label`} class="meter-name">
          {props.label}
        </span>
        <span class="percent" aria-hidden="true">
          {max === null ? 'No limit' : `${Math.floor(share * 100)}%`}
        </span>
      </div>
      {max !== null && (
        <meter
          class={`meter-${level}`}
          aria-labelledby={`${props.id}-label`}
          aria-valuetext={words}
          min={0}
          max={max}
          value={Math.min(value, max)}
        />
      )}
      <p class="meter-words">{words}</p>
      {props.children}
    </div>
  );
}
