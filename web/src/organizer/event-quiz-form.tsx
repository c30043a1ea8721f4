// A deck entry's quiz settings on the event's page (docs/events.md, Quizzes).
import { useState } from 'preact/hooks';
import { api } from './auth.ts';
import { type EventPoll, eventPath } from './event-model.ts';
import { Failure, messageOf } from './ui.tsx';

export function QuizForm(props: {
  eventId: string;
  poll: EventPoll;
  options: { id: string; label: string }[];
  onDone: () => void;
}) {
  const { eventId, poll, options } = props;
  const [right, setRight] = useState<string[]>(poll.quiz?.correctOptionIds ?? []);
  const [seconds, setSeconds] = useState(String(poll.quiz?.seconds ?? 20));
  const [error, setError] = useState<string | null>(null);
  const path = `${eventPath(eventId)}/quiz/${encodeURIComponent(poll.id)}`;
  const single = poll.type === 'single_choice';
  async function save(event: Event) {
    event.preventDefault();
    const time = Number(seconds);
    if (right.length === 0) return setError('Mark the right answer.');
    if (!Number.isInteger(time) || time < 5 || time > 300) return setError('Give 5 to 300 seconds.');
    try {
      await api('PUT', path, { correctOptionIds: right, seconds: time });
      props.onDone();
    } catch (caught) {
      setError(messageOf(caught));
    }
  }
  async function clear() {
    try {
      await api('DELETE', path);
      props.onDone();
    } catch (caught) {
      setError(messageOf(caught));
    }
  }
  return (
    <form class="quiz-form" onSubmit={save} noValidate>
      <fieldset>
        <legend>{single ? 'The right answer' : 'The right answers'}</legend>
        {options.map((option) => (
          <label key={option.id} class="check">
            <input
              type={single ? 'radio' : 'checkbox'}
              name={`right-${poll.id}`}
              checked={right.includes(option.id)}
              onChange={(e) =>
                setRight(
                  single
                    ? [option.id]
                    : (e.target as HTMLInputElement).checked
                      ? [...right, option.id]
                      : right.filter((id) => id !== option.id),
                )
              }
            />{' '}
            {option.label}
          </label>
        ))}
      </fieldset>
      <label for={`seconds-${poll.id}`}>Seconds to answer</label>
      <input
        id={`seconds-${poll.id}`}
        type="number"
        min={5}
        max={300}
        value={seconds}
        onInput={(e) => setSeconds((e.target as HTMLInputElement).value)}
      />
      {error && <Failure message={error} />}
      <div class="actions">
        <button type="submit" class="primary">
          Save quiz question
        </button>
        {poll.quiz && (
          <button type="button" onClick={clear}>
            Make it a plain poll
          </button>
        )}
      </div>
    </form>
  );
}
