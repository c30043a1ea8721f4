// `/app/inbox`: the signed-in person's notices, newest first. Opening one marks it read (and
// switches to its workspace when it belongs to another); the bell's count follows at once.
import { useEffect, useRef, useState } from 'preact/hooks';
import { navigate } from '../router.ts';
import { api, refresh, type Session, safeReturn } from './auth.ts';
import type { InboxItem } from './notifications.ts';
import { Failure, Link, Loading, messageOf, plural, when } from './ui.tsx';
import { setUnread, useUnread } from './unread.ts';

interface InboxPage {
  items: InboxItem[];
  unread: number;
  nextCursor: string | null;
}

const inboxUrl = (cursor?: string | null) =>
  cursor ? `/api/v1/inbox?${new URLSearchParams({ cursor })}` : '/api/v1/inbox';

export function Inbox({ session }: { session: Session }) {
  const [items, setItems] = useState<InboxItem[] | null>(null);
  const [next, setNext] = useState<string | null>(null);
  /** How many unread items the server counted, less the ones this page marked read since. */
  const [expected, setExpected] = useState(0);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [tick, setTick] = useState(0);
  const unread = useUnread();
  const listing = useRef(0);

  useEffect(() => {
    let current = true;
    listing.current += 1;
    setError(null);
    api<InboxPage>('GET', inboxUrl()).then(
      (page) => {
        if (!current) return;
        setItems(page.items);
        setNext(page.nextCursor);
        setExpected(page.unread);
        setUnread(page.unread);
      },
      (caught) => current && setError(messageOf(caught)),
    );
    return () => {
      current = false;
    };
  }, [tick]);

  async function loadMore() {
    if (!items || !next) return;
    const asked = listing.current;
    setBusy(true);
    try {
      const page = await api<InboxPage>('GET', inboxUrl(next));
      if (asked !== listing.current) return;
      setItems([...items, ...page.items.filter((item) => !items.some((had) => had.id === item.id))]);
      setNext(page.nextCursor);
    } catch (caught) {
      setError(messageOf(caught));
    } finally {
      setBusy(false);
    }
  }

  const markedRead = (ids: string[] | 'all') => {
    const at = new Date().toISOString();
    const fresh = (items ?? []).filter((item) => !item.readAt && (ids === 'all' || ids.includes(item.id)));
    setItems((before) =>
      (before ?? []).map((item) =>
        !item.readAt && (ids === 'all' || ids.includes(item.id)) ? { ...item, readAt: at } : item,
      ),
    );
    const left = ids === 'all' ? 0 : Math.max(0, expected - fresh.length);
    setExpected(left);
    setUnread(ids === 'all' ? 0 : Math.max(0, (unread ?? expected) - fresh.length));
  };

  async function markAll() {
    setBusy(true);
    setError(null);
    try {
      await api('POST', '/api/v1/inbox/read', { all: true });
      markedRead('all');
    } catch (caught) {
      setError(messageOf(caught));
    } finally {
      setBusy(false);
    }
  }

  async function open(item: InboxItem, event: MouseEvent) {
    const newTab = event.metaKey || event.ctrlKey || event.shiftKey || event.button !== 0;
    if (!newTab) event.preventDefault();
    if (!item.readAt) {
      // Opening it is what matters: a failed mark leaves it unread, nothing worse.
      await api('POST', '/api/v1/inbox/read', { ids: [item.id] }).then(
        () => markedRead([item.id]),
        () => undefined,
      );
    }
    if (newTab) return;
    if (item.workspaceId && item.workspaceId !== session.workspace) {
      await refresh(item.workspaceId).catch(() => undefined);
    }
    navigate(safeReturn(item.url));
  }

  const unreadShown = items?.filter((item) => !item.readAt).length ?? 0;
  const arrived = items !== null && unread !== null && unread > expected;
  return (
    <>
      <div class="page-head">
        <h1>Inbox</h1>
        <button type="button" onClick={markAll} disabled={busy || (unreadShown === 0 && !unread)}>
          Mark all as read
        </button>
      </div>
      <p class="muted">
        {items && (unread ?? expected) > 0 ? `${plural(unread ?? expected, 'unread notice')}. ` : ''}
        <Link href="/app/notifications">Notification settings</Link>
      </p>
      <div role="status">
        {arrived && (
          <p class="callout">
            New notices arrived.{' '}
            <button type="button" class="link" onClick={() => setTick((t) => t + 1)}>
              Show them
            </button>
          </p>
        )}
      </div>
      {error && <Failure message={error} />}
      {!items && !error && <Loading what="your notices" />}
      {items && items.length === 0 && (
        <div class="empty">
          <p>Nothing here yet.</p>
          <p class="muted">
            Canvass tells you here when your polls open and close, when they get their first votes and pass
            100 and 1,000 votes, when someone accepts your invitation, and when a webhook endpoint stops
            working.
          </p>
        </div>
      )}
      {items && items.length > 0 && (
        <ul class="inbox-list">
          {items.map((item) => (
            <li key={item.id} class={item.readAt ? undefined : 'unread'}>
              <a href={safeReturn(item.url)} class="inbox-link" onClick={(event) => open(item, event)}>
                <span class="inbox-title">
                  {!item.readAt && <span class="visually-hidden">Unread: </span>}
                  {item.title}
                </span>
                {item.body && <span class="inbox-body">{item.body}</span>}
                <time class="inbox-time" dateTime={item.createdAt}>
                  {when(item.createdAt)}
                </time>
              </a>
            </li>
          ))}
        </ul>
      )}
      {next && (
        <button type="button" onClick={loadMore} disabled={busy}>
          {busy ? 'Loading…' : 'Load more'}
        </button>
      )}
    </>
  );
}
