// `/unsubscribe?token=…`: the link in every activity mail's footer, signed in or not. Nothing is
// sent on arrival (mail scanners open links): the person presses the button.
import { useState } from 'preact/hooks';
import { callApi } from '../api.ts';
import { Failure, Link, messageOf } from './ui.tsx';

export function Unsubscribe() {
  const token = new URLSearchParams(location.search).get('token') ?? '';
  const [done, setDone] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  async function unsubscribe() {
    setBusy(true);
    setError(null);
    try {
      const answer = await callApi<{ unsubscribed: string }>(
        'POST',
        `/api/v1/unsubscribe/${encodeURIComponent(token)}`,
      );
      setDone(answer.unsubscribed || 'these mails');
    } catch (caught) {
      setError(messageOf(caught));
    } finally {
      setBusy(false);
    }
  }

  if (done !== null) {
    return (
      <main>
        <h1>You are unsubscribed</h1>
        <p role="status">
          Canvass will no longer send you <strong>{done}</strong>.
        </p>
        <p>
          Changed your mind, or want to choose what else you get?{' '}
          <Link href="/app/notifications">Open your notification settings</Link> (you may need to sign in).
        </p>
      </main>
    );
  }
  return (
    <main>
      <h1>Unsubscribe from Canvass mails</h1>
      {token ? (
        <>
          <p>
            Stop getting this kind of mail from Canvass. Other mails, and your inbox in the app, stay as they
            are.
          </p>
          {error && <Failure message={error} />}
          <p class="actions">
            <button type="button" class="primary" onClick={unsubscribe} disabled={busy}>
              {busy ? 'Unsubscribing…' : 'Unsubscribe'}
            </button>
          </p>
        </>
      ) : (
        <Failure message="This link is incomplete. Open the link from the mail again, or choose what you get in your notification settings." />
      )}
      <p class="muted small">
        You can also choose every kind of mail at once in your{' '}
        <Link href="/app/notifications">notification settings</Link>. Mails that keep your account safe
        (signing up, resetting your password) are always sent.
      </p>
    </main>
  );
}
