// `/app/polls/<id>/present`: the poll on the big screen. Large type, the join link and QR code
// for the room, bars that move as votes arrive (live WebSocket, no reload) and how many watch.
import { useEffect } from 'preact/hooks';
import { useLiveResults } from '../live.ts';
import { ResultsView } from '../voter/results-view.tsx';
import { accessToken, type Session } from './auth.ts';
import { type FullResults, loadPollAndResults, shareLink } from './model.ts';
import { QrCode } from './share.tsx';
import { Failure, Loading, plural, useLoad } from './ui.tsx';

export function Presenter({ pollId, session }: { pollId: string; session: Session }) {
  const [loaded] = useLoad(() => loadPollAndResults(pollId), [pollId, session.workspace]);
  const initial = loaded.state === 'ready' ? loaded.value.results : null;
  const live = useLiveResults(pollId, initial, { bearer: accessToken });

  useEffect(() => {
    document.body.classList.add('presenting');
    return () => document.body.classList.remove('presenting');
  }, []);

  if (loaded.state === 'loading')
    return (
      <main class="presenter">
        <Loading what="the poll" />
      </main>
    );
  if (loaded.state === 'failed')
    return (
      <main class="presenter">
        <Failure message={loaded.message} />
      </main>
    );
  const { poll } = loaded.value;
  const results = (live.results ?? initial) as FullResults | null;
  const link = shareLink(poll.id);
  return (
    <main class="presenter">
      <header class="presenter-head">
        <h1>{poll.question}</h1>
        <button
          type="button"
          class="fullscreen"
          onClick={() =>
            document.fullscreenElement
              ? document.exitFullscreen()
              : document.documentElement.requestFullscreen()
          }
        >
          Full screen
        </button>
      </header>
      <div class="presenter-body">
        <div class="presenter-results">
          {results ? (
            <ResultsView results={results} type={poll.type} chosen={[]} />
          ) : (
            <p class="muted">Results appear as votes arrive.</p>
          )}
        </div>
        <aside class="presenter-join">
          {poll.status === 'open' ? (
            <>
              <p>Vote at</p>
              <p class="join-link">{link.replace(/^https?:\/\//, '')}</p>
              <QrCode text={link} size={220} label={`QR code to vote at ${link}`} />
            </>
          ) : (
            <p class="notice">
              {poll.status === 'closed' ? 'Voting has closed.' : 'Voting has not opened yet.'}
            </p>
          )}
        </aside>
      </div>
      <footer class="presenter-foot">
        <span data-testid="total-votes" aria-live="polite">
          {plural(results?.totalVotes ?? 0, 'vote')}
        </span>
        <span data-testid="viewers">{live.viewers !== null ? `${live.viewers} watching` : ''}</span>
        <span>{live.connected ? 'Live' : 'Reconnecting…'}</span>
      </footer>
    </main>
  );
}
