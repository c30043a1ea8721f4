// The pages around an account: sign-up, the links mails carry (confirm the address, choose a new
// password, join a workspace), the sign-in callback, and the wall a signed-out organizer meets.
import { useEffect, useState } from 'preact/hooks';
import { callApi } from '../api.ts';
import { navigate } from '../router.ts';
import { api, finishSignIn, refresh, type Session, signOut, startSignIn } from './auth.ts';
import { Failure, Link, messageOf } from './ui.tsx';

const tokenFromQuery = () => new URLSearchParams(location.search).get('token') ?? '';

function SignInButton({ returnTo, label = 'Sign in' }: { returnTo: string; label?: string }) {
  const [error, setError] = useState<string | null>(null);
  return (
    <>
      <button
        type="button"
        class="primary"
        onClick={() => startSignIn(returnTo).catch((caught) => setError(messageOf(caught)))}
      >
        {label}
      </button>
      {error && <Failure message={error} />}
    </>
  );
}

export function SignInWall({ returnTo }: { returnTo: string }) {
  return (
    <main>
      <h1>Organize with Canvass</h1>
      <p class="lead">
        Sign in to keep your polls in a workspace, present them live, see their analytics and invite your
        team.
      </p>
      <p class="actions">
        <SignInButton returnTo={returnTo} />
        <Link class="button" href="/sign-up">
          Create an account
        </Link>
      </p>
      <p class="muted small">
        <Link href="/forgot-password">Forgot your password?</Link> ·{' '}
        <Link href="/">Create a quick poll without an account</Link>
      </p>
    </main>
  );
}

export function SignUp() {
  const [sent, setSent] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  async function submit(event: Event) {
    event.preventDefault();
    const form = new FormData(event.currentTarget as HTMLFormElement);
    const name = String(form.get('name') ?? '').trim();
    const email = String(form.get('email') ?? '').trim();
    const password = String(form.get('password') ?? '');
    setError(null);
    if (!name) return setError('Tell us your name.');
    if (!/^\S+@\S+\.\S+$/.test(email)) return setError('That e-mail address does not look right.');
    if (password.length < 10) return setError('Choose a password of at least 10 characters.');
    setBusy(true);
    try {
      await callApi('POST', '/api/v1/accounts', { body: { name, email, password } });
      setSent(email);
    } catch (caught) {
      setError(messageOf(caught));
    } finally {
      setBusy(false);
    }
  }

  if (sent) {
    return (
      <main>
        <h1>Check your e-mail</h1>
        <p>
          We sent a link to <strong>{sent}</strong>. Open it within 24 hours to confirm your address, then
          sign in.
        </p>
      </main>
    );
  }
  return (
    <main>
      <h1>Create your Canvass account</h1>
      <p class="lead">Free, with a workspace of your own for your polls and your team.</p>
      <form onSubmit={submit} noValidate>
        <label for="name">Your name</label>
        <input id="name" name="name" autocomplete="name" maxLength={100} />
        <label for="email">E-mail</label>
        <input id="email" name="email" type="email" autocomplete="email" maxLength={254} />
        <label for="password">Password</label>
        <input id="password" name="password" type="password" autocomplete="new-password" maxLength={200} />
        <p class="muted small">At least 10 characters.</p>
        {error && <Failure message={error} />}
        <button type="submit" class="primary" disabled={busy}>
          {busy ? 'Creating…' : 'Create account'}
        </button>
      </form>
      <p class="muted small">
        Have an account? <Link href="/app">Sign in</Link>
      </p>
    </main>
  );
}

/** A page that spends a mailed token once, on arrival, and says how it went. */
function useSpendToken(spend: (token: string) => Promise<unknown>) {
  const [state, setState] = useState<{ done: boolean; error: string | null }>({ done: false, error: null });
  useEffect(() => {
    spend(tokenFromQuery()).then(
      () => setState({ done: true, error: null }),
      (caught) => setState({ done: true, error: messageOf(caught) }),
    );
  }, []);
  return state;
}

export function VerifyEmail() {
  const { done, error } = useSpendToken((token) =>
    callApi('POST', '/api/v1/accounts/verify', { body: { token } }),
  );
  if (!done) return <main aria-busy="true">Confirming your address…</main>;
  return (
    <main>
      <h1>{error ? 'This link did not work' : 'Your address is confirmed'}</h1>
      {error ? <Failure message={error} /> : <p>Welcome to Canvass. Sign in to create your first poll.</p>}
      <p class="actions">
        <SignInButton returnTo="/app" />
      </p>
    </main>
  );
}

export function ForgotPassword() {
  const [sent, setSent] = useState(false);
  const [error, setError] = useState<string | null>(null);
  async function submit(event: Event) {
    event.preventDefault();
    const email = String(new FormData(event.currentTarget as HTMLFormElement).get('email') ?? '').trim();
    if (!email) return setError('Give the e-mail address of your account.');
    try {
      await callApi('POST', '/api/v1/account/password-reset', { body: { email } });
      setSent(true);
    } catch (caught) {
      setError(messageOf(caught));
    }
  }
  return (
    <main>
      <h1>Choose a new password</h1>
      {sent ? (
        <p>
          If that address has an account, a link to choose a new password is on its way. It works for an hour.
        </p>
      ) : (
        <form onSubmit={submit} noValidate>
          <label for="email">E-mail</label>
          <input id="email" name="email" type="email" autocomplete="email" />
          {error && <Failure message={error} />}
          <button type="submit" class="primary">
            Send me a link
          </button>
        </form>
      )}
    </main>
  );
}

