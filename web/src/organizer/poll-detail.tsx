// `/app/polls/<id>`: one poll for its organizer: open, close, edit, present; share it; results
// and analytics that move live; export every vote; moderate open-text answers.
import { useEffect, useRef, useState } from 'preact/hooks';
import { pollPath } from '../api.ts';
import { deleteQuestion } from '../guest-polls.tsx';
import { useLiveResults } from '../live.ts';
import { navigate } from '../router.ts';
import { ResultsView } from '../voter/results-view.tsx';
import { Analytics } from './analytics.tsx';
import { accessToken, api, can, type Session } from './auth.ts';
import { downloadFile, type FullResults, loadPollAndResults, type OrganizerPoll } from './model.ts';
import { SharePanel } from './share.tsx';
import { Failure, Link, Loading, messageOf, StatusBadge, TYPE_LABELS, useLoad, when } from './ui.tsx';

const download = (pollId: string, format: 'csv' | 'json') =>
  downloadFile(`${pollPath(pollId)}/export?format=${format}`, `poll-${pollId}.${format}`);

export function PollDetail({ pollId, session }: { pollId: string; session: Session }) {
  const [loaded, reload] = useLoad(() => loadPollAndResults(pollId), [pollId, session.workspace]);
  if (loaded.state === 'loading') return <Loading what="the poll" />;
  if (loaded.state === 'failed') {
    return (
      <>
        <h1>This poll cannot be shown</h1>
        <Failure message={loaded.message} />
        <Link href="/app">Back to your polls</Link>
      </>
    );
  }
  return (
    <PollBody poll={loaded.value.poll} initial={loaded.value.results} session={session} reload={reload} />
  );
}

function PollBody(props: {
  poll: OrganizerPoll;
  initial: FullResults | null;
  session: Session;
  reload: () => void;
}) {
  const { poll, session } = props;
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const live = useLiveResults(poll.id, props.initial, { bearer: accessToken });
  const results = (live.results ?? props.initial) as FullResults | null;
  const writer = can(session, 'polls:write');
  const path = `/app/polls/${encodeURIComponent(poll.id)}`;
  useEffect(() => {
    document.title = `${poll.question} · Canvass`;
  }, [poll.question]);

  async function act(action: () => Promise<unknown>) {
    setBusy(true);
    setError(null);
    try {
      await action();
      props.reload();
    } catch (caught) {
      setError(messageOf(caught));
    } finally {
      setBusy(false);
    }
  }

  return (
    <>
      <p class="crumbs">
        <Link href="/app">← Polls</Link>
      </p>
      <div class="page-head">
        <h1>{poll.question}</h1>
      </div>
      <p class="poll-meta">
        <StatusBadge status={poll.status} /> {TYPE_LABELS[poll.type] ?? poll.type}
        {poll.status === 'scheduled' && poll.opensAt && ` · opens ${when(poll.opensAt)}`}
        {poll.closesAt && poll.status !== 'closed' && ` · closes ${when(poll.closesAt)}`}
        {live.viewers !== null && ` · ${live.viewers} watching`}
        {live.connected && <span class="live-dot">Live</span>}
      </p>
      <div class="actions">
        {writer && (poll.status === 'draft' || poll.status === 'scheduled') && (
          <button
            type="button"
            class="primary"
            disabled={busy}
            onClick={() => act(() => api('POST', `${pollPath(poll.id)}/open`))}
          >
            Open now
          </button>
        )}
        {writer && poll.status === 'open' && (
          <button
            type="button"
            disabled={busy}
            onClick={() => {
              if (confirm('Close the poll? Voting stops and the results become final.'))
                act(() => api('POST', `${pollPath(poll.id)}/close`));
            }}
          >
            Close voting
          </button>
        )}
        {writer && poll.status !== 'closed' && (
          <Link class="button" href={`${path}/edit`}>
            Edit
          </Link>
        )}
        {writer && (
          <Link class="button" href={`/app/polls/new?from=${encodeURIComponent(poll.id)}`}>
            Duplicate
          </Link>
        )}
        {writer && (
          <button
            type="button"
            class="danger"
            disabled={busy}
            onClick={async () => {
              if (!confirm(deleteQuestion(poll.question))) return;
              setBusy(true);
              setError(null);
              try {
                await api('DELETE', pollPath(poll.id));
                navigate(`/app?deleted=${encodeURIComponent(poll.question)}`);
              } catch (caught) {
                setError(messageOf(caught));
                setBusy(false);
              }
            }}
          >
            Delete
          </button>
        )}
        <Link class="button" href={`${path}/present`} target="_blank">
          Present
        </Link>
        <button type="button" disabled={busy} onClick={() => act(() => download(poll.id, 'csv'))}>
          Export CSV
        </button>
        <button type="button" disabled={busy} onClick={() => act(() => download(poll.id, 'json'))}>
          Export JSON
        </button>
      </div>
      {error && <Failure message={error} />}
      {poll.status === 'closed' && (
        <p class="muted closed-note">
          Voting has closed and these results are final: a closed poll stays closed, so its published count
          and receipts never change. To ask again, {writer ? 'duplicate it' : 'ask an editor to duplicate it'}
          .
        </p>
      )}

      {poll.status !== 'closed' && <SharePanel pollId={poll.id} accessCode={poll.accessCode} />}

      {results ? (
        <ResultsView results={results} type={poll.type} chosen={[]} organizer />
      ) : (
        <p class="muted">No results yet.</p>
      )}

      {poll.type === 'open_text' && poll.settings.moderation && writer && (
        <Moderation pollId={poll.id} waiting={results?.answers?.awaitingModeration ?? 0} />
      )}
      {results && <Analytics results={results} />}
      <History pollId={poll.id} />
    </>
  );
}

