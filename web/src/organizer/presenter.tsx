// `/app/polls/<id>/present`: the poll on the big screen. Large type, the join link and QR code
// for the room, bars that move as votes arrive (live WebSocket, no reload) and how many watch.
// The presenter may keep the results covered until the reveal (H), and go full screen (F).
import { useEffect, useState } from 'preact/hooks';
import { useLiveResults } from '../live.ts';
import { countOf } from '../results-bars.tsx';
import { ResultsView } from '../voter/results-view.tsx';
import { accessToken, type Session } from './auth.ts';
import { type FullResults, loadPollAndResults, shareLink } from './model.ts';
import { QrCode } from './share.tsx';
import { Failure, Loading, useLoad } from './ui.tsx';

export function Presenter({ pollId, session }: { pollId: string; session: Session }) {
  const [loaded] = useLoad(() => loadPollAndResults(pollId), [pollId, session.workspace]);
  const initial = loaded.state === 'ready' ? loaded.value.results : null;
  const live = useLiveResults(pollId, initial, { bearer: accessToken });

  const [covered, setCovered] = useState(false);

  useEffect(() => {
    document.body.classList.add('presenting');
    const onKey = (event: KeyboardEvent) => {
      if (event.ctrlKey || event.metaKey || event.altKey) return;
      if (event.key === 'f') toggleFullScreen();
      if (event.key === 'h') setCovered((c) => !c);
    };
    addEventListener('keydown', onKey);
    return () => {
      document.body.classList.remove('presenting');
      removeEventListener('keydown', onKey);
    };
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
  // Closing or opening elsewhere shows here too: snapshots carry the poll's status.
  const status = results?.status ?? poll.status;
  const link = shareLink(poll.id);
  return (
    <main class="presenter">
      <header class="presenter-head">
        <h1>{poll.question}</h1>
        <div class="actions presenter-controls">
          <button type="button" aria-pressed={covered} onClick={() => setCovered((c) => !c)}>
            {covered ? 'Show results' : 'Hide results'}
          </button>
          <button type="button" onClick={toggleFullScreen}>
            Full screen
          </button>
        </div>
      </header>
      <div class="presenter-body">
        <div class="presenter-results">
          {covered ? (
            <p class="covered">Results are hidden until you show them.</p>
          ) : results ? (
            <ResultsView results={results} type={poll.type} chosen={[]} />
          ) : (
            <p class="muted">Results appear as votes arrive.</p>
          )}
        </div>
        <aside class="presenter-join">
          {status === 'open' ? (
            <>
              <p>Vote at</p>
              <p class="join-link">{link.replace(/^https?:\/\//, '')}</p>
              <QrCode text={link} size={220} label={`QR code to vote at ${link}`} />
            </>
          ) : (
            <p class="notice">{status === 'closed' ? 'Voting has closed.' : 'Voting has not opened yet.'}</p>
          )}
        </aside>
      </div>
      <footer class="presenter-foot">
        <span data-testid="total-votes" aria-live="polite">
          {countOf(results?.totalVotes ?? 0, poll.type)}
        </span>
        <span data-testid="viewers">{live.viewers !== null ? `${live.viewers} watching` : ''}</span>
        <span>{live.connected ? 'Live' : 'Reconnecting…'}</span>
      </footer>
    </main>
  );
}

export function toggleFullScreen() {
  if (document.fullscreenElement) document.exitFullscreen();
  else document.documentElement.requestFullscreen().catch(() => undefined);
}
