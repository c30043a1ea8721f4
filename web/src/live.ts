// Live results over the WebSocket: resumes with `?since=<last sequence>` and reconnects with
// backoff (with jitter, so a restarted server is not hit by every viewer at once). A refusal that
// retrying cannot change (close codes 4400–4499: no such poll, …) ends the reconnecting.
// Browsers cannot set headers on a WebSocket: a receipt or manage token goes in the query, a signed-in
// user's bearer token as the subprotocol `canvass.bearer.<token>` (the gateway takes it out).
import { useEffect, useRef, useState } from 'preact/hooks';
import { pollPath, type Results } from './api.ts';

export interface LiveState<T = Results> {
  results: T | null;
  viewers: number | null;
  /** Why the results are not shown to this viewer now (the server's words), or null. */
  hidden: string | null;
  connected: boolean;
  /** Whether the socket has been open at least once (before that the page says "Connecting…"). */
  everConnected: boolean;
}

type Message<T> =
  | { type: 'snapshot'; sequence: number; results: T }
  | { type: 'viewers'; count: number }
  | { type: 'hidden'; reason: string }
  | { type: 'error'; detail?: string };

interface LiveCredentials {
  receipt?: string | null;
  manageToken?: string | null;
  /** A signed-in user's access token, asked for at every (re)connect so it is never stale. */
  bearer?: (() => Promise<string>) | null;
}

export function useLiveResults(
  pollId: string,
  initial: Results | null,
  credentials: LiveCredentials,
): LiveState {
  return useLiveChannel(`${pollPath(pollId)}/live`, initial, credentials);
}

/**
 * Any live route's snapshots (a poll's results, an event's stage: docs/events.md), by its path;
 * `initial` is what the page loaded by other means, kept while it is the newest.
 */
export function useLiveChannel<T extends { sequence?: number }>(
  path: string,
  initial: T | null,
  credentials: LiveCredentials = {},
): LiveState<T> {
  const [state, setState] = useState<LiveState<T>>({
    results: initial,
    viewers: null,
    hidden: null,
    connected: false,
    everConnected: false,
  });
  // The newest sequence seen, across reconnects and credential changes.
  const since = useRef<number | undefined>(initial?.sequence);
  const { receipt, manageToken, bearer } = credentials;

  // Results that arrive by another way (the page's first load) count when they are newer.
  useEffect(() => {
    if (!initial) return;
    const newer = since.current === undefined || (initial.sequence ?? 0) > since.current;
    if (!newer) return;
    since.current = initial.sequence;
    setState((s) => ({ ...s, results: initial }));
  }, [initial]);

  useEffect(() => {
    let socket: WebSocket | undefined;
    let retry: ReturnType<typeof setTimeout> | undefined;
    let attempts = 0;
    let stopped = false;

    const retryLater = () => {
      if (stopped) return;
      const delay = Math.min(15_000, 500 * 2 ** attempts) * (0.5 + Math.random() / 2);
      attempts += 1;
      retry = setTimeout(connect, delay);
    };

    const connect = async () => {
      let protocols: string[] = [];
      if (bearer) {
        try {
          protocols = ['canvass.v1', `canvass.bearer.${await bearer()}`];
        } catch {
          return retryLater();
        }
        if (stopped) return;
      }
      const query = new URLSearchParams();
      // New credentials may see more than before: ask for the current snapshot again.
      if (since.current !== undefined && attempts > 0) query.set('since', String(since.current));
      if (receipt) query.set('receipt', receipt);
      if (manageToken) query.set('manageToken', manageToken);
      const scheme = location.protocol === 'https:' ? 'wss' : 'ws';
      socket = new WebSocket(`${scheme}://${location.host}${path}?${query}`, protocols);
      socket.onopen = () => {
        attempts = 0;
        setState((s) => ({ ...s, connected: true, everConnected: true }));
      };
      socket.onmessage = (event) => {
        const message = JSON.parse(String(event.data)) as Message<T>;
        if (message.type === 'snapshot') {
          if (since.current !== undefined && message.sequence < since.current) return;
          since.current = message.sequence;
          setState((s) => ({ ...s, results: message.results, hidden: null }));
        } else if (message.type === 'viewers') {
          setState((s) => ({ ...s, viewers: message.count }));
        } else if (message.type === 'hidden') {
          setState((s) => ({ ...s, hidden: message.reason }));
        }
      };
      socket.onclose = (event) => {
        setState((s) => ({ ...s, connected: false }));
        if (event.code >= 4400 && event.code < 4500) return;
        retryLater();
      };
    };
    connect();
    return () => {
      stopped = true;
      clearTimeout(retry);
      socket?.close();
    };
  }, [path, receipt, manageToken, bearer]);

  return state;
}
