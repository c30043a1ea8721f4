// The event backbone, per service: its log's unpublished backlog and the age of the oldest
// unpublished event (the relay), each consumer's lag, parked events and dead letters, and the
// dead letters themselves: inspect one (its event, error and attempts), replay it (its consumer
// applies it now, once) or discard it. Read again every few seconds while the tab is visible.
import { useEffect, useState } from 'preact/hooks';
import { ApiError, messageOf } from '../api.ts';
import { Link } from '../link.tsx';
import { opsCall } from './ops-api.ts';

interface Outbox {
  service: string;
  pending: number;
  oldestPendingAgeSeconds: number;
  failing: number;
  lastError: string | null;
}

interface ConsumerRow {
  service: string;
  name: string;
  lag: number;
  deadLetters: number;
  parked: number;
}

interface Letter {
  id: number;
  service: string;
  consumer: string;
  eventId: string | null;
  type: string | null;
  error: string;
  attempts: number;
  lastFailedAt: string;
  payload?: string;
}

interface ServiceState {
  service: string;
  outbox: Outbox | null;
  consumers: ConsumerRow[];
  letters: Letter[];
  error?: string;
}

const REFRESH_MS = 5_000;

async function stateOf(token: string, service: string): Promise<ServiceState | null> {
  const get = <T,>(path: string) => opsCall<T>(token, 'GET', `/admin/v1/${service}/${path}`);
  try {
    const [outbox, consumers, letters] = await Promise.all([
      get<Outbox>('outbox'),
      get<ConsumerRow[]>('consumers'),
      get<Letter[]>('dead-letters?state=pending&limit=100'),
    ]);
    return { service, outbox, consumers, letters };
  } catch (caught) {
    // A service without an event backbone answers 404 here: it has nothing to show.
    if (caught instanceof ApiError && caught.status === 404) return null;
    return { service, outbox: null, consumers: [], letters: [], error: messageOf(caught) };
  }
}

function age(seconds: number): string {
  if (seconds < 1) return 'none';
  if (seconds < 120) return `${Math.round(seconds)} s`;
  return `${Math.round(seconds / 60)} min`;
}

function LetterRow({
  token,
  letter,
  onResolved,
}: {
  token: string;
  letter: Letter;
  onResolved: (message: string) => void;
}) {
  const [open, setOpen] = useState<Letter | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const base = `/admin/v1/${letter.service}/dead-letters/${letter.id}`;
  async function act(action: 'replay' | 'discard') {
    if (
      action === 'discard' &&
      !confirm(`Discard dead letter ${letter.id}? Its event will never be applied.`)
    )
      return;
    setBusy(true);
    setError(null);
    try {
      await opsCall(token, 'POST', `${base}/${action}`);
      onResolved(
        action === 'replay'
          ? `Dead letter ${letter.id} was replayed: ${letter.consumer} applied its event.`
          : `Dead letter ${letter.id} was discarded.`,
      );
    } catch (caught) {
      setError(messageOf(caught));
    } finally {
      setBusy(false);
    }
  }
  async function inspect() {
    if (open) return setOpen(null);
    try {
      setOpen(await opsCall<Letter>(token, 'GET', base));
    } catch (caught) {
      setError(messageOf(caught));
    }
  }
  let payload = open?.payload ?? '';
  let traceId: string | undefined;
  try {
    const parsed = JSON.parse(payload);
    traceId = /^00-([0-9a-f]{32})-/.exec(String(parsed?.traceparent ?? ''))?.[1];
    payload = JSON.stringify(parsed, null, 2);
  } catch {
    // Not JSON (that may be why it failed): shown as it came.
  }
  return (
    <li class="ops-letter">
      <div class="ops-letter-head">
        <span>
          <strong>#{letter.id}</strong> {letter.type ?? 'unknown type'} · {letter.consumer} ·{' '}
          {letter.attempts} attempt{letter.attempts === 1 ? '' : 's'}
        </span>
        <span class="ops-actions">
          <button type="button" class="secondary" onClick={inspect} aria-expanded={open !== null}>
            {open ? 'Hide' : 'Inspect'}
          </button>
          <button type="button" disabled={busy} onClick={() => act('replay')}>
            Replay
          </button>
          <button type="button" class="secondary" disabled={busy} onClick={() => act('discard')}>
            Discard
          </button>
        </span>
      </div>
      <p class="ops-wrap">{letter.error}</p>
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      {open && (
        <div>
          <p class="muted">
            Event {open.eventId ?? 'without an id'} · last failed{' '}
            {new Date(open.lastFailedAt).toLocaleString()}
            {traceId && (
              <>
                {' · '}
                <Link href={`/ops/traces/${traceId}`}>the trace that wrote it</Link>
              </>
            )}
          </p>
          <pre class="ops-pre">{payload}</pre>
        </div>
      )}
    </li>
  );
}

