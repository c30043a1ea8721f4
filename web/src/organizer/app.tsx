// The organizer side of the web app, loaded only when a page needs it (the voter page stays
// small): account pages, and behind sign-in the workspace with its polls, keys and members.
import type { ComponentChildren } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { navigate } from '../router.ts';
import {
  AcceptInvite,
  AccountSettings,
  AuthCallback,
  ForgotPassword,
  ResetPassword,
  SignInWall,
  SignUp,
  VerifyEmail,
} from './account.tsx';
import {
  api,
  can,
  currentSession,
  onSessionChange,
  refresh,
  type Session,
  safeReturn,
  signOut,
} from './auth.ts';
import { Bell } from './bell.tsx';
import { Billing } from './billing.tsx';
import { DeliveryDetailPage } from './delivery-detail.tsx';
import { EventPresenter } from './event-presenter.tsx';
import { EventDetail, EventList } from './events.tsx';
import { Inbox } from './inbox.tsx';
import { loadPoll, loadPollAndResults, type Workspace } from './model.ts';
import { PollDetail } from './poll-detail.tsx';
import { PollEditor } from './poll-editor.tsx';
import { PollList } from './poll-list.tsx';
import { NotificationSettings } from './preferences.tsx';
import { Presenter } from './presenter.tsx';
import { ApiKeys, Members } from './settings.tsx';
import { Failure, Link, Loading, messageOf, useLoad } from './ui.tsx';
import { Unsubscribe } from './unsubscribe.tsx';
import { WebhookDetail } from './webhook-detail.tsx';
import { Webhooks } from './webhooks.tsx';
import './organizer.css';

function useSession(): Session | null {
  const [session, setSession] = useState(currentSession);
  useEffect(() => onSessionChange(setSession), []);
  return session;
}

export function OrganizerApp({ path }: { path: string }) {
  const session = useSession();
  if (path === '/sign-up') return <SignUp />;
  if (path === '/verify-email') return <VerifyEmail />;
  if (path === '/reset-password') return <ResetPassword />;
  if (path === '/forgot-password') return <ForgotPassword />;
  if (path === '/auth/callback') return <AuthCallback />;
  // From a mail's footer, signed in or not.
  if (path === '/unsubscribe') return <Unsubscribe />;
  if (path === '/sign-in') {
    const returnTo = safeReturn(new URLSearchParams(location.search).get('returnTo'));
    return session ? <Redirect to={returnTo} /> : <SignInWall returnTo={returnTo} />;
  }
  if (!session) return <SignInWall returnTo={location.pathname + location.search} />;
  if (path === '/invite') return <AcceptInvite />;

  const poll = /^\/app\/polls\/([^/]+)(?:\/(edit|present))?\/?$/.exec(path);
  const pollId = poll ? decodeURIComponent(poll[1]!) : null;
  const hook = /^\/app\/webhooks\/([^/]+)(?:\/deliveries\/([^/]+))?\/?$/.exec(path);
  const endpointId = hook ? decodeURIComponent(hook[1]!) : null;
  const deliveryId = hook?.[2] ? decodeURIComponent(hook[2]) : null;
  if (pollId && pollId !== 'new' && poll?.[2] === 'present')
    return <Presenter pollId={pollId} session={session} />;
  const event = /^\/app\/events\/([^/]+)(\/present)?\/?$/.exec(path);
  const eventId = event ? decodeURIComponent(event[1]!) : null;
  if (eventId && event?.[2]) return <EventPresenter eventId={eventId} session={session} />;

  let page: ComponentChildren;
  let title = 'Polls';
  if (path === '/app' || path === '/app/') page = <PollList session={session} />;
  else if (pollId === 'new') {
    const from = new URLSearchParams(location.search).get('from');
    page = from ? <DuplicatePoll key={from} pollId={from} /> : <PollEditor key="new" poll={null} />;
    title = 'New poll';
  } else if (pollId && poll?.[2] === 'edit') [page, title] = [<EditPoll pollId={pollId} />, 'Edit the poll'];
  else if (pollId) [page, title] = [<PollDetail pollId={pollId} session={session} />, 'Poll'];
  else if (path === '/app/events' || path === '/app/events/')
    [page, title] = [<EventList session={session} />, 'Events'];
  else if (eventId) [page, title] = [<EventDetail eventId={eventId} session={session} />, 'Event'];
  else if (path === '/app/keys') [page, title] = [<ApiKeys session={session} />, 'API keys'];
  else if (path === '/app/members') [page, title] = [<Members session={session} />, 'Members'];
  else if (path === '/app/account') [page, title] = [<AccountSettings session={session} />, 'Your account'];
  else if (path === '/app/webhooks') [page, title] = [<Webhooks session={session} />, 'Webhooks'];
  else if (path === '/app/billing') [page, title] = [<Billing session={session} />, 'Plan & billing'];
  else if (endpointId && deliveryId)
    [page, title] = [
      <DeliveryDetailPage endpointId={endpointId} deliveryId={deliveryId} session={session} />,
      'Delivery',
    ];
  else if (endpointId)
    [page, title] = [<WebhookDetail endpointId={endpointId} session={session} />, 'Webhook endpoint'];
  else if (path === '/app/inbox') [page, title] = [<Inbox session={session} />, 'Inbox'];
  else if (path === '/app/notifications') [page, title] = [<NotificationSettings />, 'Notification settings'];
  else {
    title = 'Page not found';
    page = (
      <>
        <h1>Page not found</h1>
        <p>
          There is nothing at this address. <Link href="/app">Go to your polls</Link>.
        </p>
      </>
    );
  }
  return (
    <Shell session={session} path={path} title={title}>
      {page}
    </Shell>
  );
}

