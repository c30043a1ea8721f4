// Events (docs/events.md), the organizer's side: `/app/events` lists them and makes one, and
// `/app/events/<id>` sets its deck (the workspace's polls, in order), shares its join code, runs
// its Q&A and shows its results. The big screen is event-presenter.tsx.
import { useState } from 'preact/hooks';
import { spacedCode } from '../event-page.tsx';
import { navigate } from '../router.ts';
import { api, can, type Session } from './auth.ts';
import { type CanvassEvent, type EventReport, eventPath, joinLink } from './event-model.ts';
import { EventQuestions } from './event-questions-admin.tsx';
import { QuizForm } from './event-quiz-form.tsx';
import { EventResults } from './event-results.tsx';
import type { OrganizerPoll } from './model.ts';
import { QrCode } from './share.tsx';
import { Failure, Link, Loading, messageOf, StatusBadge, TYPE_LABELS, useLoad, when } from './ui.tsx';

export function EventList({ session }: { session: Session }) {
  const [loaded] = useLoad(
    () => api<{ events: CanvassEvent[] }>('GET', '/api/v1/events'),
    [session.workspace],
  );
  const [title, setTitle] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const writer = can(session, 'polls:write');

  async function create(event: Event) {
    event.preventDefault();
    if (!title.trim()) {
      setError('Give the event a title, such as the name of your talk or meeting.');
      return;
    }
    setBusy(true);
    setError(null);
    try {
      const created = await api<CanvassEvent>('POST', '/api/v1/events', { title: title.trim() });
      navigate(`/app/events/${encodeURIComponent(created.id)}`);
    } catch (caught) {
      setError(messageOf(caught));
      setBusy(false);
    }
  }

  return (
    <>
      <div class="page-head">
        <h1>Events</h1>
      </div>
      <p class="muted">
        An event holds polls in an order behind one six-digit code. Your audience joins at{' '}
        <strong>{location.host}/join</strong>, and their screens follow yours as you present.
      </p>
      {writer && (
        <form class="inline-form" onSubmit={create} noValidate>
          <label for="event-title">New event</label>
          <input
            id="event-title"
            value={title}
            maxLength={120}
            placeholder="Quarterly all-hands"
            aria-invalid={error ? 'true' : undefined}
            aria-describedby={error ? 'event-error' : undefined}
            onInput={(e) => setTitle((e.target as HTMLInputElement).value)}
          />
          <button type="submit" class="primary" disabled={busy}>
            {busy ? 'Creating…' : 'Create event'}
          </button>
          {error && (
            <p id="event-error" class="error" role="alert">
              {error}
            </p>
          )}
        </form>
      )}
      {loaded.state === 'loading' && <Loading what="your events" />}
      {loaded.state === 'failed' && <Failure message={loaded.message} />}
      {loaded.state === 'ready' && loaded.value.events.length === 0 && (
        <div class="empty">
          <p>This workspace has no events yet.</p>
        </div>
      )}
      {loaded.state === 'ready' && loaded.value.events.length > 0 && (
        <ul class="poll-list">
          {loaded.value.events.map((event) => (
            <li key={event.id}>
              <Link href={`/app/events/${encodeURIComponent(event.id)}`} class="poll-link">
                <span class="poll-question">{event.title}</span>
                <span class="poll-meta">
                  <span class={`badge ${event.live ? 'status-open' : 'status-closed'}`}>
                    {event.live ? 'Live' : 'Ended'}
                  </span>{' '}
                  Code {spacedCode(event.joinCode)} · {when(event.createdAt)}
                </span>
                <span class="poll-votes">
                  {event.polls.length === 1 ? '1 poll' : `${event.polls.length} polls`}
                </span>
              </Link>
            </li>
          ))}
        </ul>
      )}
    </>
  );
}

