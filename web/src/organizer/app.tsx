// The organizer side of the web app, loaded only when a page needs it (the voter page stays
// small): account pages, and behind sign-in the workspace with its polls, keys and members.
import type { ComponentChildren } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { navigate } from '../router.ts';
import {
  AcceptInvite,
  AuthCallback,
  ForgotPassword,
  ResetPassword,
  SignInWall,
  SignUp,
  VerifyEmail,
} from './account.tsx';
import { api, can, currentSession, onSessionChange, refresh, type Session, signOut } from './auth.ts';
import { loadPoll, type Workspace } from './model.ts';
import { PollDetail } from './poll-detail.tsx';
import { PollEditor } from './poll-editor.tsx';
import { PollList } from './poll-list.tsx';
import { Presenter } from './presenter.tsx';
import { ApiKeys, Members } from './settings.tsx';
import { Failure, Link, Loading, messageOf, useLoad } from './ui.tsx';
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
  if (!session) return <SignInWall returnTo={location.pathname + location.search} />;
  if (path === '/invite') return <AcceptInvite />;

  const poll = /^\/app\/polls\/([^/]+)(?:\/(edit|present))?\/?$/.exec(path);
  const pollId = poll ? decodeURIComponent(poll[1]!) : null;
  if (pollId && pollId !== 'new' && poll?.[2] === 'present')
    return <Presenter pollId={pollId} session={session} />;

  let page: ComponentChildren;
  if (path === '/app' || path === '/app/') page = <PollList session={session} />;
  else if (pollId === 'new') page = <PollEditor poll={null} />;
  else if (pollId && poll?.[2] === 'edit') page = <EditPoll pollId={pollId} />;
  else if (pollId) page = <PollDetail pollId={pollId} session={session} />;
  else if (path === '/app/keys') page = <ApiKeys session={session} />;
  else if (path === '/app/members') page = <Members session={session} />;
  else
    page = (
      <>
        <h1>Page not found</h1>
        <p>
          There is nothing at this address. <Link href="/app">Go to your polls</Link>.
        </p>
      </>
    );
  return (
    <Shell session={session} path={path}>
      {page}
    </Shell>
  );
}

function EditPoll({ pollId }: { pollId: string }) {
  const [loaded] = useLoad(() => loadPoll(pollId), [pollId]);
  if (loaded.state === 'loading') return <Loading what="the poll" />;
  if (loaded.state === 'failed') return <Failure message={loaded.message} />;
  return <PollEditor poll={loaded.value} />;
}

function WorkspaceSwitcher({ session }: { session: Session }) {
  const [loaded, reload] = useLoad(() => api<Workspace[]>('GET', '/api/v1/workspaces'), [session.workspace]);
  const [error, setError] = useState<string | null>(null);
  const workspaces = loaded.state === 'ready' ? loaded.value : [];

  async function change(value: string) {
    setError(null);
    try {
      if (value === '+new') {
        const name = prompt('Name the new workspace')?.trim();
        if (!name) return;
        const made = await api<Workspace>('POST', '/api/v1/workspaces', { name });
        await refresh(made.id);
        reload();
      } else {
        await refresh(value);
      }
      navigate('/app');
    } catch (caught) {
      setError(messageOf(caught));
    }
  }

  return (
    <div class="switcher">
      <label for="workspace" class="visually-hidden">
        Workspace
      </label>
      <select id="workspace" value={session.workspace} onChange={(e) => change(e.currentTarget.value)}>
        {workspaces.length === 0 && <option value={session.workspace}>Workspace</option>}
        {workspaces.map((w) => (
          <option key={w.id} value={w.id}>
            {w.name}
          </option>
        ))}
        <option value="+new">+ New workspace…</option>
      </select>
      {error && <Failure message={error} />}
    </div>
  );
}

function Shell({ session, path, children }: { session: Session; path: string; children: ComponentChildren }) {
  const nav: [string, string, boolean][] = [
    ['/app', 'Polls', true],
    ['/app/keys', 'API keys', can(session, 'api-keys:manage')],
    ['/app/members', 'Members', can(session, 'members:manage')],
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
        <WorkspaceSwitcher session={session} />
        <nav aria-label="Main">
          {nav
            .filter(([, , shown]) => shown)
            .map(([href, label]) => (
              <Link key={href} href={href} current={path === href}>
                {label}
              </Link>
            ))}
        </nav>
        <span class="who">
          {session.name ?? session.email ?? ''} <span class="badge">{session.role}</span>
        </span>
        <button type="button" class="link" onClick={() => signOut()}>
          Sign out
        </button>
      </header>
      <main id="content" class="wide">
        {children}
      </main>
    </div>
  );
}
