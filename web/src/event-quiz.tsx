// A quiz on a participant's phone (docs/events.md): pick a nickname once, answer each question
// before its time is up (the server's clock decides), see the right answer and your points when
// the presenter reveals it, and the leaderboard (a podium at the end).
import { useEffect, useState } from 'preact/hooks';
import { callApi, type Poll, pollPath } from './api.ts';
import type { EventStage } from './event-page.tsx';
import { read, voterToken, write } from './storage.ts';
import { plainWords } from './voter/problems.ts';

interface Player {
  nickname: string;
  points: number;
  correct: number;
  rank: number;
  players: number;
  answers: { pollId: string; correct: boolean; points: number }[];
}

const eventPath = (eventId: string) => `/api/v1/events/${encodeURIComponent(eventId)}`;
const nicknameKey = (eventId: string) => `canvass.nickname.${eventId}`;
const answeredKey = (eventId: string, pollId: string) => `canvass.quizAnswer.${eventId}.${pollId}`;
const headers = () => ({ 'voter-token': voterToken() });

/** This participant's standing, read again whenever `refresh` changes (null: not playing yet). */
function usePlayer(eventId: string, refresh: unknown): Player | null {
  const [player, setPlayer] = useState<Player | null>(null);
  useEffect(() => {
    if (!read(nicknameKey(eventId))) return;
    callApi<Player>('GET', `${eventPath(eventId)}/players/me`, { headers: headers() }).then(
      setPlayer,
      () => {},
    );
  }, [eventId, JSON.stringify(refresh)]);
  return player;
}

function NicknameForm({ eventId, onPlaying }: { eventId: string; onPlaying: (nickname: string) => void }) {
  const [nickname, setNickname] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  async function play(event: Event) {
    event.preventDefault();
    if (!nickname.trim()) return setError('Pick a nickname: it shows on the leaderboard.');
    setBusy(true);
    setError(null);
    try {
      const answer = await callApi<{ nickname: string }>('POST', `${eventPath(eventId)}/players`, {
        body: { nickname: nickname.trim() },
        headers: headers(),
      });
      write(nicknameKey(eventId), answer.nickname);
      onPlaying(answer.nickname);
    } catch (caught) {
      setError(plainWords(caught));
      setBusy(false);
    }
  }
  return (
    <form class="ask" onSubmit={play} noValidate>
      <label for="nickname">Your nickname for the quiz</label>
      <input
        id="nickname"
        maxLength={30}
        autoComplete="nickname"
        value={nickname}
        onInput={(event) => setNickname((event.target as HTMLInputElement).value)}
      />
      <button type="submit" class="primary" disabled={busy}>
        {busy ? 'Joining…' : 'Play'}
      </button>
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
    </form>
  );
}

