// ranking: the options as an ordered list, reordered with Move up / Move down buttons (keyboard
// and screen-reader friendly, no dragging), then submitted. Focus stays on the moved option.
import { useEffect, useState } from 'preact/hooks';
import type { BallotProps } from './ballot.tsx';

type Direction = 'up' | 'down';

export function RankingBallot({ poll, previous, sending, onVote }: BallotProps) {
  const [order, setOrder] = useState<string[]>(() =>
    previous && 'ranking' in previous ? previous.ranking : poll.options.map((o) => o.id),
  );
  const [moved, setMoved] = useState<{ id: string; direction: Direction } | null>(null);
  const labels = new Map(poll.options.map((o) => [o.id, o.label]));

  // Moving a list item can take the focus with it: give it back to the button that was pressed,
  // or to its other button when the item reached the top or the bottom.
  useEffect(() => {
    if (!moved) return;
    const other = moved.direction === 'up' ? 'down' : 'up';
    const button = document.getElementById(`rank-${moved.direction}-${moved.id}`) as HTMLButtonElement | null;
    const fallback = document.getElementById(`rank-${other}-${moved.id}`) as HTMLButtonElement | null;
    (button && !button.disabled ? button : fallback)?.focus();
  }, [moved, order]);

  const move = (id: string, direction: Direction) => {
    setOrder((now) => {
      const from = now.indexOf(id);
      const to = direction === 'up' ? from - 1 : from + 1;
      if (to < 0 || to >= now.length) return now;
      const next = [...now];
      [next[from], next[to]] = [next[to]!, next[from]!];
      return next;
    });
    setMoved({ id, direction });
  };

  const position = moved ? order.indexOf(moved.id) + 1 : 0;
  return (
    <form
      onSubmit={(event) => {
        event.preventDefault();
        onVote({ ranking: order });
      }}
    >
      <fieldset disabled={sending}>
        <legend>Put the options in order, best first</legend>
        <p class="muted small hint">Use Move up and Move down, then submit your ranking.</p>
        <ol class="ranking">
          {order.map((id, index) => {
            const label = labels.get(id) ?? id;
            return (
              <li key={id}>
                <span class="rank" aria-hidden="true">
                  {index + 1}
                </span>
                <span class="rank-label">{label}</span>
                <button
                  type="button"
                  id={`rank-up-${id}`}
                  class="move"
                  aria-label={`Move ${label} up`}
                  disabled={index === 0}
                  onClick={() => move(id, 'up')}
                >
                  ↑
                </button>
                <button
                  type="button"
                  id={`rank-down-${id}`}
                  class="move"
                  aria-label={`Move ${label} down`}
                  disabled={index === order.length - 1}
                  onClick={() => move(id, 'down')}
                >
                  ↓
                </button>
              </li>
            );
          })}
        </ol>
      </fieldset>
      <p class="visually-hidden" aria-live="polite">
        {moved ? `${labels.get(moved.id)} is now number ${position} of ${order.length}.` : ''}
      </p>
      <button type="submit" class="primary wide" disabled={sending}>
        {sending ? 'Sending…' : 'Submit ranking'}
      </button>
    </form>
  );
}
