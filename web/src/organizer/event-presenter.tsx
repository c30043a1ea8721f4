// `/app/events/<id>/present`: the event on the big screen and the presenter's controls: next and
// previous (arrow keys), the waiting screen, reveal, lock, a countdown, the Q&A and the quiz
// leaderboard; every participant's phone follows.
import { useEffect, useRef, useState } from 'preact/hooks';
import { useClock } from '../clock.ts';
import { type EventStage, spacedCode } from '../event-page.tsx';
import { sortQuestions, useLiveQuestions } from '../event-questions.tsx';
import { ordinal } from '../event-quiz.tsx';
import { useLiveChannel, useLiveResults } from '../live.ts';
import { countOf } from '../results-bars.tsx';
import { ResultsView } from '../voter/results-view.tsx';
import { accessToken, api, type Session } from './auth.ts';
import { type CanvassEvent, eventPath, joinLink } from './event-model.ts';
import type { FullResults, OrganizerPoll } from './model.ts';
import { toggleFullScreen } from './presenter.tsx';
import { QrCode } from './share.tsx';
import { Failure, Link, Loading, messageOf, useLoad } from './ui.tsx';

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
  const now = useClock(stage.votingLockedAt ? Date.parse(stage.votingLockedAt) : null);
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
