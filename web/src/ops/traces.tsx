// Traces: the ones kept lately because a span failed or took long, a lookup by vote receipt,
// request id or trace id, and a waterfall of one trace with the batch traces linked to it (a vote
// is written, relayed and counted in batches that are traces of their own).
import { useState } from 'preact/hooks';
import { messageOf } from '../api.ts';
import { Link } from '../link.tsx';
import { useLoad } from '../organizer/ui.tsx';
import { navigate } from '../router.ts';
import { opsCall, type Span, type TraceAnswer, type TraceSummary } from './ops-api.ts';

type LookupKind = 'receipt' | 'requestId' | 'traceId';
const KINDS: [LookupKind, string][] = [
  ['receipt', 'Vote receipt'],
  ['requestId', 'Request id'],
  ['traceId', 'Trace id'],
];

const ms = (value: number) => (value < 10 ? `${value.toFixed(2)} ms` : `${Math.round(value)} ms`);
const time = (epochMs: number) => new Date(epochMs).toLocaleTimeString();

function Lookup({ token }: { token: string }) {
  const [kind, setKind] = useState<LookupKind>('receipt');
  const [value, setValue] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  async function submit(event: Event) {
    event.preventDefault();
    const given = value.trim();
    setError(null);
    if (kind === 'traceId') {
      if (!/^[0-9a-f]{32}$/.test(given))
        return setError('A trace id is 32 lowercase hexadecimal characters.');
      return navigate(`/ops/traces/${given}`);
    }
    setBusy(true);
    try {
      const found = await opsCall<TraceAnswer>(
        token,
        'GET',
        `/admin/v1/traces?${kind}=${encodeURIComponent(given)}`,
      );
      navigate(`/ops/traces/${found.traceId}`);
    } catch (caught) {
      setError(messageOf(caught));
    } finally {
      setBusy(false);
    }
  }
  return (
    <form class="ops-form ops-lookup" onSubmit={submit}>
      <fieldset>
        <legend>Find a trace by</legend>
        {KINDS.map(([id, label]) => (
          <label key={id} class="ops-inline">
            <input type="radio" name="kind" checked={kind === id} onChange={() => setKind(id)} /> {label}
          </label>
        ))}
      </fieldset>
      <label>
        {KINDS.find(([id]) => id === kind)![1]}
        <input
          required
          value={value}
          onInput={(event) => setValue(event.currentTarget.value)}
          spellcheck={false}
        />
      </label>
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      <button type="submit" disabled={busy}>
        {busy ? 'Looking…' : 'Show the trace'}
      </button>
    </form>
  );
}

function Recent({ token }: { token: string }) {
  const [reason, setReason] = useState<'error' | 'slow' | 'sampled'>('error');
  const [loaded, reload] = useLoad(
    () =>
      opsCall<{ traces: TraceSummary[]; unreachable: string[] }>(
        token,
        'GET',
        `/admin/v1/traces?reason=${reason}&limit=25`,
      ),
    [token, reason],
  );
  return (
    <section aria-labelledby="recent">
      <h2 id="recent">Kept lately</h2>
      <fieldset class="ops-tabs">
        <legend class="visually-hidden">Which traces</legend>
        {(
          [
            ['error', 'Failed'],
            ['slow', 'Slow'],
            ['sampled', 'Sampled'],
          ] as const
        ).map(([id, label]) => (
          <button key={id} type="button" aria-pressed={reason === id} onClick={() => setReason(id)}>
            {label}
          </button>
        ))}
        <button type="button" class="secondary" onClick={reload}>
          Refresh
        </button>
      </fieldset>
      {loaded.state === 'loading' && <p class="muted">Loading traces…</p>}
      {loaded.state === 'failed' && (
        <p class="error" role="alert">
          {loaded.message}
        </p>
      )}
      {loaded.state === 'ready' &&
        (loaded.value.traces.length === 0 ? (
          <p class="muted">
            {reason === 'error'
              ? 'No failed traces are kept: nothing has failed lately.'
              : reason === 'slow'
                ? 'No slow traces are kept.'
                : 'No sampled traces yet.'}
          </p>
        ) : (
          <ul class="ops-trace-list">
            {loaded.value.traces.map((trace) => (
              <li key={trace.traceId}>
                <Link href={`/ops/traces/${trace.traceId}`}>
                  {trace.service} · {trace.name}
                </Link>{' '}
                <span class={`badge ${trace.error ? 'ops-bad' : ''}`}>{trace.reason}</span>{' '}
                <span class="muted">
                  {ms(trace.durationMs)} · {time(trace.start)}
                </span>
              </li>
            ))}
          </ul>
        ))}
    </section>
  );
}

export function TracesPage({ token }: { token: string }) {
  return (
    <>
      <h1>Traces</h1>
      <Lookup token={token} />
      <Recent token={token} />
    </>
  );
}

