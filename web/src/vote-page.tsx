// `/p/<pollId>`: the voter's page, phone first. One tap votes; the receipt and live results follow.
import { useEffect, useState } from 'preact/hooks';
import { ApiError, callApi, type PollPage, pollPath } from './api.ts';
import { useLiveResults } from './live.ts';
import { ResultsBars } from './results-bars.tsx';
import { keepVoteReceipt, manageToken, voteReceipt, voterToken } from './storage.ts';

type Load = { state: 'loading' } | { state: 'failed'; message: string } | { state: 'ready'; page: PollPage };

const hiddenReasons: Record<string, string> = {
  'results-after-vote': 'Results show once you have voted.',
  'results-after-close': 'Results show once the poll closes.',
  'results-hidden': 'The organizer keeps the results private.',
};

function credentialHeaders(pollId: string): Record<string, string> {
  const headers: Record<string, string> = {};
  const receipt = voteReceipt(pollId);
  const token = manageToken(pollId);
  if (receipt) headers['vote-receipt'] = receipt;
  if (token) headers['manage-token'] = token;
  return headers;
}

export function VotePage({ pollId }: { pollId: string }) {
  const [load, setLoad] = useState<Load>({ state: 'loading' });
  const [receipt, setReceipt] = useState(() => voteReceipt(pollId));
  const [alreadyVoted, setAlreadyVoted] = useState(false);
  const [chosen, setChosen] = useState<string | null>(null);
  const [sending, setSending] = useState(false);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    let current = true;
    callApi<PollPage>('GET', `${pollPath(pollId)}/page`, { headers: credentialHeaders(pollId) })
      .then((page) => {
        if (!current) return;
        setLoad({ state: 'ready', page });
        document.title = `${page.poll.question} · Canvass`;
      })
      .catch((caught) => {
        if (current) setLoad({ state: 'failed', message: messageOf(caught) });
      });
    return () => {
      current = false;
    };
  }, [pollId]);

  const initial = load.state === 'ready' ? load.page.results : null;
  const live = useLiveResults(pollId, initial, {
    receipt,
    manageToken: manageToken(pollId),
  });

  if (load.state === 'loading') {
    return (
      <main aria-busy="true">
        <p class="muted">Loading the poll…</p>
      </main>
    );
  }
  if (load.state === 'failed') {
    return (
      <main>
        <h1>This poll cannot be shown</h1>
        <p class="error" role="alert">
          {load.message}
        </p>
        <p>
          <a href="/">Create a poll of your own</a>
        </p>
      </main>
    );
  }

  const { poll, resultsUnavailable } = load.page;
  const voted = receipt !== null || alreadyVoted;

  async function vote(optionId: string) {
    setSending(true);
    setError(null);
    setChosen(optionId);
    try {
      const answer = await callApi<{ receiptId: string }>('POST', `${pollPath(pollId)}/votes`, {
        body: { optionIds: [optionId] },
        headers: { 'voter-token': voterToken() },
      });
      keepVoteReceipt(pollId, answer.receiptId);
      setReceipt(answer.receiptId);
    } catch (caught) {
      setChosen(null);
      if (caught instanceof ApiError && caught.kind === 'already-voted') setAlreadyVoted(true);
      else setError(messageOf(caught));
    } finally {
      setSending(false);
    }
  }

  const results = live.results;
  const hidden = live.hidden ?? (results ? null : resultsUnavailable?.type);
  return (
    <main class="vote">
      <h1>{poll.question}</h1>
      <Status status={poll.status} opensAt={poll.opensAt} />
      {poll.status === 'open' && !voted && poll.type !== 'single_choice' && (
        <p>This kind of poll cannot be answered in the web app yet.</p>
      )}
      {poll.status === 'open' && !voted && poll.type === 'single_choice' && (
        <fieldset class="choices" disabled={sending}>
          <legend>Tap your answer</legend>
          {poll.options.map((option) => (
            <button
              type="button"
              key={option.id}
              class={option.id === chosen ? 'choice chosen' : 'choice'}
              onClick={() => vote(option.id)}
            >
              {option.label}
            </button>
          ))}
        </fieldset>
      )}
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      <div aria-live="polite">
        {receipt && (
          <p class="receipt">
            Your vote is in. Receipt: <code>{receipt}</code>
          </p>
        )}
        {!receipt && alreadyVoted && <p class="receipt">You have already voted.</p>}
      </div>
      {results && results.totalVotes >= 0 && <ResultsBars results={results} chosen={chosen} />}
      {!results && hidden && <p class="muted">{hiddenReasons[hidden] ?? 'Results are not available yet.'}</p>}
      <p class="muted small">
        {live.viewers !== null ? `${live.viewers} watching · ` : ''}
        {live.connected ? 'Live' : 'Reconnecting…'}
      </p>
    </main>
  );
}

function Status({ status, opensAt }: { status: string; opensAt: string | null }) {
  if (status === 'closed') return <p class="notice">This poll is closed. No more votes are taken.</p>;
  if (status === 'scheduled' && opensAt)
    return <p class="notice">This poll is not open yet. It opens {new Date(opensAt).toLocaleString()}.</p>;
  if (status !== 'open') return <p class="notice">This poll is not open yet.</p>;
  return null;
}

function messageOf(caught: unknown): string {
  return caught instanceof ApiError ? caught.message : 'Something went wrong. Try again.';
}
