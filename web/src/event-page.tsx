// A participant's side of an event (docs/events.md): `/join` asks for the six-digit code, and
// `/e/<code>` follows the presenter. What is on screen comes live over the event's WebSocket (the
// stage); the poll shown is the voting page itself, with the presenter's reveal, lock and
// countdown applied. Countdowns run on the server's clock, corrected for this device's.
import { useEffect, useRef, useState } from 'preact/hooks';
import { ApiError, callApi } from './api.ts';
import { useClock } from './clock.ts';
import { Questions, useLiveQuestions } from './event-questions.tsx';
import { LeaderboardScreen, QuizQuestion } from './event-quiz.tsx';
import { useLiveChannel } from './live.ts';
import { navigate } from './router.ts';
import { type StageControl, VotePage } from './vote-page.tsx';
import { plainWords } from './voter/problems.ts';

export interface EventStage {
  eventId: string;
  title: string;
  joinCode: string;
  sequence: number;
  screen: 'waiting' | 'poll' | 'qa' | 'leaderboard';
  pollId: string | null;
  position: number | null;
  deckSize: number;
  revealed: boolean;
  votingLockedAt: string | null;
  serverTime: string;
  endsAt: string;
  qa: { enabled: boolean; anonymous: boolean; moderation: boolean };
  quiz: { seconds: number; startedAt: string | null; correctOptionIds: string[] | null } | null;
  leaderboard: {
    players: number;
    final: boolean;
    top: { rank: number; nickname: string; points: number; correct: number }[];
  } | null;
}

interface JoinAnswer {
  eventId: string;
  title: string;
  stage: EventStage;
}

/** "482915" as people read it: "482 915". */
export const spacedCode = (code: string) => `${code.slice(0, 3)} ${code.slice(3)}`;
const plainCode = (typed: string) => typed.replace(/[\s-]/g, '');

const joinAnswer = (code: string) => callApi<JoinAnswer>('GET', `/api/v1/join/${encodeURIComponent(code)}`);

export function JoinPage() {
  const [code, setCode] = useState(() => new URLSearchParams(location.search).get('code') ?? '');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  useEffect(() => {
    document.title = 'Join an event · Canvass';
  }, []);

  async function join(event: Event) {
    event.preventDefault();
    const plain = plainCode(code);
    if (!/^\d{6}$/.test(plain)) {
      setError('A code is six digits, like 482 915. It is on the presenter’s screen.');
      return;
    }
    setBusy(true);
    setError(null);
    try {
      await joinAnswer(plain);
      navigate(`/e/${plain}`);
    } catch (caught) {
      setError(plainWords(caught));
      setBusy(false);
    }
  }

  return (
    <main class="join">
      <h1>Join an event</h1>
      <form onSubmit={join} noValidate>
        <label for="join-code">Event code</label>
        <input
          id="join-code"
          name="code"
          class="join-code"
          inputMode="numeric"
          autoComplete="off"
          maxLength={7}
          placeholder="123 456"
          value={code}
          aria-describedby={error ? 'join-error' : undefined}
          aria-invalid={error ? 'true' : undefined}
          onInput={(event) => setCode((event.target as HTMLInputElement).value)}
        />
        {error && (
          <p id="join-error" class="error" role="alert">
            {error}
          </p>
        )}
        <button type="submit" class="primary" disabled={busy}>
          {busy ? 'Joining…' : 'Join'}
        </button>
      </form>
      <p class="muted small">
        Running the event? <a href="/app/events">Your events</a>
      </p>
    </main>
  );
}

type Load =
  | { state: 'loading' }
  | { state: 'failed'; message: string }
  | { state: 'ready'; joined: JoinAnswer };

