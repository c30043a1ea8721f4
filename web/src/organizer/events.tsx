// Events (docs/events.md), the organizer's side: `/app/events` lists them and makes one,
// `/app/events/<id>` sets its deck (the workspace's polls, in order) and shares its join code,
// and `/app/events/<id>/present` drives the stage on the big screen: next and previous (arrow
// keys), the waiting screen, reveal, lock and a countdown; every participant's phone follows.
import { useEffect, useRef, useState } from 'preact/hooks';
import { type EventStage, spacedCode } from '../event-page.tsx';
import {
  type EventQuestion,
  type QuestionsSnapshot,
  questionsPath,
  sortQuestions,
  useLiveQuestions,
} from '../event-questions.tsx';
import { ordinal } from '../event-quiz.tsx';
import { useLiveChannel, useLiveResults } from '../live.ts';
import { countOf } from '../results-bars.tsx';
import { navigate } from '../router.ts';
import { ResultsView } from '../voter/results-view.tsx';
import { accessToken, api, can, type Session } from './auth.ts';
import type { FullResults, OrganizerPoll } from './model.ts';
import { QrCode } from './share.tsx';
import {
  Failure,
  Link,
  Loading,
  messageOf,
  StatusBadge,
  saveFile,
  TYPE_LABELS,
  useLoad,
  when,
} from './ui.tsx';

interface EventPoll {
  id: string;
  question: string;
  type: string;
  status: string;
  quiz: { correctOptionIds: string[]; seconds: number } | null;
}

export interface CanvassEvent {
  id: string;
  title: string;
  joinCode: string;
  startsAt: string;
  endsAt: string;
  live: boolean;
  polls: EventPoll[];
  qa: { enabled: boolean; anonymous: boolean; moderation: boolean };
  createdAt: string;
}