export function BackbonePage({ token, services }: { token: string; services: string[] }) {
  const [states, setStates] = useState<ServiceState[] | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [tick, setTick] = useState(0);
  useEffect(() => {
    let current = true;
    const load = () =>
      Promise.all(services.map((service) => stateOf(token, service))).then((all) => {
        if (current) setStates(all.filter((state): state is ServiceState => state !== null));
      });
    load();
    const timer = setInterval(() => {
      if (document.visibilityState === 'visible') load();
    }, REFRESH_MS);
    return () => {
      current = false;
      clearInterval(timer);
    };
  }, [token, services.join(','), tick]);
  const resolved = (message: string) => {
    setNotice(message);
    setTick((t) => t + 1);
  };
  if (!states) return <p class="muted">Loading the event backbone…</p>;
  const letters = states.flatMap((state) => state.letters);
  return (
    <>
      <h1>Events</h1>
      {notice && (
        <p class="ops-notice" role="status">
          {notice}
        </p>
      )}
      <div class="table-scroll">
        <table class="ops-table">
          <caption>Relays: each service’s log of events to publish</caption>
          <thead>
            <tr>
              <th scope="col">Service</th>
              <th scope="col">Unpublished</th>
              <th scope="col">Oldest waiting</th>
              <th scope="col">Failing partitions</th>
            </tr>
          </thead>
          <tbody>
            {states.map((state) => (
              <tr key={state.service}>
                <th scope="row">{state.service}</th>
                {state.outbox ? (
                  <>
                    <td>{state.outbox.pending}</td>
                    <td class={state.outbox.oldestPendingAgeSeconds > 60 ? 'ops-bad' : undefined}>
                      {age(state.outbox.oldestPendingAgeSeconds)}
                    </td>
                    <td class={state.outbox.failing > 0 ? 'ops-bad' : undefined}>
                      {state.outbox.failing}
                      {state.outbox.lastError ? ` (${state.outbox.lastError})` : ''}
                    </td>
                  </>
                ) : (
                  <td colSpan={3} class="error">
                    {state.error ?? 'No answer'}
                  </td>
                )}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <div class="table-scroll">
        <table class="ops-table">
          <caption>Consumers</caption>
          <thead>
            <tr>
              <th scope="col">Consumer</th>
              <th scope="col">Service</th>
              <th scope="col">Lag</th>
              <th scope="col">Parked</th>
              <th scope="col">Dead letters</th>
            </tr>
          </thead>
          <tbody>
            {states.flatMap((state) =>
              state.consumers.map((consumer) => (
                <tr key={`${state.service}/${consumer.name}`}>
                  <th scope="row">{consumer.name}</th>
                  <td>{state.service}</td>
                  <td>{consumer.lag}</td>
                  <td class={consumer.parked > 0 ? 'ops-bad' : undefined}>{consumer.parked}</td>
                  <td class={consumer.deadLetters > 0 ? 'ops-bad' : undefined}>{consumer.deadLetters}</td>
                </tr>
              )),
            )}
          </tbody>
        </table>
      </div>
      <section aria-labelledby="dead-letters">
        <h2 id="dead-letters">Dead letters waiting</h2>
        {letters.length === 0 ? (
          <p class="ops-ok-text">None: every event was applied.</p>
        ) : (
          <ul class="ops-letters">
            {letters.map((letter) => (
              <LetterRow
                key={`${letter.service}/${letter.id}`}
                token={token}
                letter={letter}
                onResolved={resolved}
              />
            ))}
          </ul>
        )}
      </section>
    </>
  );
}
