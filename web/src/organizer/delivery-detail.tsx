// `/app/webhooks/<endpoint>/deliveries/<delivery>`: one delivery: the JSON it sends, every attempt
// with what the receiver answered, and a button to send it again.
import { useState } from 'preact/hooks';
import { CopyButton } from '../fields.tsx';
import { api, can, type Session } from './auth.ts';
import { DeliveryBadge } from './deliveries.tsx';
import {
  type Delivery,
  type DeliveryDetail,
  deliveryPage,
  deliveryPath,
  endpointPage,
  loadDelivery,
} from './notifications.ts';
import { Failure, Link, Loading, messageOf, useLoad, when } from './ui.tsx';
import { WebhooksNotAllowed } from './webhooks.tsx';

export function DeliveryDetailPage(props: { endpointId: string; deliveryId: string; session: Session }) {
  const { endpointId, deliveryId, session } = props;
  const allowed = can(session, 'webhooks:manage');
  const [loaded, reload] = useLoad(
    () => (allowed ? loadDelivery(deliveryId) : Promise.resolve(null)),
    [deliveryId, session.workspace],
  );
  const back = (
    <p class="crumbs">
      <Link href={endpointPage(endpointId)}>← Endpoint</Link>
    </p>
  );
  if (!allowed) return <WebhooksNotAllowed />;
  if (loaded.state === 'loading') return <Loading what="the delivery" />;
  if (loaded.state === 'failed' || !loaded.value) {
    return (
      <>
        {back}
        <h1>This delivery cannot be shown</h1>
        <Failure message={loaded.state === 'failed' ? loaded.message : 'It was not found.'} />
      </>
    );
  }
  return (
    <>
      {back}
      <DeliveryBody delivery={loaded.value} reload={reload} />
    </>
  );
}

function DeliveryBody({ delivery, reload }: { delivery: DeliveryDetail; reload: () => void }) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [resent, setResent] = useState<Delivery | null>(null);
  const payload = JSON.stringify(delivery.payload, null, 2) ?? 'null';

  async function resend() {
    setBusy(true);
    setError(null);
    try {
      setResent(await api<Delivery>('POST', `${deliveryPath(delivery.id)}/resend`));
      reload();
    } catch (caught) {
      setError(messageOf(caught));
    } finally {
      setBusy(false);
    }
  }

  return (
    <>
      <h1>
        Delivery of <code>{delivery.eventType}</code>
      </h1>
      <dl class="facts">
        <dt>Status</dt>
        <dd>
          <DeliveryBadge status={delivery.status} />
          {delivery.status === 'pending' &&
            delivery.nextAttemptAt &&
            ` next attempt ${when(delivery.nextAttemptAt)}`}
        </dd>
        <dt>Created</dt>
        <dd>{when(delivery.createdAt)}</dd>
        <dt>Attempts</dt>
        <dd>{delivery.attempts}</dd>
        <dt>
          <code>webhook-id</code>
        </dt>
        <dd>
          <code>{delivery.messageId}</code>
        </dd>
      </dl>
      <div class="actions">
        <button type="button" class="primary" onClick={resend} disabled={busy}>
          {busy ? 'Sending…' : 'Resend'}
        </button>
      </div>
      {error && <Failure message={error} />}
      <div role="status">
        {resent && (
          <p class="success">
            Sent again, with the same <code>webhook-id</code>.{' '}
            {resent.id !== delivery.id && (
              <Link href={deliveryPage(resent.endpointId, resent.id)}>See the new delivery</Link>
            )}
          </p>
        )}
      </div>

      <div class="page-head section-head">
        <h2 id="payload-heading">Payload</h2>
        <CopyButton text={payload} label="Copy payload" />
      </div>
      <pre class="code-block">{payload}</pre>

      <h2 id="attempts-heading">Attempts</h2>
      {delivery.attemptLog.length === 0 ? (
        <p class="muted">Not tried yet.</p>
      ) : (
        <ol class="attempts" aria-labelledby="attempts-heading">
          {delivery.attemptLog.map((attempt, index) => (
            <li key={`${attempt.at}-${index}`} class="attempt">
              <h3>
                Attempt {index + 1}{' '}
                <time class="muted small" dateTime={attempt.at}>
                  {when(attempt.at)}
                </time>
              </h3>
              <dl class="facts">
                <dt>HTTP status</dt>
                <dd>{attempt.status ?? 'No answer'}</dd>
                <dt>Latency</dt>
                <dd>{attempt.latencyMs} ms</dd>
                {attempt.error && (
                  <>
                    <dt>Error</dt>
                    <dd>{attempt.error}</dd>
                  </>
                )}
                <dt>Response</dt>
                <dd>{attempt.excerpt ? <pre class="excerpt">{attempt.excerpt}</pre> : 'Empty'}</dd>
              </dl>
            </li>
          ))}
        </ol>
      )}
    </>
  );
}
