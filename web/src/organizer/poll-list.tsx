// `/app`: the workspace's polls, newest first, with status and vote counts that keep moving for
// open polls (their results are read again every few seconds while the tab is visible; the
// gateway's results cache makes that cheap).
import { useEffect, useRef, useState } from 'preact/hooks';
import { GuestPolls } from '../guest-polls.tsx';
import { countOf } from '../results-bars.tsx';
import { api, can, type Session } from './auth.ts';
import { loadResults, type OrganizerPoll } from './model.ts';
import { Failure, Link, Loading, messageOf, StatusBadge, TYPE_LABELS, when } from './ui.tsx';

const FILTERS = [
  ['', 'All'],
  ['open', 'Open'],
  ['scheduled', 'Scheduled'],
  ['draft', 'Drafts'],
  ['closed', 'Closed'],
] as const;
const REFRESH_MS = 5_000;

interface Page {
  polls: OrganizerPoll[];
  next: string | null;
}

function useVoteCounts(polls: OrganizerPoll[]): Map<string, number> {
  const [counts, setCounts] = useState(() => new Map<string, number>());
  const ids = polls.map((p) => `${p.id}:${p.status}`).join(',');
  useEffect(() => {
    let stopped = false;
    const read = async (subset: OrganizerPoll[]) => {
      const answers = await Promise.allSettled(subset.map((poll) => loadResults(poll.id)));
      if (stopped) return;
      setCounts((before) => {
        const after = new Map(before);
        answers.forEach((answer, i) => {
          if (answer.status === 'fulfilled') after.set(subset[i]!.id, answer.value.totalVotes);
        });
        return after;
      });
    };
    read(polls.filter((poll) => poll.status !== 'draft'));
    const timer = setInterval(() => {
      if (document.visibilityState === 'visible') read(polls.filter((poll) => poll.status === 'open'));
    }, REFRESH_MS);
    return () => {
      stopped = true;
      clearInterval(timer);
    };
  }, [ids]);
  return counts;
}

export function PollList({ session }: { session: Session }) {
  const [filter, setFilter] = useState('');
  const [page, setPage] = useState<Page | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [more, setMore] = useState(false);
  // Bumped when a guest poll moves in, so the list shows it.
  const [claimed, setClaimed] = useState(0);
  // A poll deleted from its page comes back here with ?deleted=<question>: said once.
  const [deleted] = useState(() => new URLSearchParams(location.search).get('deleted'));
  useEffect(() => {
    if (deleted !== null) history.replaceState(history.state, '', location.pathname);
  }, [deleted]);

  // Which listing is on screen: a page that arrives for an earlier one is dropped.
  const listing = useRef(0);
  useEffect(() => {
    let current = true;
    listing.current += 1;
    setPage(null);
    setError(null);
    const query = new URLSearchParams({ limit: '20', ...(filter ? { status: filter } : {}) });
    api<Page>('GET', `/api/v1/polls?${query}`).then(
      (answer) => current && setPage(answer),
      (caught) => current && setError(messageOf(caught)),
    );
    return () => {
      current = false;
    };
  }, [filter, session.workspace, claimed]);

  const counts = useVoteCounts(page?.polls ?? []);

  async function loadMore() {
    if (!page?.next) return;
    const asked = listing.current;
    setMore(true);
    try {
      const query = new URLSearchParams({
        limit: '20',
        after: page.next,
        ...(filter ? { status: filter } : {}),
      });
      const answer = await api<Page>('GET', `/api/v1/polls?${query}`);
      if (asked === listing.current) setPage({ polls: [...page.polls, ...answer.polls], next: answer.next });
    } catch (caught) {
      setError(messageOf(caught));
    } finally {
      setMore(false);
    }
  }

  return (
    <>
      <div class="page-head">
        <h1>Polls</h1>
        {can(session, 'polls:write') && (
          <Link class="button primary" href="/app/polls/new">
            New poll
          </Link>
        )}
      </div>
      {deleted !== null && (
        <p class="success" role="status">
          “{deleted}” is deleted.
        </p>
      )}
      <fieldset class="tabs">
        <legend class="visually-hidden">Show polls</legend>
        {FILTERS.map(([value, label]) => (
          <button
            type="button"
            key={value}
            aria-pressed={filter === value}
            class={filter === value ? 'tab current' : 'tab'}
            onClick={() => setFilter(value)}
          >
            {label}
          </button>
        ))}
      </fieldset>
      {error && <Failure message={error} />}
      {!page && !error && <Loading what="your polls" />}
      {page && page.polls.length === 0 && (
        <div class="empty">
          <p>{filter ? 'No polls here yet.' : 'This workspace has no polls yet.'}</p>
          {can(session, 'polls:write') && !filter && (
            <Link class="button primary" href="/app/polls/new">
              Create your first poll
            </Link>
          )}
        </div>
      )}
      {page && page.polls.length > 0 && (
        <ul class="poll-list">
          {page.polls.map((poll) => {
            const votes = counts.get(poll.id);
            return (
              <li key={poll.id}>
                <Link href={`/app/polls/${encodeURIComponent(poll.id)}`} class="poll-link">
                  <span class="poll-question">{poll.question}</span>
                  <span class="poll-meta">
                    <StatusBadge status={poll.status} /> {TYPE_LABELS[poll.type] ?? poll.type} ·{' '}
                    {poll.status === 'scheduled' && poll.opensAt
                      ? `opens ${when(poll.opensAt)}`
                      : when(poll.createdAt)}
                  </span>
                  <span class="poll-votes">
                    {poll.status === 'draft' ? '—' : votes === undefined ? '…' : countOf(votes, poll.type)}
                  </span>
                </Link>
              </li>
            );
          })}
        </ul>
      )}
      {page?.next && (
        <button type="button" onClick={loadMore} disabled={more}>
          {more ? 'Loading…' : 'Show more'}
        </button>
      )}
      {can(session, 'polls:write') && (
        <GuestPolls
          heading="Polls you made as a guest"
          intro="This browser made these polls without an account. Move one into this workspace to manage it here with your other polls."
          claim={(pollId, manageToken) =>
            api('POST', `/api/v1/polls/${encodeURIComponent(pollId)}/claim`, { manageToken })
          }
          onClaimed={() => setClaimed((n) => n + 1)}
        />
      )}
    </>
  );
}
