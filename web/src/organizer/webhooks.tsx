// `/app/webhooks`: the workspace's webhook endpoints (on, off, or switched off by Canvass after
// failing) and the form to add one. A new endpoint's signing secret is shown here once.
import type { ComponentChildren } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { CopyField } from '../fields.tsx';
import { api, can, type Session } from './auth.ts';
import { endpointPage, endpointPath, type WebhookEndpoint } from './notifications.ts';
import { Failure, Link, Loading, messageOf, plural, useLoad, when } from './ui.tsx';
import { EndpointForm } from './webhook-form.tsx';

/** Only admins and owners hold `webhooks:manage`; the menu hides the page from everyone else. */
export function WebhooksNotAllowed() {
  return (
    <>
      <h1>Webhooks</h1>
      <p>Only the workspace’s admins and owners manage its webhooks.</p>
      <Link href="/app">Back to your polls</Link>
    </>
  );
}

/** A signing secret, shown the one time the API answers with it. */
export function SecretShown(props: {
  id: string;
  title: string;
  secret: string;
  children?: ComponentChildren;
}) {
  const box = useRef<HTMLElement>(null);
  useEffect(() => box.current?.focus(), [props.secret]);
  return (
    <section class="callout" ref={box} tabIndex={-1} aria-labelledby={`${props.id}-title`}>
      <h2 id={`${props.id}-title`}>{props.title}</h2>
      <p>
        <strong>Copy the signing secret now: you won’t see it again.</strong> Your receiver uses it to check
        the <code>webhook-signature</code> header of every request (Standard Webhooks).
      </p>
      <CopyField id={props.id} label="Signing secret" value={props.secret} copyLabel="Copy secret" />
      {props.children}
    </section>
  );
}

export function EndpointBadge({ endpoint }: { endpoint: WebhookEndpoint }) {
  if (!endpoint.enabled) return <span class="badge status-off">Disabled</span>;
  return <span class="badge status-on">Enabled</span>;
}

export function Webhooks({ session }: { session: Session }) {
  return can(session, 'webhooks:manage') ? <Endpoints session={session} /> : <WebhooksNotAllowed />;
}

function Endpoints({ session }: { session: Session }) {
  const [loaded, reload] = useLoad(
    () => api<{ endpoints: WebhookEndpoint[] }>('GET', '/api/v1/webhooks'),
    [session.workspace],
  );
  const [made, setMade] = useState<(WebhookEndpoint & { secret: string }) | null>(null);
  const [error, setError] = useState<string | null>(null);

  async function reEnable(endpoint: WebhookEndpoint) {
    setError(null);
    try {
      await api('PATCH', endpointPath(endpoint.id), { enabled: true });
    } catch (caught) {
      setError(messageOf(caught));
    }
    reload();
  }

  const endpoints = loaded.state === 'ready' ? loaded.value.endpoints : [];
  return (
    <>
      <h1>Webhooks</h1>
      <p class="lead">
        Webhooks tell your own software what happens in this workspace as it happens: Canvass sends a signed
        POST request with a JSON body to each endpoint for the events it chose.
      </p>
      {made && (
        <SecretShown id="new-secret" title="Endpoint added" secret={made.secret}>
          <p>
            <Link href={endpointPage(made.id)}>Open the endpoint</Link> to send it a test event.
          </p>
        </SecretShown>
      )}
      <h2>Endpoints</h2>
      {error && <Failure message={error} />}
      {loaded.state === 'loading' && <Loading what="endpoints" />}
      {loaded.state === 'failed' && <Failure message={loaded.message} />}
      {loaded.state === 'ready' && endpoints.length === 0 && (
        <div class="empty">
          <p>This workspace has no webhook endpoints yet.</p>
          <p class="muted">
            An endpoint is a URL of yours. Canvass calls it when a poll is created, opens or closes, or gets a
            vote, so you can update a spreadsheet, post to a chat or keep another system in step. Add one
            below.
          </p>
        </div>
      )}
      {endpoints.length > 0 && (
        <ul class="poll-list endpoint-list">
          {endpoints.map((endpoint) => (
            <li key={endpoint.id}>
              <Link href={endpointPage(endpoint.id)} class="endpoint-link">
                <span class="endpoint-url">{endpoint.url}</span>
                <span class="poll-meta">
                  <EndpointBadge endpoint={endpoint} /> {plural(endpoint.eventTypes.length, 'event')}
                  {endpoint.description && ` · ${endpoint.description}`}
                </span>
              </Link>
              <FailingNote endpoint={endpoint} onReEnable={() => reEnable(endpoint)} />
            </li>
          ))}
        </ul>
      )}
      <EndpointForm
        id="new-endpoint"
        heading={<h2>Add endpoint</h2>}
        submitLabel="Add endpoint"
        busyLabel="Adding…"
        resetAfterSave
        onSave={async (fields) => {
          const answer = await api<WebhookEndpoint & { secret: string }>('POST', '/api/v1/webhooks', {
            url: fields.url,
            eventTypes: fields.eventTypes,
            ...(fields.description ? { description: fields.description } : {}),
          });
          setMade(answer);
          reload();
        }}
      />
    </>
  );
}

/** Why an endpoint is off or failing, and (when Canvass switched it off) the way back on. */
export function FailingNote(props: { endpoint: WebhookEndpoint; onReEnable: () => void; busy?: boolean }) {
  const { endpoint } = props;
  if (!endpoint.enabled && endpoint.disabledReason === 'failing') {
    return (
      <div class="endpoint-note warn-note">
        <p>
          Canvass disabled this endpoint after every delivery failed
          {endpoint.failingSince ? ` since ${when(endpoint.failingSince)}` : ''}. Fix the receiver, then
          switch it back on; replay what it missed from its page.
        </p>
        <button type="button" onClick={props.onReEnable} disabled={props.busy}>
          Re-enable<span class="visually-hidden"> {endpoint.url}</span>
        </button>
      </div>
    );
  }
  if (endpoint.enabled && endpoint.failingSince) {
    return (
      <p class="endpoint-note warn-note">
        Every delivery has failed since {when(endpoint.failingSince)}. Canvass keeps retrying for about a day,
        then disables the endpoint.
      </p>
    );
  }
  return null;
}
