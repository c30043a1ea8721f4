// The operator console (/ops): for whoever holds the operator token, not for organizers. One page
// per concern: the overview (services and their instances, traffic per service, live alerts), the
// event backbone (relay age, consumer lag, dead letters to inspect, replay or discard), and traces
// (recent failed and slow ones, a lookup by receipt, request id or trace id, and a waterfall).
import { useEffect, useState } from 'preact/hooks';
import { ApiError, messageOf } from '../api.ts';
import { Link } from '../link.tsx';
import { navigate } from '../router.ts';
import '../organizer/organizer.css';
import './ops.css';
import { BackbonePage } from './backbone.tsx';
import { keepToken, opsCall, type ServicesAnswer, storedToken } from './ops-api.ts';
import { OverviewPage } from './overview.tsx';
import { TracePage, TracesPage } from './traces.tsx';

function TokenForm({ onToken }: { onToken: (token: string) => void }) {
  const [token, setToken] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  async function submit(event: Event) {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await opsCall(token.trim(), 'GET', '/admin/v1/services');
      keepToken(token.trim());
      onToken(token.trim());
    } catch (caught) {
      setError(
        caught instanceof ApiError && (caught.status === 401 || caught.status === 403)
          ? 'That is not this platform’s operator token.'
          : messageOf(caught),
      );
    } finally {
      setBusy(false);
    }
  }
  return (
    <main class="ops ops-narrow">
      <h1>Canvass operations</h1>
      <p>
        This console is for the people who run Canvass. It needs the operator token: <code>npm start</code>{' '}
        and <code>npm run start:cluster</code> write it to <code>.canvass/admin-token</code>.
      </p>
      <form onSubmit={submit} class="ops-form">
        <label>
          Operator token
          <input
            type="password"
            autocomplete="off"
            required
            minLength={16}
            value={token}
            onInput={(event) => setToken(event.currentTarget.value)}
          />
        </label>
        {error && (
          <p class="error" role="alert">
            {error}
          </p>
        )}
        <button type="submit" disabled={busy}>
          {busy ? 'Checking…' : 'Open the console'}
        </button>
      </form>
    </main>
  );
}

const PAGES: [string, string][] = [
  ['/ops', 'Overview'],
  ['/ops/events', 'Events'],
  ['/ops/traces', 'Traces'],
];

export function OpsConsole({ path }: { path: string }) {
  const [token, setToken] = useState<string | null>(storedToken());
  const [services, setServices] = useState<ServicesAnswer | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    document.title = 'Operations · Canvass';
  }, []);
  useEffect(() => {
    if (!token) return;
    opsCall<ServicesAnswer>(token, 'GET', '/admin/v1/services').then(setServices, (caught) => {
      if (caught instanceof ApiError && (caught.status === 401 || caught.status === 403)) {
        keepToken(null);
        setToken(null);
      } else setError(messageOf(caught));
    });
  }, [token]);
  if (!token) return <TokenForm onToken={setToken} />;
  const trace = /^\/ops\/traces\/([0-9a-f]{32})\/?$/.exec(path);
  const signOut = () => {
    keepToken(null);
    setToken(null);
    navigate('/ops');
  };
  return (
    <div class="ops">
      <header class="ops-header">
        <strong>Canvass operations</strong>
        {services && <span class="badge">{services.tier} tier</span>}
        <nav aria-label="Console">
          {PAGES.map(([href, label]) => (
            <Link
              key={href}
              href={href}
              current={path === href || (href !== '/ops' && path.startsWith(href))}
            >
              {label}
            </Link>
          ))}
        </nav>
        <button type="button" class="ops-quiet" onClick={signOut}>
          Sign out
        </button>
      </header>
      <main>
        {error && (
          <p class="error" role="alert">
            {error}
          </p>
        )}
        {trace ? (
          <TracePage token={token} traceId={trace[1]!} />
        ) : path.startsWith('/ops/traces') ? (
          <TracesPage token={token} />
        ) : path.startsWith('/ops/events') ? (
          services ? (
            <BackbonePage token={token} services={services.services} />
          ) : (
            <p class="muted">Loading…</p>
          )
        ) : (
          <OverviewPage token={token} services={services} />
        )}
      </main>
    </div>
  );
}
