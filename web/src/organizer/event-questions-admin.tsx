// The Q&A on the event's page (docs/events.md): its settings, and every question to moderate, live.
import { useEffect, useState } from 'preact/hooks';
import {
  type EventQuestion,
  type QuestionsSnapshot,
  questionsPath,
  sortQuestions,
  useLiveQuestions,
} from '../event-questions.tsx';
import { api } from './auth.ts';
import { type CanvassEvent, eventPath } from './event-model.ts';
import { Failure, messageOf, useLoad } from './ui.tsx';

const SETTINGS: [keyof CanvassEvent['qa'], string][] = [
  ['enabled', 'Participants may ask and upvote questions'],
  ['anonymous', 'Participants may ask without a name'],
  ['moderation', 'A question shows once approved here'],
];

/** The Q&A on the event's page: its settings, and every question to moderate, live. */
export function EventQuestions(props: { event: CanvassEvent; writer: boolean; onSettings: () => void }) {
  const { event, writer } = props;
  const live = useLiveQuestions(event.id);
  const sequence = live.results?.sequence ?? -1;
  const [loaded, reload] = useLoad(
    () => api<QuestionsSnapshot>('GET', `${questionsPath(event.id)}?all=true`),
    [event.id],
  );
  // Every change (a new question, an upvote) moves the live sequence: read the full list again.
  useEffect(() => {
    if (sequence >= 0) reload();
  }, [sequence]);
  const [error, setError] = useState<string | null>(null);
  const [editing, setEditing] = useState<{ id: string; text: string } | null>(null);

  async function setting(key: keyof CanvassEvent['qa'], value: boolean) {
    setError(null);
    try {
      await api('PATCH', eventPath(event.id), { qa: { [key]: value } });
      props.onSettings();
    } catch (caught) {
      setError(messageOf(caught));
    }
  }
  async function moderate(question: EventQuestion, change: Record<string, unknown>) {
    setError(null);
    try {
      await api('PATCH', `${questionsPath(event.id)}/${encodeURIComponent(question.id)}`, change);
      reload();
    } catch (caught) {
      setError(messageOf(caught));
    }
  }
  const questions = loaded.state === 'ready' ? sortQuestions(loaded.value.questions, 'top') : [];
  const pending = questions.filter((q) => q.status === 'pending');
  const shown = questions.filter((q) => q.status === 'approved');
  const row = (question: EventQuestion) => (
    <li key={question.id}>
      {editing?.id === question.id ? (
        <form
          class="inline-form"
          onSubmit={(e) => {
            e.preventDefault();
            moderate(question, { text: editing.text }).then(() => setEditing(null));
          }}
        >
          <label for={`edit-${question.id}`} class="visually-hidden">
            Question text
          </label>
          <input
            id={`edit-${question.id}`}
            value={editing.text}
            maxLength={300}
            onInput={(e) => setEditing({ id: question.id, text: (e.target as HTMLInputElement).value })}
          />
          <button type="submit" class="primary">
            Save
          </button>
          <button type="button" onClick={() => setEditing(null)}>
            Cancel
          </button>
        </form>
      ) : (
        <span class="deck-question">{question.text}</span>
      )}
      <span class="poll-meta">
        {question.authorName ?? 'Anonymous'} ·{' '}
        {question.upvotes === 1 ? '1 upvote' : `${question.upvotes} upvotes`}
        {question.pinned && ' · Pinned'}
        {question.answered && ' · Answered'}
      </span>
      {writer && (
        <span class="deck-actions">
          {question.status === 'pending' && (
            <button type="button" onClick={() => moderate(question, { status: 'approved' })}>
              Approve
            </button>
          )}
          {question.status === 'approved' && (
            <>
              <button
                type="button"
                aria-pressed={question.pinned}
                onClick={() => moderate(question, { pinned: !question.pinned })}
              >
                Pin
              </button>
              <button
                type="button"
                aria-pressed={question.answered}
                onClick={() => moderate(question, { answered: !question.answered })}
              >
                Answered
              </button>
            </>
          )}
          <button type="button" onClick={() => setEditing({ id: question.id, text: question.text })}>
            Edit
          </button>
          <button type="button" onClick={() => moderate(question, { status: 'dismissed' })}>
            Dismiss
          </button>
        </span>
      )}
    </li>
  );
  return (
    <section aria-labelledby="qa-heading">
      <h2 id="qa-heading">Q&amp;A</h2>
      {writer && (
        <fieldset class="qa-settings">
          <legend class="visually-hidden">Q&amp;A settings</legend>
          {SETTINGS.map(([key, label]) => (
            <label key={key} class="check">
              <input
                type="checkbox"
                checked={event.qa[key]}
                disabled={key !== 'enabled' && !event.qa.enabled}
                onChange={(e) => setting(key, (e.target as HTMLInputElement).checked)}
              />{' '}
              {label}
            </label>
          ))}
        </fieldset>
      )}
      {error && <Failure message={error} />}
      {loaded.state === 'failed' && <Failure message={loaded.message} />}
      {pending.length > 0 && (
        <>
          <h3>Waiting for approval ({pending.length})</h3>
          <ul class="deck question-queue">{pending.map(row)}</ul>
        </>
      )}
      {loaded.state === 'ready' &&
        (shown.length === 0 ? (
          <p class="muted">No questions yet. Participants ask from the event’s page.</p>
        ) : (
          <ul class="deck question-queue">{shown.map(row)}</ul>
        ))}
    </section>
  );
}
