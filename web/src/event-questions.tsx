// An event's audience Q&A on a participant's phone (docs/events.md): ask (named, or anonymously
// where the event allows), upvote others' questions once (tap again to take it back), sorted by
// upvotes or by time, live. Which questions this browser upvoted it remembers itself; the counts
// are the server's.
import { useState } from 'preact/hooks';
import { callApi } from './api.ts';
import { useLiveChannel } from './live.ts';
import { read, voterToken, write } from './storage.ts';
import { plainWords } from './voter/problems.ts';

export interface EventQuestion {
  id: string;
  text: string;
  authorName: string | null;
  upvotes: number;
  pinned: boolean;
  answered: boolean;
  status: 'pending' | 'approved' | 'dismissed';
  createdAt: string;
}

export interface QuestionsSnapshot {
  eventId: string;
  sequence: number;
  qa: { enabled: boolean; anonymous: boolean; moderation: boolean };
  questions: EventQuestion[];
}

export const questionsPath = (eventId: string) => `/api/v1/events/${encodeURIComponent(eventId)}/questions`;

/** The live questions of an event (anyone may follow them). */
export const useLiveQuestions = (eventId: string) =>
  useLiveChannel<QuestionsSnapshot>(`${questionsPath(eventId)}/live`, null);

/** Pinned first; then unanswered before answered; then by upvotes (or newest first). */
export function sortQuestions(questions: readonly EventQuestion[], by: 'top' | 'recent'): EventQuestion[] {
  return [...questions].sort(
    (a, b) =>
      Number(b.pinned) - Number(a.pinned) ||
      Number(a.answered) - Number(b.answered) ||
      (by === 'top' ? b.upvotes - a.upvotes : 0) ||
      b.createdAt.localeCompare(a.createdAt),
  );
}

const upvotedKey = (eventId: string) => `canvass.upvoted.${eventId}`;
function keptUpvotes(eventId: string): Set<string> {
  try {
    return new Set(JSON.parse(read(upvotedKey(eventId)) ?? '[]') as string[]);
  } catch {
    return new Set();
  }
}

export function Questions({ eventId, live }: { eventId: string; live: QuestionsSnapshot | null }) {
  const [sort, setSort] = useState<'top' | 'recent'>('top');
  const [text, setText] = useState('');
  const [name, setName] = useState('');
  const [sending, setSending] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [upvoted, setUpvoted] = useState(() => keptUpvotes(eventId));
  // Counts from this browser's own answers, until a newer snapshot brings them.
  const [own, setOwn] = useState(new Map<string, { upvotes: number; sequence: number }>());
  if (!live) return <p class="muted">Loading the questions…</p>;
  const { qa } = live;
  if (!qa.enabled) return <p class="muted">The organizer has turned questions off.</p>;

  async function ask(event: Event) {
    event.preventDefault();
    setError(null);
    setNotice(null);
    if (!text.trim()) return setError('Write your question first.');
    if (!qa.anonymous && !name.trim()) return setError('This event asks for your name with each question.');
    setSending(true);
    try {
      const answer = await callApi<{ question: EventQuestion }>('POST', questionsPath(eventId), {
        body: { text: text.trim(), ...(name.trim() ? { name: name.trim() } : {}) },
        headers: { 'voter-token': voterToken() },
      });
      setText('');
      setNotice(
        answer.question.status === 'pending'
          ? 'Sent. Your question shows once the organizer approves it.'
          : 'Sent. Your question is on the list.',
      );
    } catch (caught) {
      setError(plainWords(caught));
    } finally {
      setSending(false);
    }
  }

  async function toggle(question: EventQuestion) {
    const on = !upvoted.has(question.id);
    setError(null);
    try {
      const answer = await callApi<{ upvotes: number }>(
        on ? 'PUT' : 'DELETE',
        `${questionsPath(eventId)}/${encodeURIComponent(question.id)}/upvote`,
        { headers: { 'voter-token': voterToken() } },
      );
      const next = new Set(upvoted);
      if (on) next.add(question.id);
      else next.delete(question.id);
      setUpvoted(next);
      write(upvotedKey(eventId), JSON.stringify([...next]));
      setOwn(new Map(own).set(question.id, { upvotes: answer.upvotes, sequence: live?.sequence ?? 0 }));
    } catch (caught) {
      setError(plainWords(caught));
    }
  }

  const count = (question: EventQuestion) => {
    const mine = own.get(question.id);
    return mine && mine.sequence >= (live?.sequence ?? 0) ? mine.upvotes : question.upvotes;
  };
  const sorted = sortQuestions(live.questions, sort);
  return (
    <section class="questions" aria-labelledby="questions-heading">
      <h2 id="questions-heading">Questions</h2>
      <form class="ask" onSubmit={ask} noValidate>
        <label for="question-text">Your question</label>
        <textarea
          id="question-text"
          rows={3}
          maxLength={300}
          value={text}
          onInput={(event) => setText((event.target as HTMLTextAreaElement).value)}
        />
        <label for="question-name">{qa.anonymous ? 'Your name (optional)' : 'Your name'}</label>
        <input
          id="question-name"
          maxLength={60}
          autoComplete="name"
          value={name}
          onInput={(event) => setName((event.target as HTMLInputElement).value)}
        />
        <button type="submit" class="primary" disabled={sending}>
          {sending ? 'Sending…' : 'Ask'}
        </button>
        {error && (
          <p class="error" role="alert">
            {error}
          </p>
        )}
        {notice && (
          <p class="receipt" role="status">
            {notice}
          </p>
        )}
      </form>
      <fieldset class="tabs">
        <legend class="visually-hidden">Sort the questions</legend>
        {(
          [
            ['top', 'Top'],
            ['recent', 'Recent'],
          ] as const
        ).map(([value, label]) => (
          <button
            type="button"
            key={value}
            class={sort === value ? 'tab current' : 'tab'}
            aria-pressed={sort === value}
            onClick={() => setSort(value)}
          >
            {label}
          </button>
        ))}
      </fieldset>
      {sorted.length === 0 ? (
        <p class="muted">No questions yet. Ask the first one.</p>
      ) : (
        <ul class="question-list">
          {sorted.map((question) => (
            <li key={question.id} class={question.answered ? 'answered' : undefined}>
              <p class="question-text">{question.text}</p>
              <p class="muted small">
                {question.authorName ?? 'Anonymous'}
                {question.pinned && ' · Pinned'}
                {question.answered && ' · Answered'}
              </p>
              <button
                type="button"
                class="upvote"
                aria-pressed={upvoted.has(question.id)}
                onClick={() => toggle(question)}
              >
                <span aria-hidden="true">▲</span> {count(question)}
                <span class="visually-hidden"> upvotes</span>
              </button>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
