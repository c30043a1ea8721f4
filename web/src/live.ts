// Live results over the WebSocket: resumes with `?since=<last sequence>` and reconnects with
// backoff (with jitter, so a restarted server is not hit by every viewer at once).
import { useEffect, useState } from 'preact/hooks';
import { pollPath, type Results } from './api.ts';

export interface LiveState {
  results: Results | null;
  viewers: number | null;
  hidden: string | null;
  connected: boolean;
}

type Message =
  | { type: 'snapshot'; sequence: number; results: Results }
  | { type: 'viewers'; count: number }
  | { type: 'hidden'; reason: string }
  | { type: 'error'; detail?: string };

export function useLiveResults(
  pollId: string,
  initial: Results | null,
  credentials: { receipt?: string | null; manageToken?: string | null },
): LiveState {
  const [state, setState] = useState<LiveState>({
    results: initial,
    viewers: null,
    hidden: null,
    connected: false,
  });
  const { receipt, manageToken } = credentials;

  useEffect(() => {
    let socket: WebSocket | undefined;
    let retry: ReturnType<typeof setTimeout> | undefined;
    let attempts = 0;
    let stopped = false;
    let since = initial?.sequence;

    const connect = () => {
      const query = new URLSearchParams();
      if (since !== undefined) query.set('since', String(since));
      if (receipt) query.set('receipt', receipt);
      if (manageToken) query.set('manageToken', manageToken);
      const scheme = location.protocol === 'https:' ? 'wss' : 'ws';
      socket = new WebSocket(`${scheme}://${location.host}${pollPath(pollId)}/live?${query}`);
      socket.onopen = () => {
        attempts = 0;
        setState((s) => ({ ...s, connected: true }));
      };
      socket.onmessage = (event) => {
        const message = JSON.parse(String(event.data)) as Message;
        if (message.type === 'snapshot') {
          if (since !== undefined && message.sequence <= since) return;
          since = message.sequence;
          setState((s) => ({ ...s, results: message.results, hidden: null }));
        } else if (message.type === 'viewers') {
          setState((s) => ({ ...s, viewers: message.count }));
        } else if (message.type === 'hidden') {
          setState((s) => ({ ...s, hidden: message.reason }));
        }
      };
      socket.onclose = () => {
        setState((s) => ({ ...s, connected: false }));
        if (stopped) return;
        const delay = Math.min(15_000, 500 * 2 ** attempts) * (0.5 + Math.random() / 2);
        attempts += 1;
        retry = setTimeout(connect, delay);
      };
    };
    connect();
    return () => {
      stopped = true;
      clearTimeout(retry);
      socket?.close();
    };
  }, [pollId, receipt, manageToken]);

  return state;
}
