// `/app/webhooks/<id>`: one endpoint: switch it on or off, change it, send it a test event, make a
// new signing secret, delete it; below, its delivery log and the form to replay past events.
import { useEffect, useState } from 'preact/hooks';
import { navigate } from '../router.ts';
import { api, can, type Session } from './auth.ts';
import { DeliveryLog } from './deliveries.tsx';
import {
  type Delivery,
  deliveryPage,
  endpointPath,
  loadEndpoint,
  WEBHOOK_EVENTS,
  type WebhookEndpoint,
} from './notifications.ts';
import { ReplayForm } from './replay-form.tsx';
import { Failure, Link, Loading, messageOf, useLoad, when } from './ui.tsx';
import { EndpointForm } from './webhook-form.tsx';
import { EndpointBadge, FailingNote, SecretShown, WebhooksNotAllowed } from './webhooks.tsx';

export function WebhookDetail({ endpointId, session }: { endpointId: string; session: Session }) {
  const [loaded, reload] = useLoad(
    () => (can(session, 'webhooks:manage') ? loadEndpoint(endpointId) : Promise.resolve(null)),
    [endpointId, session.workspace],
  );
  if (!can(session, 'webhooks:manage')) return <WebhooksNotAllowed />;
  if (loaded.state === 'loading') return <Loading what="the endpoint" />;
  if (loaded.state === 'failed' || !loaded.value) {
    return (
      <>
        <h1>This endpoint cannot be shown</h1>
        <Failure message={loaded.state === 'failed' ? loaded.message : 'It was not found.'} />
        <Link href="/app/webhooks">Back to webhooks</Link>
      </>
    );
  }
  return <EndpointBody endpoint={loaded.value} reload={reload} />;
}

function EndpointBody({ endpoint, reload }: { endpoint: WebhookEndpoint; reload: () => void }) {
  const [editing, setEditing] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [rotated, setRotated] = useState<{ secret: string; previousSecretUntil: string } | null>(null);
  const [tested, setTested] = useState<Delivery | null>(null);
  const [logVersion, setLogVersion] = useState(0);
  const path = endpointPath(endpoint.id);
  const title = endpoint.description || 'Webhook endpoint';
  useEffect(() => {
    document.title = `${title} · Canvass`;
  }, [title]);

  async function act(action: () => Promise<unknown>) {
    setBusy(true);
    setError(null);
    try {
      await action();
    } catch (caught) {
      setError(messageOf(caught));
    } finally {
      setBusy(false);
      // Also after a refusal: the switch must show what the endpoint really is.
      reload();
    }
  }

  const setEnabled = (enabled: boolean) => act(() => api('PATCH', path, { enabled }));
  const sendTest = () =>
    act(async () => {
      setTested(await api<Delivery>('POST', `${path}/test`));
      setLogVersion((v) => v + 1);
    });
  const rotate = () => {
    if (!confirm('Make a new signing secret? The current one keeps signing too for a while.')) return;
    act(async () => setRotated(await api('POST', `${path}/rotate-secret`)));
  };
  const remove = () => {
    if (!confirm(`Delete the endpoint ${endpoint.url}? Canvass stops sending to it at once.`)) return;
    act(async () => {
      await api('DELETE', path);
      navigate('/app/webhooks');
    });
  };
  const labels = new Map(WEBHOOK_EVENTS);

  return (
    <>
      <p class="crumbs">
        <Link href="/app/webhooks">← Webhooks</Link>
      </p>
      <h1>{title}</h1>
      <p class="endpoint-url">{endpoint.url}</p>
      <p class="poll-meta">
        <EndpointBadge endpoint={endpoint} /> Added {when(endpoint.createdAt)}
      </p>
      <div class="switch-row">
        <input
          id="endpoint-enabled"
          type="checkbox"
          role="switch"
          class="switch"
          checked={endpoint.enabled}
          aria-checked={endpoint.enabled}
          disabled={busy}
          aria-describedby="endpoint-enabled-hint"
          onChange={(e) => setEnabled(e.currentTarget.checked)}
        />
        <label for="endpoint-enabled">Endpoint enabled</label>
        <p id="endpoint-enabled-hint" class="muted small">
          While it is off, Canvass sends it nothing.
        </p>
      </div>
      <FailingNote endpoint={endpoint} busy={busy} onReEnable={() => setEnabled(true)} />
      <div class="actions">
        <button type="button" class="primary" disabled={busy || !endpoint.enabled} onClick={sendTest}>
          Send test event
        </button>
        <button type="button" disabled={busy} aria-expanded={editing} onClick={() => setEditing(!editing)}>
          Edit
        </button>
        <button type="button" disabled={busy} onClick={rotate}>
          Rotate secret
        </button>
      </div>
      {!endpoint.enabled && <p class="muted small">Switch the endpoint on to send it a test event.</p>}
      {error && <Failure message={error} />}
      <div role="status">
        {tested && (
          <p class="success">
            Test event queued. <Link href={deliveryPage(endpoint.id, tested.id)}>See its delivery</Link>
          </p>
        )}
      </div>
      {rotated && (
        <SecretShown id="rotated-secret" title="New signing secret" secret={rotated.secret}>
          <p>
            Until {when(rotated.previousSecretUntil)} the old secret keeps signing too: every request carries
            a signature from each, so your receiver accepts them whichever secret it has. Switch it to the new
            one before then.
          </p>
        </SecretShown>
      )}
      {editing && (
        <EndpointForm
          id="edit-endpoint"
          heading={<h2>Edit the endpoint</h2>}
          initial={{ url: endpoint.url, description: endpoint.description, eventTypes: endpoint.eventTypes }}
          submitLabel="Save changes"
          busyLabel="Saving…"
          onCancel={() => setEditing(false)}
          onSave={async (fields) => {
            await api('PATCH', path, fields);
            setEditing(false);
            reload();
          }}
        />
      )}
      <dl class="facts">
        <dt>Events</dt>
        <dd>
          <ul class="plain-list">
            {endpoint.eventTypes.map((type) => (
              <li key={type}>
                <code>{type}</code> <span class="muted small">{labels.get(type) ?? ''}</span>
              </li>
            ))}
          </ul>
        </dd>
        <dt>Signing secret</dt>
        <dd>
          {endpoint.previousSecretUntil && new Date(endpoint.previousSecretUntil) > new Date()
            ? `Rotated: the previous secret also signs until ${when(endpoint.previousSecretUntil)}.`
            : 'Shown once when made. Rotate it to get a new one.'}
        </dd>
      </dl>
      <DeliveryLog endpointId={endpoint.id} version={logVersion} />
      <ReplayForm endpointId={endpoint.id} onQueued={() => setLogVersion((v) => v + 1)} />
      <section class="card danger-zone" aria-labelledby="delete-endpoint">
        <h2 id="delete-endpoint">Delete the endpoint</h2>
        <p>Canvass stops sending to it at once. This cannot be undone.</p>
        <button type="button" class="danger" disabled={busy} onClick={remove}>
          Delete endpoint
        </button>
      </section>
    </>
  );
}