const eventPath = (eventId: string) => `/api/v1/events/${encodeURIComponent(eventId)}`;
const joinLink = (code: string) => `${location.origin}/e/${code}`;

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
function QuizForm(props: {
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

const SETTINGS: [keyof CanvassEvent['qa'], string][] = [
  ['enabled', 'Participants may ask and upvote questions'],
  ['anonymous', 'Participants may ask without a name'],
  ['moderation', 'A question shows once approved here'],
];

/** The Q&A on the event's page: its settings, and every question to moderate, live. */
function EventQuestions(props: { event: CanvassEvent; writer: boolean; onSettings: () => void }) {
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

interface EventReport {
  participation: { polls: number; ballots: number; mostVoters: number };
  polls: {
    position: number;
    id: string;
    question: string;
    type: string;
    ballots: number;
    answers: { answer: string; votes: number }[];
  }[];
}

async function downloadReport(eventId: string) {
  const response = await fetch(`${eventPath(eventId)}/report?format=csv`, {
    headers: { authorization: `Bearer ${await accessToken()}` },
  });
  if (!response.ok) throw new Error('The export did not work. Try again.');
  saveFile(await response.blob(), `event-${eventId}.csv`);
}

/** Participation and each poll's leading answer; the CSV has every answer. */
function EventResults({ eventId, report }: { eventId: string; report: EventReport }) {
  const [error, setError] = useState<string | null>(null);
  const { participation } = report;
  return (
    <section aria-labelledby="results-heading">
      <h2 id="results-heading">Results</h2>
      {participation.ballots === 0 ? (
        <p class="muted">No votes yet. Results show here as the audience votes.</p>
      ) : (
        <>
          <p>
            {participation.ballots === 1 ? '1 ballot' : `${participation.ballots} ballots`} in{' '}
            {participation.polls === 1 ? '1 poll' : `${participation.polls} polls`}; the most-answered poll
            had {participation.mostVoters === 1 ? '1 voter' : `${participation.mostVoters} voters`}.
          </p>
          <table class="event-results">
            <thead>
              <tr>
                <th scope="col">#</th>
                <th scope="col">Poll</th>
                <th scope="col">Ballots</th>
                <th scope="col">Leading answer</th>
              </tr>
            </thead>
            <tbody>
              {report.polls.map((poll) => {
                // A tie is a tie: every answer with the most votes.
                const most = Math.max(0, ...poll.answers.map((answer) => answer.votes));
                const leaders = poll.answers.filter((answer) => answer.votes === most);
                return (
                  <tr key={poll.id}>
                    <td>{poll.position}</td>
                    <td>
                      <Link href={`/app/polls/${encodeURIComponent(poll.id)}`}>{poll.question}</Link>
                    </td>
                    <td>{poll.ballots}</td>
                    <td>
                      {most === 0
                        ? '—'
                        : `${leaders.map((answer) => answer.answer).join(', ')} (${most}${leaders.length > 1 ? ' each' : ''})`}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </>
      )}
      <button
        type="button"
        onClick={() => downloadReport(eventId).catch((caught) => setError(messageOf(caught)))}
      >
        Export CSV
      </button>
      {error && <Failure message={error} />}
    </section>
  );
}

const TIMER_SECONDS = 30;

/** The big screen: what the audience sees, and the presenter's controls. */
export function EventPresenter({ eventId, session }: { eventId: string; session: Session }) {
  const [loaded] = useLoad(async () => {
    const [event, stage] = await Promise.all([
      api<CanvassEvent>('GET', eventPath(eventId)),
      api<EventStage>('GET', `${eventPath(eventId)}/stage`),
    ]);
    return { event, stage };
  }, [eventId, session.workspace]);
  const initial = loaded.state === 'ready' ? loaded.value.stage : null;
  const live = useLiveChannel<EventStage>(`${eventPath(eventId)}/live`, initial);
  const [stage, setStage] = useState<EventStage | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  // Whichever is newer: what this screen changed, or what the channel says (another tab's change).
  const shown =
    stage && (!live.results || stage.sequence >= live.results.sequence) ? stage : (live.results ?? initial);
  const deck = loaded.state === 'ready' ? loaded.value.event.polls : [];

  // Keys pressed while a change is on its way wait their turn rather than being lost.
  const queue = useRef<Promise<void>>(Promise.resolve());
  function change(body: Record<string, unknown>) {
    queue.current = queue.current.then(async () => {
      setBusy(true);
      setError(null);
      try {
        setStage(await api<EventStage>('PUT', `${eventPath(eventId)}/stage`, body));
      } catch (caught) {
        setError(messageOf(caught));
      } finally {
        setBusy(false);
      }
    });
  }
  const index = shown?.position ? shown.position - 1 : -1;
  // The last poll shown: after the Q&A, the leaderboard or the waiting screen, → goes on from it.
  const lastShown = useRef(-1);
  if (index >= 0) lastShown.current = index;
  const nextIndex = index >= 0 ? index + 1 : lastShown.current + 1;
  const go = (to: number) => {
    const poll = deck[to];
    if (poll) change({ screen: 'poll', pollId: poll.id });
  };
  const current = shown?.screen === 'poll' ? shown.pollId : null;
  // Locked now (a countdown still running is not: L then locks at once).
  const locked = shown?.votingLockedAt != null && Date.parse(shown.votingLockedAt) <= Date.now();
  const controls = {
    next: () => go(nextIndex),
    previous: () =>
      index > 0
        ? go(index - 1)
        : index === 0
          ? change({ screen: 'waiting' })
          : lastShown.current >= 0 && go(lastShown.current),
    waiting: () => change({ screen: 'waiting' }),
    qa: () => change({ screen: shown?.screen === 'qa' ? 'waiting' : 'qa' }),
    leaderboard: () => change({ screen: shown?.screen === 'leaderboard' ? 'waiting' : 'leaderboard' }),
    reveal: () => current && change({ screen: 'poll', pollId: current, revealed: !shown?.revealed }),
    lock: () => current && change({ screen: 'poll', pollId: current, locked: !locked }),
    timer: () => current && change({ screen: 'poll', pollId: current, timerSeconds: TIMER_SECONDS }),
  };

  useEffect(() => {
    document.body.classList.add('presenting');
    const onKey = (event: KeyboardEvent) => {
      if (event.ctrlKey || event.metaKey || event.altKey) return;
      if ((event.target as HTMLElement | null)?.closest('input, select, textarea')) return;
      const action = {
        ArrowRight: controls.next,
        ArrowLeft: controls.previous,
        w: controls.waiting,
        q: controls.qa,
        b: controls.leaderboard,
        r: controls.reveal,
        l: controls.lock,
        t: controls.timer,
        f: toggleFullScreen,
      }[event.key];
      if (!action) return;
      event.preventDefault();
      action();
    };
    addEventListener('keydown', onKey);
    return () => {
      document.body.classList.remove('presenting');
      removeEventListener('keydown', onKey);
    };
  });

  if (loaded.state === 'loading')
    return (
      <main class="presenter">
        <Loading what="the event" />
      </main>
    );
  if (loaded.state === 'failed')
    return (
      <main class="presenter">
        <Failure message={loaded.message} />
      </main>
    );
  const { event } = loaded.value;
  const link = joinLink(event.joinCode);
  // The channel counts every screen on it, this one too.
  const participants = live.viewers === null ? null : Math.max(0, live.viewers - 1);
  return (
    <main class="presenter event-presenter">
      <header class="presenter-head">
        <h1>{event.title}</h1>
        <div class="actions presenter-controls" role="toolbar" aria-label="Presenter">
          <button
            type="button"
            onClick={controls.previous}
            disabled={busy || !shown || (index < 0 && lastShown.current < 0)}
          >
            ← Previous
          </button>
          <button type="button" onClick={controls.next} disabled={busy || nextIndex >= deck.length}>
            Next →
          </button>
          <button type="button" onClick={controls.waiting} disabled={busy || shown?.screen === 'waiting'}>
            Waiting screen
          </button>
          <button
            type="button"
            onClick={controls.reveal}
            disabled={busy || !current}
            aria-pressed={shown?.revealed ?? false}
          >
            {shown?.revealed ? 'Hide results' : 'Reveal results'}
          </button>
          <button type="button" onClick={controls.lock} disabled={busy || !current} aria-pressed={locked}>
            {locked ? 'Unlock voting' : 'Lock voting'}
          </button>
          <button type="button" onClick={controls.timer} disabled={busy || !current}>
            {TIMER_SECONDS} s timer
          </button>
          {loaded.state === 'ready' && loaded.value.event.qa.enabled && (
            <button type="button" onClick={controls.qa} disabled={busy} aria-pressed={shown?.screen === 'qa'}>
              Q&amp;A
            </button>
          )}
          {deck.some((poll) => poll.quiz) && (
            <button
              type="button"
              onClick={controls.leaderboard}
              disabled={busy}
              aria-pressed={shown?.screen === 'leaderboard'}
            >
              Leaderboard
            </button>
          )}
          <button type="button" onClick={toggleFullScreen}>
            Full screen
          </button>
        </div>
      </header>
      {error && <Failure message={error} />}
      <div class="presenter-body">
        <div class="presenter-results">
          {shown?.screen === 'qa' ? (
            <QuestionsOnStage eventId={event.id} />
          ) : shown?.screen === 'leaderboard' && shown.leaderboard ? (
            <LeaderboardOnStage board={shown.leaderboard} />
          ) : current && shown ? (
            <OnStage key={current} pollId={current} stage={shown} />
          ) : (
            <div class="stage-waiting">
              <h2>{deck.length === 0 ? 'This event has no polls yet' : 'Waiting screen'}</h2>
              <p class="muted">
                {deck.length === 0 ? (
                  <Link href={`/app/events/${encodeURIComponent(event.id)}`}>Add polls to the event</Link>
                ) : (
                  'Participants see a waiting screen. Press → to show the first poll.'
                )}
              </p>
            </div>
          )}
        </div>
        <aside class="presenter-join">
          <p>Join at {location.host}/join</p>
          <p class="join-code-big">{spacedCode(event.joinCode)}</p>
          <QrCode text={link} size={200} label={`QR code to join at ${link}`} />
        </aside>
      </div>
      <footer class="presenter-foot">
        <span>
          {shown?.position ? `Poll ${shown.position} of ${shown.deckSize}` : `${deck.length} polls`}
        </span>
        <span data-testid="participants" aria-live="polite">
          {participants === null ? '' : participants === 1 ? '1 participant' : `${participants} participants`}
        </span>
        <span>{live.connected ? 'Live' : 'Reconnecting…'}</span>
      </footer>
    </main>
  );
}

/** The standings on the big screen; the podium once every quiz question has been shown. */
function LeaderboardOnStage({ board }: { board: NonNullable<EventStage['leaderboard']> }) {
  return (
    <>
      <h2 class="stage-question">{board.final ? 'Final results' : 'Leaderboard'}</h2>
      {board.top.length === 0 ? (
        <p class="muted">Nobody has played yet.</p>
      ) : (
        <ol class={board.final ? 'stage-board podium' : 'stage-board'}>
          {board.top.map((row) => (
            <li key={row.nickname} class={`place-${row.rank}`}>
              <span class="podium-rank">{ordinal(row.rank)}</span> {row.nickname}{' '}
              <span class="muted">
                {row.points} points · {row.correct} right
              </span>
            </li>
          ))}
        </ol>
      )}
      <p class="muted">{board.players === 1 ? '1 player' : `${board.players} players`}</p>
    </>
  );
}

/** The Q&A on the big screen: the top question large, the next few below it. */
function QuestionsOnStage({ eventId }: { eventId: string }) {
  const live = useLiveQuestions(eventId);
  if (!live.results) return <Loading what="the questions" />;
  const [top, ...rest] = sortQuestions(live.results.questions, 'top').filter((q) => !q.answered);
  if (!top)
    return (
      <div class="stage-waiting">
        <h2>Questions</h2>
        <p class="muted">No questions yet. Ask yours at {location.host}/join.</p>
      </div>
    );
  return (
    <>
      <p class="muted">Top question · {top.upvotes === 1 ? '1 upvote' : `${top.upvotes} upvotes`}</p>
      <h2 class="stage-question top-question">{top.text}</h2>
      <p class="muted">{top.authorName ?? 'Anonymous'}</p>
      {rest.length > 0 && (
        <ol class="next-questions">
          {rest.slice(0, 4).map((question) => (
            <li key={question.id}>
              {question.text} <span class="muted">· {question.upvotes}</span>
            </li>
          ))}
        </ol>
      )}
    </>
  );
}

/** The poll on screen: its question, results as they move, and the lock or countdown. */
function OnStage({ pollId, stage }: { pollId: string; stage: EventStage }) {
  const [loaded] = useLoad(
    () => api<OrganizerPoll>('GET', `/api/v1/polls/${encodeURIComponent(pollId)}`),
    [pollId],
  );
  const live = useLiveResults(pollId, null, { bearer: accessToken });
  const now = useTicking(stage.votingLockedAt);
  if (loaded.state === 'loading') return <Loading what="the poll" />;
  if (loaded.state === 'failed') return <Failure message={loaded.message} />;
  const poll = loaded.value;
  const results = live.results as FullResults | null;
  const lockAt = stage.votingLockedAt ? Date.parse(stage.votingLockedAt) : null;
  const left = lockAt !== null ? Math.ceil((lockAt - now) / 1000) : null;
  return (
    <>
      <h2 class="stage-question">{poll.question}</h2>
      <p class="muted stage-status" aria-live="polite">
        {countOf(results?.totalVotes ?? 0, poll.type)}
        {left !== null && (left > 0 ? ` · ${left} s left` : ' · Voting locked')}
        {stage.revealed ? ' · Results shown to everyone' : ' · Results hidden from the audience'}
      </p>
      {stage.quiz?.correctOptionIds && (
        <p class="right-answer">
          Right answer:{' '}
          {poll.options
            .filter((option) => stage.quiz?.correctOptionIds?.includes(option.id))
            .map((option) => option.label)
            .join(', ')}
        </p>
      )}
      {results ? (
        <ResultsView results={results} type={poll.type} chosen={[]} />
      ) : (
        <p class="muted">Results appear as votes arrive.</p>
      )}
    </>
  );
}

/** Date.now(), read again when the lock changes and ticking while a countdown runs. */
function useTicking(lockedAt: string | null): number {
  const [now, setNow] = useState(Date.now);
  useEffect(() => {
    setNow(Date.now());
    const until = lockedAt ? Date.parse(lockedAt) : 0;
    if (until <= Date.now()) return;
    const timer = setInterval(() => {
      setNow(Date.now());
      if (Date.now() >= until) clearInterval(timer);
    }, 250);
    return () => clearInterval(timer);
  }, [lockedAt]);
  return now;
}

function toggleFullScreen() {
  if (document.fullscreenElement) document.exitFullscreen();
  else document.documentElement.requestFullscreen().catch(() => undefined);
}
