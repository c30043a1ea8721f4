// The inbox's unread count, shared by the bell and the inbox page, kept live by a long poll:
// `GET /api/v1/inbox/unread?known=<n>&wait=25` answers as soon as the count differs from `known`
// (or after 25 s with the same count). The loop pauses while the tab is hidden (its request is
// dropped, and asked again when the tab shows), backs off with jitter after failures, and stops
// when the signed-in shell goes away (sign-out, unmount).
import { useEffect, useState } from 'preact/hooks';
import { accessToken, refresh } from './auth.ts';

const WAIT_S = 25;
/** Never ask twice within this, whatever the answers say: no tight loop against a quick server. */
const MIN_GAP_MS = 1_000;
const MAX_BACKOFF_MS = 60_000;

let unread: number | null = null;
const listeners = new Set<(count: number | null) => void>();

function publish(count: number | null): void {
  if (count === unread) return;
  unread = count;
  for (const listener of listeners) listener(count);
}

/** The inbox page says what it learnt (it marked items read, or read the count). */
export const setUnread = (count: number) => publish(Math.max(0, count));

/** The unread count as last known (null: not known yet). */
export function useUnread(): number | null {
  const [count, setCount] = useState(unread);
  useEffect(() => {
    listeners.add(setCount);
    setCount(unread);
    return () => {
      listeners.delete(setCount);
    };
  }, []);
  return count;
}

class Refused extends Error {
  readonly retryAfterMs: number;
  constructor(status: number, retryAfterS: number) {
    super(`The unread count was refused (${status}).`);
    this.retryAfterMs = retryAfterS > 0 ? retryAfterS * 1000 : 0;
  }
}

async function askUnread(known: number, signal: AbortSignal): Promise<number> {
  let token = await accessToken();
  for (let tried = false; ; tried = true) {
    const response = await fetch(`/api/v1/inbox/unread?known=${known}&wait=${WAIT_S}`, {
      headers: { accept: 'application/json', authorization: `Bearer ${token}` },
      signal,
    });
    if (response.status === 401 && !tried) {
      token = (await refresh()).accessToken;
      continue;
    }
    if (!response.ok) throw new Refused(response.status, Number(response.headers.get('retry-after')));
    const body = (await response.json()) as { unread?: unknown };
    if (typeof body.unread !== 'number') throw new Refused(response.status, 0);
    return body.unread;
  }
}

const hidden = () => document.visibilityState === 'hidden';

/** Runs the long poll while the calling component (the bell, in the signed-in shell) is mounted. */
export function useUnreadLongPoll(): void {
  useEffect(() => {
    let stopped = false;
    let request: AbortController | null = null;
    let wake: (() => void) | null = null;
    /** Waits `ms` (or, with null, until woken): the tab showing again or the loop stopping wake it. */
    const pause = (ms: number | null) =>
      new Promise<void>((resolve) => {
        const timer = ms === null ? undefined : setTimeout(resolve, ms);
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    const onVisibility = () => {
      if (hidden()) request?.abort();
      else wake?.();
    };
    document.addEventListener('visibilitychange', onVisibility);

    (async () => {
      let failures = 0;
      while (!stopped) {
        if (hidden()) {
          await pause(null);
          continue;
        }
        const started = Date.now();
        request = new AbortController();
        try {
          publish(await askUnread(unread ?? 0, request.signal));
          failures = 0;
          await pause(Math.max(0, MIN_GAP_MS - (Date.now() - started)));
        } catch (caught) {
          if (stopped || request.signal.aborted) continue;
          failures += 1;
          const backoff = Math.min(MAX_BACKOFF_MS, 1000 * 2 ** Math.min(failures, 6));
          const wait = caught instanceof Refused && caught.retryAfterMs ? caught.retryAfterMs : backoff;
          await pause(wait / 2 + Math.random() * (wait / 2));
        }
      }
    })();

    return () => {
      stopped = true;
      request?.abort();
      wake?.();
      document.removeEventListener('visibilitychange', onVisibility);
      publish(null);
    };
  }, []);
}