function EditPoll({ pollId }: { pollId: string }) {
  // Whether votes exist decides which fields are locked (the API refuses to change them then).
  const [loaded] = useLoad(() => loadPollAndResults(pollId), [pollId]);
  if (loaded.state === 'loading') return <Loading what="the poll" />;
  if (loaded.state === 'failed') return <Failure message={loaded.message} />;
  return <PollEditor poll={loaded.value.poll} hasVotes={(loaded.value.results?.totalVotes ?? 0) > 0} />;
}

/** A new poll that starts as a copy of `pollId` (the Duplicate button on a poll's page). */
function DuplicatePoll({ pollId }: { pollId: string }) {
  const [loaded] = useLoad(() => loadPoll(pollId), [pollId]);
  if (loaded.state === 'loading') return <Loading what="the poll to copy" />;
  if (loaded.state === 'failed') return <Failure message={loaded.message} />;
  return <PollEditor poll={null} template={loaded.value} />;
}

/** The workspace menu: a disclosure listing the user's workspaces, and a form to start another. */
function WorkspaceMenu({ session }: { session: Session }) {
  const [loaded, reload] = useLoad(() => api<Workspace[]>('GET', '/api/v1/workspaces'), [session.workspace]);
  const [open, setOpen] = useState(false);
  const [creating, setCreating] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const toggle = useRef<HTMLButtonElement>(null);
  const workspaces = loaded.state === 'ready' ? loaded.value : [];
  const current = workspaces.find((w) => w.id === session.workspace);

  const close = () => {
    setOpen(false);
    setCreating(false);
    setError(null);
    toggle.current?.focus();
  };

  // Escape closes the open menu, wherever the focus is.
  useEffect(() => {
    if (!open) return;
    const onKey = (event: KeyboardEvent) => {
      if (event.key === 'Escape') close();
    };
    addEventListener('keydown', onKey);
    return () => removeEventListener('keydown', onKey);
  });

  async function switchTo(id: string) {
    setBusy(true);
    setError(null);
    try {
      await refresh(id);
      close();
      navigate('/app');
    } catch (caught) {
      setError(messageOf(caught));
    } finally {
      setBusy(false);
    }
  }

  async function create(event: Event) {
    event.preventDefault();
    const name = String(new FormData(event.currentTarget as HTMLFormElement).get('name') ?? '').trim();
    if (!name) return setError('Name the workspace.');
    setBusy(true);
    setError(null);
    try {
      const made = await api<Workspace>('POST', '/api/v1/workspaces', { name });
      reload();
      await switchTo(made.id);
    } catch (caught) {
      setError(messageOf(caught));
      setBusy(false);
    }
  }

  return (
    <div class="switcher">
      <button
        type="button"
        ref={toggle}
        aria-expanded={open}
        aria-controls="workspace-menu"
        onClick={() => (open ? close() : setOpen(true))}
      >
        <span class="visually-hidden">Workspace:&nbsp;</span>
        {current?.name ?? 'Workspace'} ▾
      </button>
      {open && (
        <div id="workspace-menu" class="menu">
          <ul aria-label="Your workspaces">
            {workspaces.map((w) => (
              <li key={w.id}>
                <button
                  type="button"
                  aria-current={w.id === session.workspace ? 'true' : undefined}
                  disabled={busy}
                  onClick={() => (w.id === session.workspace ? close() : switchTo(w.id))}
                >
                  <span>{w.name}</span> <span class="muted small">{w.role}</span>
                </button>
              </li>
            ))}
          </ul>
          {creating ? (
            <form onSubmit={create} noValidate>
              <label for="new-workspace">Name of the new workspace</label>
              <input id="new-workspace" name="name" maxLength={100} />
              <button type="submit" class="primary" disabled={busy}>
                {busy ? 'Creating…' : 'Create workspace'}
              </button>
            </form>
          ) : (
            <button type="button" class="link" onClick={() => setCreating(true)}>
              + New workspace
            </button>
          )}
          {error && <Failure message={error} />}
        </div>
      )}
    </div>
  );
}

function Redirect({ to }: { to: string }) {
  useEffect(() => navigate(to), [to]);
  return null;
}

function Shell(props: { session: Session; path: string; title: string; children: ComponentChildren }) {
  const { session, path, children } = props;
  const main = useRef<HTMLElement>(null);
  // A new page says so: its title, and the focus moves to its content (as a page load would).
  useEffect(() => {
    document.title = `${props.title} · Canvass`;
    main.current?.focus();
  }, [path]);
  const nav: [string, string, boolean][] = [
    ['/app', 'Polls', true],
    ['/app/events', 'Events', true],
    ['/app/keys', 'API keys', can(session, 'api-keys:manage')],
    ['/app/members', 'Members', can(session, 'members:manage')],
    ['/app/webhooks', 'Webhooks', can(session, 'webhooks:manage')],
    ['/app/billing', 'Plan & billing', true],
  ];
  return (
    <div class="shell">
      <a class="skip" href="#content">
        Skip to content
      </a>
      <header class="topbar">
        <Link href="/app" class="brand">
          Canvass
        </Link>
        <WorkspaceMenu session={session} />
        <nav aria-label="Main">
          {nav
            .filter(([, , shown]) => shown)
            .map(([href, label]) => (
              <Link key={href} href={href} current={path === href}>
                {label}
              </Link>
            ))}
        </nav>
        <Bell current={path === '/app/inbox'} />
        <Link href="/app/account" class="who" current={path === '/app/account'}>
          {session.name ?? session.email ?? 'Account'} <span class="badge">{session.role}</span>
        </Link>
        <button type="button" class="link" onClick={() => signOut()}>
          Sign out
        </button>
      </header>
      <main id="content" class="wide" tabIndex={-1} ref={main}>
        {children}
      </main>
    </div>
  );
}