/** The quiz question on screen. `now` and `lockedAt` are in this device's clock, corrected. */
export function QuizQuestion(props: {
  stage: EventStage;
  pollId: string;
  now: number;
  lockedAt: number | null;
}) {
  const { stage, pollId, now, lockedAt } = props;
  const [nickname, setNickname] = useState(() => read(nicknameKey(stage.eventId)));
  const [poll, setPoll] = useState<Poll | null>(null);
  const [chosen, setChosen] = useState<string[]>(() => {
    const kept = read(answeredKey(stage.eventId, pollId));
    return kept ? (JSON.parse(kept) as string[]) : [];
  });
  const [sent, setSent] = useState(() => read(answeredKey(stage.eventId, pollId)) !== null);
  const [error, setError] = useState<string | null>(null);
  const timeUp = lockedAt !== null && now >= lockedAt;
  const revealed = stage.quiz?.correctOptionIds ?? null;
  const player = usePlayer(stage.eventId, [nickname, timeUp, revealed !== null]);
  useEffect(() => {
    callApi<Poll>('GET', pollPath(pollId)).then(setPoll, (caught) => setError(plainWords(caught)));
  }, [pollId]);

  if (!nickname) return <NicknameForm eventId={stage.eventId} onPlaying={setNickname} />;
  if (!poll) return error ? <p class="error">{error}</p> : <p class="muted">Loading the question…</p>;
  const multiple = poll.type === 'multiple_choice';

  async function send(optionIds: string[]) {
    setError(null);
    try {
      await callApi('POST', `${eventPath(stage.eventId)}/quiz/${encodeURIComponent(pollId)}/answers`, {
        body: { optionIds },
        headers: headers(),
      });
      write(answeredKey(stage.eventId, pollId), JSON.stringify(optionIds));
      setChosen(optionIds);
      setSent(true);
    } catch (caught) {
      setError(plainWords(caught));
    }
  }
  const secondsLeft = lockedAt !== null && !timeUp ? Math.ceil((lockedAt - now) / 1000) : null;
  const mine = player?.answers.find((answer) => answer.pollId === pollId);
  return (
    <section class="vote in-event quiz">
      <h2>{poll.question}</h2>
      <p class="muted small">Playing as {nickname}</p>
      {secondsLeft !== null && (
        <p class="countdown" role="timer">
          {secondsLeft} s left
        </p>
      )}
      <div class="quiz-options">
        {poll.options.map((option) => {
          const picked = chosen.includes(option.id);
          const right = revealed?.includes(option.id);
          return (
            <button
              type="button"
              key={option.id}
              class={`choice${picked ? ' picked' : ''}${right ? ' right' : ''}`}
              aria-pressed={picked}
              disabled={sent || timeUp}
              onClick={() =>
                multiple
                  ? setChosen(picked ? chosen.filter((id) => id !== option.id) : [...chosen, option.id])
                  : send([option.id])
              }
            >
              {option.label}
              {right && <span class="visually-hidden"> (the right answer)</span>}
            </button>
          );
        })}
      </div>
      {multiple && !sent && !timeUp && (
        <button type="button" class="primary" disabled={chosen.length === 0} onClick={() => send(chosen)}>
          Send my answer
        </button>
      )}
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      <p class="receipt" aria-live="polite">
        {revealed && mine
          ? mine.correct
            ? `Right! +${mine.points} points`
            : 'Not this time: no points'
          : revealed && timeUp
            ? sent
              ? 'Checking your answer…'
              : 'Time was up before you answered: no points'
            : sent
              ? 'Answer received. The right answer shows when time is up.'
              : timeUp
                ? 'Time is up.'
                : 'Tap your answer.'}
      </p>
    </section>
  );
}

/** Between questions and at the end: the standings, and where this participant is. */
export function LeaderboardScreen({ stage }: { stage: EventStage }) {
  const board = stage.leaderboard;
  const player = usePlayer(stage.eventId, [stage.sequence]);
  if (!board) return null;
  const podium = board.final ? board.top.filter((row) => row.rank <= 3) : [];
  return (
    <section class="leaderboard" aria-labelledby="leaderboard-heading">
      <h2 id="leaderboard-heading">{board.final ? 'Final results' : 'Leaderboard'}</h2>
      {player && (
        <p class="receipt">
          You are {ordinal(player.rank)} of {player.players} with {player.points} points.
        </p>
      )}
      {podium.length > 0 && (
        <ol class="podium">
          {podium.map((row) => (
            <li key={row.nickname} class={`place-${row.rank}`}>
              <span class="podium-rank">{ordinal(row.rank)}</span> {row.nickname}{' '}
              <span class="muted">{row.points}</span>
            </li>
          ))}
        </ol>
      )}
      {board.top.length === 0 ? (
        <p class="muted">Nobody has played yet.</p>
      ) : (
        <table class="standings">
          <thead>
            <tr>
              <th scope="col">#</th>
              <th scope="col">Player</th>
              <th scope="col">Points</th>
            </tr>
          </thead>
          <tbody>
            {board.top.map((row) => (
              <tr key={row.nickname}>
                <td>{row.rank}</td>
                <td>{row.nickname}</td>
                <td>{row.points}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <p class="muted small">{board.players === 1 ? '1 player' : `${board.players} players`}</p>
    </section>
  );
}

export function ordinal(rank: number): string {
  const tens = rank % 100;
  const suffix = tens >= 11 && tens <= 13 ? 'th' : (['th', 'st', 'nd', 'rd'][rank % 10] ?? 'th');
  return `${rank}${suffix}`;
}
