// single_choice: one tap on an option votes. multiple_choice: checkboxes within the poll's
// minSelections…maxSelections, then a Vote button that says how many are chosen.
import { useState } from 'preact/hooks';
import type { BallotProps } from './ballot.tsx';

export function SingleChoiceBallot({ poll, previous, sending, onVote }: BallotProps) {
  const chosen = previous && 'optionIds' in previous ? previous.optionIds[0] : null;
  return (
    <fieldset class="choices" disabled={sending}>
      <legend>Tap your answer</legend>
      {poll.options.map((option) => (
        <button
          type="button"
          key={option.id}
          class={option.id === chosen ? 'choice chosen' : 'choice'}
          aria-pressed={option.id === chosen}
          onClick={() => onVote({ optionIds: [option.id] })}
        >
          {option.label}
        </button>
      ))}
    </fieldset>
  );
}

function howMany(min: number, max: number): string {
  if (min === max) return `Choose ${min}.`;
  if (min <= 1) return `Choose up to ${max}.`;
  return `Choose ${min} to ${max}.`;
}

export function MultipleChoiceBallot({ poll, settings, previous, sending, onVote }: BallotProps) {
  const { minSelections: min } = settings;
  const max = Math.min(settings.maxSelections, poll.options.length);
  const [picked, setPicked] = useState<string[]>(() =>
    previous && 'optionIds' in previous ? previous.optionIds : [],
  );
  const full = picked.length >= max;
  const toggle = (id: string, on: boolean) =>
    setPicked((now) => (on ? [...now.filter((p) => p !== id), id] : now.filter((p) => p !== id)));

  return (
    <form
      onSubmit={(event) => {
        event.preventDefault();
        // Keep the poll's order, not the order of tapping.
        onVote({ optionIds: poll.options.map((o) => o.id).filter((id) => picked.includes(id)) });
      }}
    >
      <fieldset class="choices" disabled={sending} aria-describedby="choices-hint">
        <legend>Choose your answers</legend>
        <p id="choices-hint" class="muted small hint">
          {howMany(min, max)}
          {full && max > 1 ? ' To pick another, clear one first.' : ''}
        </p>
        {poll.options.map((option) => {
          const checked = picked.includes(option.id);
          return (
            <label key={option.id} class={checked ? 'choice check chosen' : 'choice check'}>
              <input
                type="checkbox"
                checked={checked}
                disabled={!checked && full}
                onChange={(event) => toggle(option.id, event.currentTarget.checked)}
              />
              <span>{option.label}</span>
            </label>
          );
        })}
      </fieldset>
      <button type="submit" class="primary wide" disabled={sending || picked.length < min}>
        {sending ? 'Sending…' : `Vote (${picked.length} chosen)`}
      </button>
    </form>
  );
}
