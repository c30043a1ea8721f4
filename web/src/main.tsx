import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { CreatePoll } from './create-poll.tsx';
import { EventPage, JoinPage } from './event-page.tsx';
import { usePath } from './router.ts';
import { VotePage } from './vote-page.tsx';
import { ReceiptPage } from './voter/receipt-page.tsx';
import './styles.css';

function App() {
  const path = usePath();
  const vote = /^\/p\/([^/]+)\/?$/.exec(path);
  if (vote) return <VotePage key={vote[1]} pollId={decodeURIComponent(vote[1]!)} />;
  // The voting page for other sites' iframes (the only page the gateway lets anyone frame).
  const embed = /^\/embed\/([^/]+)\/?$/.exec(path);
  if (embed) return <VotePage key={embed[1]} pollId={decodeURIComponent(embed[1]!)} embed />;
  const receipt = /^\/receipts\/([^/]+)\/?$/.exec(path);
  if (receipt) return <ReceiptPage receiptId={decodeURIComponent(receipt[1]!)} />;
  if (path === '/') return <CreatePoll />;
  if (path === '/join' || path === '/join/') return <JoinPage />;
  const event = /^\/e\/(\d{6})\/?$/.exec(path);
  if (event) return <EventPage key={event[1]} code={event[1]!} />;
  if (isOrganizerPath(path)) return <Organizer path={path} />;
  if (path === '/ops' || path.startsWith('/ops/')) return <Operations path={path} />;
  return (
    <main>
      <h1>Page not found</h1>
      <p>
        There is nothing at this address. <a href="/">Create a poll</a> instead.
      </p>
    </main>
  );
}

const ACCOUNT_PAGES = [
  '/sign-in',
  '/sign-up',
  '/verify-email',
  '/reset-password',
  '/forgot-password',
  '/auth/callback',
  '/invite',
  '/unsubscribe',
];
const isOrganizerPath = (path: string) =>
  path === '/app' || path.startsWith('/app/') || ACCOUNT_PAGES.includes(path);

type OrganizerModule = typeof import('./organizer/app.tsx');
type OperationsModule = typeof import('./ops/console.tsx');

/** The operator console is a chunk of its own too: neither voters nor organizers load it. */
function Operations({ path }: { path: string }) {
  const [module, setModule] = useState<OperationsModule | null>(null);
  const [failed, setFailed] = useState(false);
  useEffect(() => {
    import('./ops/console.tsx').then(setModule, () => setFailed(true));
  }, []);
  if (module) return <module.OpsConsole path={path} />;
  return (
    <main aria-busy={!failed}>
      {failed ? (
        <p class="error" role="alert">
          Canvass could not load this page. Check your connection and reload.
        </p>
      ) : (
        <p class="muted">Loading…</p>
      )}
    </main>
  );
}

/** The organizer side is its own chunk, fetched on the first organizer page: voters never load it. */
function Organizer({ path }: { path: string }) {
  const [module, setModule] = useState<OrganizerModule | null>(null);
  const [failed, setFailed] = useState(false);
  useEffect(() => {
    import('./organizer/app.tsx').then(setModule, () => setFailed(true));
  }, []);
  if (module) return <module.OrganizerApp path={path} />;
  return (
    <main aria-busy={!failed}>
      {failed ? (
        <p class="error" role="alert">
          Canvass could not load this page. Check your connection and reload.
        </p>
      ) : (
        <p class="muted">Loading…</p>
      )}
    </main>
  );
}

render(<App />, document.getElementById('app')!);