/** Spans of one trace in tree order (parents before children), each with its depth. */
function treeOrder(spans: Span[]): { span: Span; depth: number }[] {
  const byParent = new Map<string | null, Span[]>();
  const ids = new Set(spans.map((span) => span.spanId));
  for (const span of spans) {
    const parent = span.parentSpanId && ids.has(span.parentSpanId) ? span.parentSpanId : null;
    byParent.set(parent, [...(byParent.get(parent) ?? []), span]);
  }
  const ordered: { span: Span; depth: number }[] = [];
  const walk = (parent: string | null, depth: number) => {
    for (const span of (byParent.get(parent) ?? []).sort((a, b) => a.start - b.start)) {
      ordered.push({ span, depth });
      walk(span.spanId, depth + 1);
    }
  };
  walk(null, 0);
  return ordered;
}

function SpanDetails({ span }: { span: Span }) {
  return (
    <div class="ops-span-details">
      {span.statusMessage && <p class="error">{span.statusMessage}</p>}
      <dl>
        {Object.entries(span.attributes).map(([key, value]) => (
          <div key={key}>
            <dt>{key}</dt>
            <dd class="ops-wrap">{String(value)}</dd>
          </div>
        ))}
      </dl>
      {span.events.map((event) => (
        <p key={`${event.name}${event.at}`} class="ops-wrap">
          <strong>{event.name}</strong>{' '}
          {String(event.attributes['exception.message'] ?? event.attributes['exception.type'] ?? '')}
        </p>
      ))}
      {span.links.length > 0 && (
        <p>
          Links to {span.links.length} span{span.links.length === 1 ? '' : 's'}:{' '}
          {span.links.slice(0, 10).map((link) => (
            <Link key={link.spanId} href={`/ops/traces/${link.traceId}`} class="ops-link-id">
              {link.traceId.slice(0, 8)}
            </Link>
          ))}
          {span.links.length > 10 ? ' …' : ''}
        </p>
      )}
    </div>
  );
}

function Waterfall({ traceId, spans, title }: { traceId: string; spans: Span[]; title: string }) {
  const [open, setOpen] = useState<string | null>(null);
  const start = Math.min(...spans.map((span) => span.start));
  const end = Math.max(...spans.map((span) => span.start + span.durationMs));
  const total = Math.max(end - start, 0.001);
  return (
    <section class="ops-waterfall" aria-label={title}>
      <h2>
        {title} <code class="ops-link-id">{traceId}</code> <span class="muted">{ms(total)}</span>
      </h2>
      <ol>
        {treeOrder(spans).map(({ span, depth }) => (
          <li key={span.spanId} class={span.status === 'error' ? 'ops-span ops-span-error' : 'ops-span'}>
            <button
              type="button"
              class="ops-span-row"
              aria-expanded={open === span.spanId}
              onClick={() => setOpen(open === span.spanId ? null : span.spanId)}
            >
              <span class="ops-span-name" style={{ paddingLeft: `${Math.min(depth, 8) * 0.9}rem` }}>
                <span class="badge">{span.service}</span> {span.name}
                {span.status === 'error' && <span class="ops-bad"> failed</span>}
              </span>
              <span class="ops-span-track" aria-hidden="true">
                <span
                  class="ops-span-bar"
                  style={{
                    left: `${((span.start - start) / total) * 100}%`,
                    width: `${Math.max((span.durationMs / total) * 100, 0.5)}%`,
                  }}
                />
              </span>
              <span class="ops-span-ms">{ms(span.durationMs)}</span>
            </button>
            {open === span.spanId && <SpanDetails span={span} />}
          </li>
        ))}
      </ol>
    </section>
  );
}

export function TracePage({ token, traceId }: { token: string; traceId: string }) {
  const [loaded] = useLoad(
    () => opsCall<TraceAnswer>(token, 'GET', `/admin/v1/traces/${traceId}`),
    [token, traceId],
  );
  if (loaded.state === 'loading') return <p class="muted">Gathering the trace from every process…</p>;
  if (loaded.state === 'failed')
    return (
      <>
        <h1>Trace</h1>
        <p class="error" role="alert">
          {loaded.message}
        </p>
        <p>
          <Link href="/ops/traces">Find another trace</Link>
        </p>
      </>
    );
  const { spans, unreachable } = loaded.value;
  const groups = new Map<string, Span[]>();
  for (const span of spans) groups.set(span.traceId, [...(groups.get(span.traceId) ?? []), span]);
  const main = groups.get(traceId) ?? [];
  const linked = [...groups].filter(([id]) => id !== traceId);
  return (
    <>
      <h1>Trace</h1>
      <p>
        <Link href="/ops/traces">All traces</Link>
      </p>
      {unreachable.length > 0 && (
        <p class="error" role="alert">
          Not every process answered ({unreachable.join(', ')}): some spans may be missing.
        </p>
      )}
      {main.length > 0 ? (
        <Waterfall traceId={traceId} spans={main} title="This trace" />
      ) : (
        <p class="muted">No process keeps spans of this trace itself; the traces linked to it follow.</p>
      )}
      {linked.map(([id, group]) => (
        <Waterfall
          key={id}
          traceId={id}
          spans={group}
          title={`Linked: ${group.find((span) => span.parentSpanId === null)?.name ?? 'a batch'}`}
        />
      ))}
    </>
  );
}
