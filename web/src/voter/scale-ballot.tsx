// rating (scaleMin…scaleMax) and nps (0…10): a row of large buttons, one tap votes. On a phone
// a long scale wraps into two even rows instead of shrinking the buttons below finger size.
import type { BallotProps } from './ballot.tsx';

export function ScaleBallot({ poll, settings, previous, sending, onVote }: BallotProps) {
  const nps = poll.type === 'nps';
  const min = nps ? 0 : settings.scaleMin;
  const max = nps ? 10 : settings.scaleMax;
  const values = Array.from({ length: max - min + 1 }, (_, i) => min + i);
  const chosen = previous && 'rating' in previous ? previous.rating : null;
  const [low, high] = nps ? ['Not likely', 'Very likely'] : ['Lowest', 'Highest'];
  const narrow = values.length <= 6 ? values.length : Math.ceil(values.length / 2);

  return (
    <fieldset class="scale" disabled={sending} aria-describedby="scale-ends">
      <legend>{nps ? 'How likely are you to recommend it? Tap a number.' : 'Tap your rating'}</legend>
      <div class="scale-buttons" style={{ '--narrow': String(narrow), '--wide': String(values.length) }}>
        {values.map((value) => (
          <button
            type="button"
            key={value}
            class={value === chosen ? 'chosen' : undefined}
            aria-pressed={value === chosen}
            aria-label={
              value === min
                ? `${value}, ${low.toLowerCase()}`
                : value === max
                  ? `${value}, ${high.toLowerCase()}`
                  : undefined
            }
            onClick={() => onVote({ rating: value })}
          >
            {value}
          </button>
        ))}
      </div>
      <p id="scale-ends" class="scale-ends muted small">
        <span>
          {min} · {low}
        </span>
        <span>
          {high} · {max}
        </span>
      </p>
    </fieldset>
  );
}