export function EventPage({ code }: { code: string }) {
  const [load, setLoad] = useState<Load>({ state: 'loading' });
  // The server's clock minus this device's, from the join answer.
  const skew = useRef(0);
  useEffect(() => {
    let current = true;
    const asked = Date.now();
    joinAnswer(code).then(
      (joined) => {
        if (!current) return;
        skew.current = Date.parse(joined.stage.serverTime) - (asked + Date.now()) / 2;
        setLoad({ state: 'ready', joined });
        document.title = `${joined.title} · Canvass`;
      },
      (caught) => {
        if (current)
          setLoad({
            state: 'failed',
            message:
              caught instanceof ApiError && caught.kind === 'event-not-found'
                ? `No live event has the code ${spacedCode(code)}. Check the code on the presenter’s screen; the event may have ended.`
                : plainWords(caught),
          });
      },
    );
    return () => {
      current = false;
    };
  }, [code]);

  if (load.state === 'loading')
    return (
      <main class="event" aria-busy="true">
        <p class="muted" role="status">
          Joining…
        </p>
      </main>
    );
  if (load.state === 'failed')
    return (
      <main class="event">
        <h1>This event cannot be joined</h1>
        <p class="error" role="alert">
          {load.message}
        </p>
        <p>
          <a href="/join">Enter another code</a>
        </p>
      </main>
    );
  return <LiveEvent joined={load.joined} skew={skew.current} />;
}

function LiveEvent({ joined, skew }: { joined: JoinAnswer; skew: number }) {
  const live = useLiveChannel<EventStage>(
    `/api/v1/events/${encodeURIComponent(joined.eventId)}/live`,
    joined.stage,
  );
  const stage = live.results ?? joined.stage;
  const questions = useLiveQuestions(joined.eventId);
  // Which tab is open: the presenter's screen moves it (to Q&A, or back to the poll), the participant too.
  const [tab, setTab] = useState<'now' | 'qa'>(stage.screen === 'qa' ? 'qa' : 'now');
  // A new screen or a new poll on it takes the phone there.
  const onScreen = `${stage.screen}:${stage.pollId}`;
  const shownScreen = useRef(onScreen);
  useEffect(() => {
    if (shownScreen.current === onScreen) return;
    shownScreen.current = onScreen;
    setTab(stage.screen === 'qa' ? 'qa' : 'now');
  }, [onScreen]);
  const lockedAt = stage.votingLockedAt ? Date.parse(stage.votingLockedAt) - skew : null;
  const now = useClock(lockedAt);
  const ended = Date.parse(stage.endsAt) - skew <= now;
  const control: StageControl = { revealed: stage.revealed, lockedAt, now };
  const qaOn = stage.qa.enabled && !ended;
  const count = questions.results?.questions.length ?? 0;
  return (
    <main class="event">
      <header class="event-head">
        <h1>{stage.title}</h1>
        <p class="muted small">
          Code {spacedCode(stage.joinCode)}
          {stage.position !== null && ` · Poll ${stage.position} of ${stage.deckSize}`}
        </p>
      </header>
      {qaOn && (
        <nav class="event-tabs" aria-label="Event">
          <button
            type="button"
            class={tab === 'now' ? 'tab current' : 'tab'}
            aria-pressed={tab === 'now'}
            onClick={() => setTab('now')}
          >
            {stage.screen === 'poll' ? 'Poll' : 'Now'}
          </button>
          <button
            type="button"
            class={tab === 'qa' ? 'tab current' : 'tab'}
            aria-pressed={tab === 'qa'}
            onClick={() => setTab('qa')}
          >
            Q&amp;A{count > 0 ? ` (${count})` : ''}
          </button>
        </nav>
      )}
      {ended ? (
        <section class="waiting">
          <h2>This event has ended</h2>
          <p class="muted">Thank you for taking part.</p>
        </section>
      ) : qaOn && tab === 'qa' ? (
        <Questions eventId={joined.eventId} live={questions.results} />
      ) : stage.screen === 'poll' && stage.pollId && stage.quiz ? (
        <QuizQuestion key={stage.pollId} stage={stage} pollId={stage.pollId} now={now} lockedAt={lockedAt} />
      ) : stage.screen === 'poll' && stage.pollId ? (
        <VotePage key={stage.pollId} pollId={stage.pollId} stage={control} />
      ) : stage.screen === 'leaderboard' ? (
        <LeaderboardScreen stage={stage} />
      ) : (
        <section class="waiting" aria-live="polite">
          <h2>Waiting for the presenter</h2>
          <p class="muted">
            The next poll shows here by itself. Keep this page open{qaOn ? ', or ask a question in Q&A' : ''}.
          </p>
        </section>
      )}
      <p class="muted small live-line">
        {live.connected ? 'Live' : live.everConnected ? 'Reconnecting…' : 'Connecting…'}
      </p>
    </main>
  );
}