export function EventDetail({ eventId, session }: { eventId: string; session: Session }) {
  const [loaded, reload] = useLoad(async () => {
    const [event, page, report] = await Promise.all([
      api<CanvassEvent>('GET', eventPath(eventId)),
      api<{ polls: OrganizerPoll[] }>('GET', '/api/v1/polls?limit=100'),
      api<EventReport>('GET', `${eventPath(eventId)}/report`),
    ]);
    return { event, polls: page.polls, report };
  }, [eventId, session.workspace]);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [adding, setAdding] = useState('');
  const [quizzing, setQuizzing] = useState<string | null>(null);
  const writer = can(session, 'polls:write');

  if (loaded.state === 'loading') return <Loading what="the event" />;
  if (loaded.state === 'failed') return <Failure message={loaded.message} />;
  const { event, polls, report } = loaded.value;
  const inDeck = new Set(event.polls.map((poll) => poll.id));
  const addable = polls.filter((poll) => !inDeck.has(poll.id));
  const link = joinLink(event.joinCode);

  async function setDeck(pollIds: string[]) {
    setBusy(true);
    setError(null);
    try {
      await api('PATCH', eventPath(eventId), { pollIds });
      reload();
    } catch (caught) {
      setError(messageOf(caught));
    } finally {
      setBusy(false);
    }
  }
  const ids = event.polls.map((poll) => poll.id);
  const move = (index: number, by: number) => {
    const next = [...ids];
    const [moved] = next.splice(index, 1);
    next.splice(index + by, 0, moved!);
    return setDeck(next);
  };
  async function remove() {
    if (!confirm(`Delete the event “${event.title}”? Its polls stay, with their votes.`)) return;
    setBusy(true);
    try {
      await api('DELETE', eventPath(eventId));
      navigate('/app/events');
    } catch (caught) {
      setError(messageOf(caught));
      setBusy(false);
    }
  }

  return (
    <>
      <div class="page-head">
        <h1>{event.title}</h1>
        {writer && event.live && (
          <Link class="button primary" href={`/app/events/${encodeURIComponent(event.id)}/present`}>
            Present
          </Link>
        )}
      </div>
      <p class="muted">
        {event.live ? 'Live' : 'Ended'} · {when(event.startsAt)} to {when(event.endsAt)}
      </p>
      <section class="share-panel event-share" aria-labelledby="join-heading">
        <h2 id="join-heading">Join code</h2>
        <p class="join-code-big">{spacedCode(event.joinCode)}</p>
        <p>
          At <a href="/join">{location.host}/join</a>, or{' '}
          <a href={link}>{link.replace(/^https?:\/\//, '')}</a>
        </p>
        <QrCode text={link} size={160} label={`QR code to join at ${link}`} />
      </section>
      <section aria-labelledby="deck-heading">
        <h2 id="deck-heading">Polls, in order</h2>
        {error && <Failure message={error} />}
        {event.polls.length === 0 ? (
          <p class="muted">No polls yet. Add the polls you will show, in the order you will show them.</p>
        ) : (
          <ol class="deck">
            {event.polls.map((poll, index) => (
              <li key={poll.id}>
                <Link href={`/app/polls/${encodeURIComponent(poll.id)}`} class="deck-question">
                  {poll.question}
                </Link>
                <span class="poll-meta">
                  <StatusBadge status={poll.status} /> {TYPE_LABELS[poll.type] ?? poll.type}
                  {poll.quiz && ` · Quiz, ${poll.quiz.seconds} s`}
                </span>
                {writer && (
                  <span class="deck-actions">
                    {(poll.type === 'single_choice' || poll.type === 'multiple_choice') && (
                      <button
                        type="button"
                        aria-expanded={quizzing === poll.id}
                        aria-label={`Quiz settings of “${poll.question}”`}
                        onClick={() => setQuizzing(quizzing === poll.id ? null : poll.id)}
                      >
                        Quiz
                      </button>
                    )}
                    <button
                      type="button"
                      disabled={busy || index === 0}
                      aria-label={`Move “${poll.question}” up`}
                      onClick={() => move(index, -1)}
                    >
                      ↑
                    </button>
                    <button
                      type="button"
                      disabled={busy || index === event.polls.length - 1}
                      aria-label={`Move “${poll.question}” down`}
                      onClick={() => move(index, 1)}
                    >
                      ↓
                    </button>
                    <button
                      type="button"
                      disabled={busy}
                      aria-label={`Remove “${poll.question}” from the event`}
                      onClick={() => setDeck(ids.filter((id) => id !== poll.id))}
                    >
                      Remove
                    </button>
                  </span>
                )}
                {quizzing === poll.id && (
                  <QuizForm
                    eventId={event.id}
                    poll={poll}
                    options={polls.find((p) => p.id === poll.id)?.options ?? []}
                    onDone={() => {
                      setQuizzing(null);
                      reload();
                    }}
                  />
                )}
              </li>
            ))}
          </ol>
        )}
        {writer && (
          <form
            class="inline-form"
            onSubmit={(e) => {
              e.preventDefault();
              if (adding) setDeck([...ids, adding]).then(() => setAdding(''));
            }}
          >
            <label for="add-poll">Add a poll</label>
            <select
              id="add-poll"
              value={adding}
              onChange={(e) => setAdding((e.target as HTMLSelectElement).value)}
            >
              <option value="">
                {addable.length === 0 ? 'Every poll of this workspace is here' : 'Choose a poll…'}
              </option>
              {addable.map((poll) => (
                <option key={poll.id} value={poll.id}>
                  {poll.question.length > 80 ? `${poll.question.slice(0, 79)}…` : poll.question}
                </option>
              ))}
            </select>
            <button type="submit" disabled={busy || !adding}>
              Add
            </button>
            <Link href="/app/polls/new">New poll</Link>
          </form>
        )}
        {writer && (
          <p class="muted small">
            A poll you made as a guest joins once you move it into this workspace (on Polls, under “Polls you
            made as a guest”).
          </p>
        )}
      </section>
      <EventQuestions event={event} writer={writer} onSettings={reload} />
      <EventResults eventId={event.id} report={report} />
      {writer && (
        <div class="danger-zone">
          <button type="button" class="danger" disabled={busy} onClick={remove}>
            Delete event
          </button>
        </div>
      )}
    </>
  );
}

/** A deck entry's quiz settings: its right answers and seconds. */
