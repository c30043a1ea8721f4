// `/app/keys` and `/app/members`: a workspace's API keys (made with scopes, shown once, revoked)
// and its members (roles, removal, invitations by link).
import { useState } from 'preact/hooks';
import { CopyField } from '../fields.tsx';
import { api, type Role, type Session } from './auth.ts';
import { Failure, Loading, messageOf, useLoad, when } from './ui.tsx';

const SCOPES: [string, string][] = [
  ['polls:read', 'Read polls'],
  ['polls:write', 'Create and manage polls'],
  ['results:read', 'Read results'],
  ['webhooks:manage', 'Manage webhooks'],
  ['api-keys:manage', 'Manage API keys'],
  ['members:manage', 'Manage members'],
];

interface ApiKey {
  id: string;
  name: string;
  scopes: string[];
  createdAt: string;
  lastUsedAt: string | null;
  revokedAt: string | null;
}

export function ApiKeys({ session }: { session: Session }) {
  const [loaded, reload] = useLoad(() => api<ApiKey[]>('GET', '/api/v1/api-keys'), [session.workspace]);
  const [made, setMade] = useState<{ name: string; key: string } | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function create(event: Event) {
    event.preventDefault();
    const form = event.currentTarget as HTMLFormElement;
    const data = new FormData(form);
    const name = String(data.get('name') ?? '').trim();
    const scopes = data.getAll('scope').map(String);
    setError(null);
    if (!name) return setError('Name the key after what will use it.');
    if (scopes.length === 0) return setError('Choose at least one permission.');
    setBusy(true);
    try {
      const answer = await api<{ name: string; key: string }>('POST', '/api/v1/api-keys', { name, scopes });
      setMade(answer);
      form.reset();
      reload();
    } catch (caught) {
      setError(messageOf(caught));
    } finally {
      setBusy(false);
    }
  }

  async function revoke(key: ApiKey) {
    if (!confirm(`Revoke “${key.name}”? Whatever uses it stops working within seconds.`)) return;
    try {
      await api('DELETE', `/api/v1/api-keys/${encodeURIComponent(key.id)}`);
      reload();
    } catch (caught) {
      setError(messageOf(caught));
    }
  }

  return (
    <>
      <h1>API keys</h1>
      <p class="lead">Keys let your own software use the Canvass API for this workspace.</p>
      {made && (
        <div class="callout" role="status">
          <p>
            <strong>{made.name}</strong> is ready. Copy the key now: it is shown only once.
          </p>
          <CopyField id="new-key" label="New API key" value={made.key} />
        </div>
      )}
      <form onSubmit={create} noValidate class="card">
        <h2>New key</h2>
        <label for="key-name">Name</label>
        <input id="key-name" name="name" maxLength={100} placeholder="Reporting script" />
        <fieldset>
          <legend>Permissions</legend>
          {SCOPES.map(([scope, label]) => (
            <label class="check" key={scope}>
              <input type="checkbox" name="scope" value={scope} defaultChecked={scope.endsWith(':read')} />
              {label} <code class="muted">{scope}</code>
            </label>
          ))}
        </fieldset>
        {error && <Failure message={error} />}
        <button type="submit" class="primary" disabled={busy}>
          {busy ? 'Creating…' : 'Create key'}
        </button>
      </form>
      <h2>Keys</h2>
      {loaded.state === 'loading' && <Loading what="keys" />}
      {loaded.state === 'failed' && <Failure message={loaded.message} />}
      {loaded.state === 'ready' && loaded.value.length === 0 && <p class="muted">No keys yet.</p>}
      {loaded.state === 'ready' && loaded.value.length > 0 && (
        <div class="table-scroll">
          <table>
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Permissions</th>
                <th scope="col">Created</th>
                <th scope="col">Last used</th>
                <th scope="col">
                  <span class="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {loaded.value.map((key) => (
                <tr key={key.id} class={key.revokedAt ? 'revoked' : undefined}>
                  <th scope="row">{key.name}</th>
                  <td>{key.scopes.join(', ')}</td>
                  <td>{when(key.createdAt)}</td>
                  <td>{key.lastUsedAt ? when(key.lastUsedAt) : 'Never'}</td>
                  <td>
                    {key.revokedAt ? (
                      `Revoked ${when(key.revokedAt)}`
                    ) : (
                      <button type="button" onClick={() => revoke(key)}>
                        Revoke
                      </button>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </>
  );
}

interface Member {
  userId: string;
  name: string;
  email: string;
  role: Role;
}

const ROLES: [Role, string][] = [
  ['viewer', 'Viewer: sees polls and results'],
  ['editor', 'Editor: also creates and runs polls'],
  ['admin', 'Admin: also manages keys and members'],
  ['owner', 'Owner: everything, including owners'],
];

export function Members({ session }: { session: Session }) {
  const [loaded, reload] = useLoad(() => api<Member[]>('GET', '/api/v1/members'), [session.workspace]);
  const [invite, setInvite] = useState<{ link: string; role: string } | null>(null);
  const [error, setError] = useState<string | null>(null);

  async function run(action: () => Promise<unknown>) {
    setError(null);
    try {
      await action();
    } catch (caught) {
      setError(messageOf(caught));
    }
    // Also after a refusal: a select must show the role the member really has.
    reload();
  }
  // Only an owner makes or unmakes owners.
  const offered = ROLES.filter(([role]) => role !== 'owner' || session.role === 'owner');

  async function sendInvite(event: Event) {
    event.preventDefault();
    const data = new FormData(event.currentTarget as HTMLFormElement);
    const email = String(data.get('email') ?? '').trim();
    await run(async () => {
      const answer = await api<{ link: string; role: string }>('POST', '/api/v1/invitations', {
        role: String(data.get('role')),
        ...(email ? { email } : {}),
      });
      setInvite(answer);
    });
  }

  return (
    <>
      <h1>Members</h1>
      {error && <Failure message={error} />}
      <form onSubmit={sendInvite} noValidate class="card">
        <h2>Invite someone</h2>
        <label for="invite-role">Role</label>
        <select id="invite-role" name="role" defaultValue="editor">
          {offered.map(([role, label]) => (
            <option key={role} value={role}>
              {label}
            </option>
          ))}
        </select>
        <label for="invite-email">E-mail (optional: we mail them the link)</label>
        <input id="invite-email" name="email" type="email" />
        <button type="submit" class="primary">
          Create invitation
        </button>
        {invite && (
          <div class="callout" role="status">
            <CopyField id="invite-link" label="Invitation link (valid 7 days, once)" value={invite.link} />
          </div>
        )}
      </form>
      <h2>People</h2>
      {loaded.state === 'loading' && <Loading what="members" />}
      {loaded.state === 'failed' && <Failure message={loaded.message} />}
      {loaded.state === 'ready' && (
        <div class="table-scroll">
          <table>
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">E-mail</th>
                <th scope="col">Role</th>
                <th scope="col">
                  <span class="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {loaded.value.map((member) => (
                <tr key={member.userId}>
                  <th scope="row">{member.name}</th>
                  <td>{member.email}</td>
                  <td>
                    <select
                      aria-label={`Role of ${member.name}`}
                      value={member.role}
                      disabled={member.role === 'owner' && session.role !== 'owner'}
                      onChange={(e) =>
                        run(() =>
                          api('PATCH', `/api/v1/members/${encodeURIComponent(member.userId)}`, {
                            role: e.currentTarget.value,
                          }),
                        )
                      }
                    >
                      {(member.role === 'owner' ? ROLES : offered).map(([role]) => (
                        <option key={role} value={role}>
                          {role}
                        </option>
                      ))}
                    </select>
                  </td>
                  <td>
                    <button
                      type="button"
                      onClick={() => {
                        if (confirm(`Remove ${member.name} from this workspace?`))
                          run(() => api('DELETE', `/api/v1/members/${encodeURIComponent(member.userId)}`));
                      }}
                    >
                      Remove
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </>
  );
}
