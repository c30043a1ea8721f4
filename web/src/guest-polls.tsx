// The polls a guest made in this browser (it keeps each one's manage token): found again on `/`,
// each with its link and status, closed or deleted from there, and on `/app` moved into the
// signed-in workspace (POST …/claim), after which the workspace manages it and the token is forgotten.
import { useEffect, useState } from 'preact/hooks';
import { callApi, messageOf, type Poll, pollPath } from './api.ts';
import { Link } from './link.tsx';
import { forgetManageToken, keptGuestPolls } from './storage.ts';

interface GuestPoll {
  poll: Poll;
  token: string;
}

const STATUS_WORDS: Record<string, string> = {
  draft: 'Draft',
  scheduled: 'Scheduled',
  open: 'Open',
  closed: 'Closed',
};

/** What an organizer confirms before deleting a poll (here and on the poll's page). */
export const deleteQuestion = (question: string) =>
  `Delete “${question}”? Its votes, answers and results are erased for everyone and its link stops working. This cannot be undone.`;

/** This browser's guest polls, read from the API (ones that no longer exist, or were claimed, drop out). */
export function useGuestPolls(): [GuestPoll[] | null, () => void] {
  const [polls, setPolls] = useState<GuestPoll[] | null>(null);
  const [round, setRound] = useState(0);
  useEffect(() => {
    let current = true;
    const kept = keptGuestPolls();
    Promise.allSettled(kept.map(({ pollId }) => callApi<Poll>('GET', pollPath(pollId)))).then((answers) => {
      if (!current) return;
      const found: GuestPoll[] = [];
      answers.forEach((answer, i) => {
        if (answer.status === 'fulfilled') found.push({ poll: answer.value, token: kept[i]!.token });
      });
      setPolls(found);
    });
    return () => {
      current = false;
    };
  }, [round]);
  return [polls, () => setRound((r) => r + 1)];
}

/**
 * The list, with an action per poll: `close` on `/` (with the manage token), `claim` on `/app`
 * (with the signed-in session, passed in so the voter bundle stays free of the organizer code).
 */
export function GuestPolls(props: {
  heading: string;
  intro: string;
  claim?: (pollId: string, token: string) => Promise<unknown>;
  onClaimed?: () => void;
}) {
  const [polls, reload] = useGuestPolls();
  const [busy, setBusy] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [said, setSaid] = useState<string | null>(null);
  if (!polls || polls.length === 0) return null;

  async function act(pollId: string, action: () => Promise<unknown>, done: string) {
    setBusy(pollId);
    setError(null);
    setSaid(null);
    try {
      await action();
      setSaid(done);
      reload();
    } catch (caught) {
      setError(messageOf(caught));
    } finally {
      setBusy(null);
    }
  }

  return (
    <section class="guest-polls" aria-labelledby="guest-polls-heading">
      <h2 id="guest-polls-heading">{props.heading}</h2>
      <p class="muted small">{props.intro}</p>
      <ul>
        {polls.map(({ poll, token }) => (
          <li key={poll.id}>
            <Link href={`/p/${encodeURIComponent(poll.id)}`} class="guest-poll-question">
              {poll.question}
            </Link>
            <span class="muted small"> · {STATUS_WORDS[poll.status] ?? poll.status}</span>
            <span class="guest-poll-actions">
              {props.claim ? (
                <button
                  type="button"
                  disabled={busy !== null}
                  onClick={() =>
                    act(
                      poll.id,
                      async () => {
                        await props.claim?.(poll.id, token);
                        forgetManageToken(poll.id);
                        props.onClaimed?.();
                      },
                      `“${poll.question}” is now in this workspace.`,
                    )
                  }
                >
                  Move into this workspace
                </button>
              ) : (
                poll.status === 'open' && (
                  <button
                    type="button"
                    disabled={busy !== null}
                    onClick={() => {
                      if (!confirm('Close the poll? Voting stops and the results become final.')) return;
                      act(
                        poll.id,
                        () =>
                          callApi('POST', `${pollPath(poll.id)}/close`, {
                            headers: { 'manage-token': token },
                          }),
                        `“${poll.question}” is closed.`,
                      );
                    }}
                  >
                    Close voting
                  </button>
                )
              )}
              {!props.claim && (
                <button
                  type="button"
                  class="danger"
                  disabled={busy !== null}
                  onClick={() => {
                    if (!confirm(deleteQuestion(poll.question))) return;
                    act(
                      poll.id,
                      async () => {
                        await callApi('DELETE', pollPath(poll.id), { headers: { 'manage-token': token } });
                        forgetManageToken(poll.id);
                      },
                      `“${poll.question}” is deleted.`,
                    );
                  }}
                >
                  Delete
                </button>
              )}
            </span>
          </li>
        ))}
      </ul>
      <p aria-live="polite" class="small">
        {said}
      </p>
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
    </section>
  );
}