export function ResetPassword() {
  const [done, setDone] = useState(false);
  const [error, setError] = useState<string | null>(null);
  async function submit(event: Event) {
    event.preventDefault();
    const password = String(new FormData(event.currentTarget as HTMLFormElement).get('password') ?? '');
    if (password.length < 10) return setError('Choose a password of at least 10 characters.');
    try {
      await callApi('POST', '/api/v1/account/password-reset/confirm', {
        body: { token: tokenFromQuery(), newPassword: password },
      });
      setDone(true);
    } catch (caught) {
      setError(messageOf(caught));
    }
  }
  return (
    <main>
      <h1>Choose a new password</h1>
      {done ? (
        <>
          <p>Your password is changed. Sign in with it.</p>
          <SignInButton returnTo="/app" />
        </>
      ) : (
        <form onSubmit={submit} noValidate>
          <label for="password">New password</label>
          <input id="password" name="password" type="password" autocomplete="new-password" />
          <p class="muted small">At least 10 characters.</p>
          {error && <Failure message={error} />}
          <button type="submit" class="primary">
            Save the new password
          </button>
        </form>
      )}
    </main>
  );
}

export function AuthCallback() {
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    finishSignIn(location.search).then(
      (next) => navigate(next),
      (caught) => setError(messageOf(caught)),
    );
  }, []);
  if (!error) return <main aria-busy="true">Signing you in…</main>;
  return (
    <main>
      <h1>Signing in did not work</h1>
      <Failure message={error} />
      <SignInButton returnTo="/app" label="Try again" />
    </main>
  );
}

/** `/invite?token=…` (signed in): joins the workspace and switches to it. */
export function AcceptInvite() {
  const { done, error } = useSpendToken(async (token) => {
    const joined = await api<{ workspaceId: string }>('POST', '/api/v1/invitations/accept', { token });
    await refresh(joined.workspaceId);
  });
  if (!done) return <main aria-busy="true">Joining the workspace…</main>;
  return (
    <main>
      <h1>{error ? 'This invitation did not work' : 'You joined the workspace'}</h1>
      {error && <Failure message={error} />}
      <p class="actions">
        <Link class="button primary" href="/app">
          Go to your polls
        </Link>
      </p>
    </main>
  );
}

/** `/app/account`: who is signed in, a new password, and deleting the account. */
export function AccountSettings({ session }: { session: Session }) {
  const [changed, setChanged] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [deleteError, setDeleteError] = useState<string | null>(null);

  async function changePassword(event: Event) {
    event.preventDefault();
    const form = event.currentTarget as HTMLFormElement;
    const data = new FormData(form);
    const newPassword = String(data.get('new-password') ?? '');
    setError(null);
    setChanged(false);
    if (newPassword.length < 10) return setError('Choose a new password of at least 10 characters.');
    try {
      await api('POST', '/api/v1/account/password', {
        currentPassword: String(data.get('current-password') ?? ''),
        newPassword,
      });
      form.reset();
      setChanged(true);
    } catch (caught) {
      setError(messageOf(caught));
    }
  }

  async function deleteAccount(event: Event) {
    event.preventDefault();
    const password = String(
      new FormData(event.currentTarget as HTMLFormElement).get('delete-password') ?? '',
    );
    setDeleteError(null);
    if (
      !confirm(
        'Delete your account? Workspaces only you belong to are deleted with it. This cannot be undone.',
      )
    )
      return;
    try {
      await api('DELETE', '/api/v1/account', { password });
      await signOut();
    } catch (caught) {
      setDeleteError(messageOf(caught));
    }
  }

  return (
    <>
      <h1>Your account</h1>
      <p>
        Signed in as <strong>{session.name ?? 'you'}</strong>
        {session.email && ` (${session.email})`}.
      </p>
      <section class="card" aria-labelledby="account-notifications">
        <h2 id="account-notifications">Notifications</h2>
        <p>
          Choose what Canvass tells you in the app and by mail:{' '}
          <Link href="/app/notifications">Notification settings</Link>.
        </p>
      </section>
      <form onSubmit={changePassword} noValidate class="card">
        <h2>Change your password</h2>
        <label for="current-password">Current password</label>
        <input
          id="current-password"
          name="current-password"
          type="password"
          autocomplete="current-password"
        />
        <label for="new-password">New password</label>
        <input id="new-password" name="new-password" type="password" autocomplete="new-password" />
        <p class="muted small">At least 10 characters.</p>
        {error && <Failure message={error} />}
        {changed && (
          <p role="status" class="success">
            Your password is changed. Every session is signed out, this one too within 15 minutes: sign in
            again with the new password.
          </p>
        )}
        <button type="submit" class="primary">
          Change password
        </button>
      </form>
      <form onSubmit={deleteAccount} noValidate class="card danger-zone">
        <h2>Delete your account</h2>
        <p>
          Workspaces only you belong to are deleted with it. If you are the only owner of a workspace with
          other members, make one of them an owner first.
        </p>
        <label for="delete-password">Your password, to confirm</label>
        <input id="delete-password" name="delete-password" type="password" autocomplete="current-password" />
        {deleteError && <Failure message={deleteError} />}
        <button type="submit" class="danger">
          Delete my account
        </button>
      </form>
    </>
  );
}
