// `/app/notifications`: what the signed-in person wants to be told, in the app and by mail. The
// same for every workspace they belong to; security mails are not theirs to switch off.
import { useState } from 'preact/hooks';
import { api } from './auth.ts';
import type { Preferences } from './notifications.ts';
import { Failure, Link, Loading, messageOf, useLoad } from './ui.tsx';

const PREFERENCES_URL = '/api/v1/notification-preferences';

const SWITCHES: [key: keyof Preferences, label: string, hint: string][] = [
  ['inbox', 'In-app inbox', 'Notices under the bell at the top of every page.'],
  ['digest', 'Daily digest mail', 'One mail a day summing up the notices you have not read.'],
  [
    'pollMail',
    'Mail me about my polls: opened, closed, first vote, 100 and 1,000 votes',
    'Sent as it happens.',
  ],
  ['memberMail', 'Mail me when someone accepts an invitation', 'Sent as it happens.'],
  [
    'webhookMail',
    'Mail me when a webhook endpoint is disabled',
    'Canvass disables an endpoint whose deliveries keep failing.',
  ],
];

export function NotificationSettings() {
  const [loaded] = useLoad(() => api<Preferences>('GET', PREFERENCES_URL), []);
  return (
    <>
      <p class="crumbs">
        <Link href="/app/inbox">← Inbox</Link>
      </p>
      <h1>Notification settings</h1>
      <p class="lead">What Canvass tells you, in the app and by mail. These apply to all your workspaces.</p>
      {loaded.state === 'loading' && <Loading what="your settings" />}
      {loaded.state === 'failed' && <Failure message={loaded.message} />}
      {loaded.state === 'ready' && <PreferencesForm initial={loaded.value} />}
    </>
  );
}

function PreferencesForm({ initial }: { initial: Preferences }) {
  const [chosen, setChosen] = useState(initial);
  const [saved, setSaved] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  async function save(event: Event) {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const answer = await api<Preferences | undefined>('PUT', PREFERENCES_URL, chosen);
      if (answer && typeof answer.inbox === 'boolean') setChosen(answer);
      setSaved(true);
    } catch (caught) {
      setError(messageOf(caught));
    } finally {
      setBusy(false);
    }
  }

  return (
    <form onSubmit={save} noValidate class="card">
      <fieldset>
        <legend class="visually-hidden">Notifications</legend>
        {SWITCHES.map(([key, label, hint]) => (
          <div class="switch-row" key={key}>
            <input
              id={`pref-${key}`}
              type="checkbox"
              role="switch"
              class="switch"
              checked={chosen[key]}
              aria-checked={chosen[key]}
              aria-describedby={`pref-${key}-hint`}
              onChange={(e) => {
                // A change after saving takes the confirmation away: it no longer describes the form.
                setSaved(false);
                setChosen({ ...chosen, [key]: e.currentTarget.checked });
              }}
            />
            <label for={`pref-${key}`}>{label}</label>
            <p id={`pref-${key}-hint`} class="muted small">
              {hint}
            </p>
          </div>
        ))}
      </fieldset>
      <p class="notice small">
        Mails that keep your account safe, such as confirming your address when you sign up and resetting your
        password, are always sent: they cannot be switched off.
      </p>
      {error && <Failure message={error} />}
      <div role="status">{saved && <p class="success">Your notification settings are saved.</p>}</div>
      <button type="submit" class="primary" disabled={busy}>
        {busy ? 'Saving…' : 'Save settings'}
      </button>
    </form>
  );
}