interface AnswerPage {
  answers: { voteId: string; text: string | null; castAt: string }[];
  next: string | null;
}

/** Open-text answers waiting for approval; the live count of waiting answers brings new ones in. */
function Moderation({ pollId, waiting }: { pollId: string; waiting: number }) {
  const [loaded, reload] = useLoad(
    () => api<AnswerPage>('GET', `${pollPath(pollId)}/answers?status=pending&limit=50`),
    [pollId],
  );
  const seen = useRef(waiting);
  useEffect(() => {
    if (seen.current === waiting) return;
    seen.current = waiting;
    reload();
  }, [waiting, reload]);
  const [error, setError] = useState<string | null>(null);
  async function decide(voteId: string, decision: 'approved' | 'rejected') {
    try {
      await api('POST', `${pollPath(pollId)}/answers/${encodeURIComponent(voteId)}`, { decision });
      reload();
    } catch (caught) {
      setError(messageOf(caught));
    }
  }
  return (
    <section aria-labelledby="moderation-heading">
      <h2 id="moderation-heading">Answers waiting for you</h2>
      {error && <Failure message={error} />}
      {loaded.state === 'loading' && <Loading what="answers" />}
      {loaded.state === 'failed' && <Failure message={loaded.message} />}
      {loaded.state === 'ready' && loaded.value.answers.length === 0 && (
        <p class="muted">
          Nothing to approve. New answers appear here.{' '}
          <button type="button" class="link" onClick={reload}>
            Check again
          </button>
        </p>
      )}
      {loaded.state === 'ready' && loaded.value.answers.length > 0 && (
        <ul class="pending-answers">
          {loaded.value.answers.map((answer) => (
            <li class="answer" key={answer.voteId}>
              <span>{answer.text}</span>
              <span class="actions">
                <button type="button" onClick={() => decide(answer.voteId, 'approved')}>
                  Approve
                </button>
                <button type="button" onClick={() => decide(answer.voteId, 'rejected')}>
                  Reject
                </button>
              </span>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

interface HistoryEntry {
  version: number;
  type: string;
  at: string;
  data: { changes?: Record<string, unknown>; by?: string };
}

const FIELD_WORDS: Record<string, string> = {
  question: 'the question',
  options: 'the options',
  settings: 'the settings',
  accessCode: 'the access code',
  opensAt: 'the opening time',
  closesAt: 'the closing time',
};

function describe(entry: HistoryEntry): string {
  const kind = entry.type.split('.')[2];
  if (kind === 'created') return 'Created';
  if (kind === 'opened') return 'Opened for voting';
  if (kind === 'closed') return 'Closed; the results are final';
  if (kind === 'claimed') return 'Moved into this workspace';
  if (kind === 'updated') {
    const fields = Object.keys(entry.data.changes ?? {}).map((field) => FIELD_WORDS[field] ?? field);
    return `Changed ${fields.join(', ') || 'nothing'}`;
  }
  return entry.type;
}

/** The poll's audit trail (its own events; votes are left out), read when opened. */
function History({ pollId }: { pollId: string }) {
  const [open, setOpen] = useState(false);
  return (
    <details class="history" onToggle={(e) => setOpen(e.currentTarget.open)}>
      <summary>History</summary>
      {open && <HistoryList pollId={pollId} />}
    </details>
  );
}

function HistoryList({ pollId }: { pollId: string }) {
  const [loaded] = useLoad(
    () => api<{ entries: HistoryEntry[] }>('GET', `${pollPath(pollId)}/history`),
    [pollId],
  );
  if (loaded.state === 'loading') return <Loading what="the history" />;
  if (loaded.state === 'failed') return <Failure message={loaded.message} />;
  return (
    <ol class="history-list">
      {loaded.value.entries.map((entry) => (
        <li key={entry.version}>
          <time dateTime={entry.at}>{when(entry.at)}</time> {describe(entry)}
        </li>
      ))}
    </ol>
  );
}
