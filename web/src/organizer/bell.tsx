// The bell in the organizer's top bar: a link to the inbox whose name says how many notices are
// unread ("Notifications, 3 unread"); the count shows on the bell unless it is 0.
import { navigate } from '../router.ts';
import { useUnread, useUnreadLongPoll } from './unread.ts';

export function Bell({ current }: { current: boolean }) {
  useUnreadLongPoll();
  const unread = useUnread();
  return (
    <a
      href="/app/inbox"
      class="bell"
      aria-label={unread ? `Notifications, ${unread} unread` : 'Notifications'}
      aria-current={current ? 'page' : undefined}
      onClick={(event) => {
        if (event.metaKey || event.ctrlKey || event.shiftKey || event.button !== 0) return;
        event.preventDefault();
        navigate('/app/inbox');
      }}
    >
      <svg viewBox="0 0 24 24" width="22" height="22" aria-hidden="true" focusable="false">
        <path
          d="M12 3a6 6 0 0 0-6 6v3.6L4.3 16a1 1 0 0 0 .9 1.5h13.6a1 1 0 0 0 .9-1.5L18 12.6V9a6 6 0 0 0-6-6Zm-2.5 16a2.5 2.5 0 0 0 5 0"
          fill="none"
          stroke="currentColor"
          stroke-width="1.8"
          stroke-linejoin="round"
        />
      </svg>
      {unread ? (
        <span class="bell-count" aria-hidden="true">
          {unread > 99 ? '99+' : unread}
        </span>
      ) : null}
    </a>
  );
}
