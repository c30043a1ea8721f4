// An endpoint's delivery log, newest first: when, which event, how it went, how many attempts and
// what the receiver last answered. Filtered by status, paged with "Load more"; while a delivery on
// the first page is pending, that page is read again every few seconds (tab visible only).
import { useEffect, useRef, useState } from 'preact/hooks';
import { api } from './auth.ts';
import {
  answerOf,
  DELIVERY_LABELS,
  type Delivery,
  type DeliveryStatus,
  deliveryPage,
  endpointPath,
} from './notifications.ts';
import { Failure, Link, Loading, messageOf, when } from './ui.tsx';

const FILTERS: [DeliveryStatus | '', string][] = [
  ['', 'All'],
  ['pending', 'Pending'],
  ['succeeded', 'Succeeded'],
  ['failed', 'Failed'],
];
const PENDING_REFRESH_MS = 5_000;

interface DeliveryPage {
  deliveries: Delivery[];
  nextCursor: string | null;
}

export function DeliveryBadge({ status }: { status: DeliveryStatus }) {
  return <span class={`badge delivery-${status}`}>{DELIVERY_LABELS[status] ?? status}</span>;
}

export function DeliveryLog({ endpointId, version }: { endpointId: string; version: number }) {
  const [filter, setFilter] = useState<DeliveryStatus | ''>('');
  const [page, setPage] = useState<DeliveryPage | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [more, setMore] = useState(false);
  const [tick, setTick] = useState(0);
  const [extended, setExtended] = useState(false);
  const listing = useRef(0);
  const shownFilter = useRef<string | null>(null);

  const url = (cursor?: string | null) => {
    const query = new URLSearchParams({
      ...(filter ? { status: filter } : {}),
      ...(cursor ? { cursor } : {}),
    });
    const search = query.toString();
    return `${endpointPath(endpointId)}/deliveries${search ? `?${search}` : ''}`;
  };

  useEffect(() => {
    let current = true;
    listing.current += 1;
    // A new filter starts empty; reading the same listing again keeps it on screen meanwhile.
    if (shownFilter.current !== `${endpointId}:${filter}`) setPage(null);
    shownFilter.current = `${endpointId}:${filter}`;
    setError(null);
    api<DeliveryPage>('GET', url()).then(
      (answer) => {
        if (!current) return;
        setPage(answer);
        setExtended(false);
      },
      (caught) => current && setError(messageOf(caught)),
    );
    return () => {
      current = false;
    };
  }, [endpointId, filter, version, tick]);

  const pending = !extended && (page?.deliveries.some((d) => d.status === 'pending') ?? false);
  useEffect(() => {
    if (!pending) return;
    const timer = setTimeout(() => {
      if (document.visibilityState === 'visible') setTick((t) => t + 1);
    }, PENDING_REFRESH_MS);
    return () => clearTimeout(timer);
  }, [pending, page]);

  async function loadMore() {
    if (!page?.nextCursor) return;
    const asked = listing.current;
    setMore(true);
    try {
      const answer = await api<DeliveryPage>('GET', url(page.nextCursor));
      if (asked !== listing.current) return;
      setPage({ deliveries: [...page.deliveries, ...answer.deliveries], nextCursor: answer.nextCursor });
      setExtended(true);
    } catch (caught) {
      setError(messageOf(caught));
    } finally {
      setMore(false);
    }
  }

  return (
    <section aria-labelledby="deliveries-heading">
      <div class="page-head section-head">
        <h2 id="deliveries-heading">Deliveries</h2>
        <button type="button" onClick={() => setTick((t) => t + 1)}>
          Refresh
        </button>
      </div>
      <fieldset class="tabs">
        <legend class="visually-hidden">Show deliveries</legend>
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
      {!page && !error && <Loading what="deliveries" />}
      {page && page.deliveries.length === 0 && (
        <p class="muted">
          {filter
            ? 'No deliveries with this status.'
            : 'Nothing sent yet. Send a test event to see one here.'}
        </p>
      )}
      {page && page.deliveries.length > 0 && (
        <div class="table-scroll">
          <table class="delivery-log">
            <caption class="visually-hidden">Deliveries, newest first</caption>
            <thead>
              <tr>
                <th scope="col">Time</th>
                <th scope="col">Event</th>
                <th scope="col">Status</th>
                <th scope="col">Attempts</th>
                <th scope="col">Last answer</th>
              </tr>
            </thead>
            <tbody>
              {page.deliveries.map((delivery) => (
                <tr key={delivery.id}>
                  <th scope="row" class="delivery-time">
                    <Link href={deliveryPage(endpointId, delivery.id)}>{when(delivery.createdAt)}</Link>
                  </th>
                  <td class="delivery-event">
                    <code>{delivery.eventType}</code>
                  </td>
                  <td class="delivery-status">
                    <DeliveryBadge status={delivery.status} />
                  </td>
                  {/* The labels show on a phone, where the log is a list of cards without its header row. */}
                  <td class="delivery-attempts" data-label="Attempts">
                    {delivery.attempts}
                    {delivery.status === 'pending' && delivery.nextAttemptAt && (
                      <span class="muted small"> · next {when(delivery.nextAttemptAt)}</span>
                    )}
                  </td>
                  <td class="delivery-answer" data-label="Last answer">
                    {answerOf(delivery.lastAttempt)}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {page?.nextCursor && (
        <button type="button" class="load-more" onClick={loadMore} disabled={more}>
          {more ? 'Loading…' : 'Load more'}
        </button>
      )}
    </section>
  );
}
