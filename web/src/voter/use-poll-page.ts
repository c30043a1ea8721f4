// The voting page's data: the poll and, when this voter may see them, its results, in one call
// (GET …/page, with the receipt and manage token this browser holds). A scheduled poll is read
// again when it is due to open, so the ballot appears without a reload.
import { useEffect, useState } from 'preact/hooks';
import { ApiError, callApi, type PollPage, pollPath } from '../api.ts';
import { manageToken, voteReceipt } from '../storage.ts';
import { plainWords } from './problems.ts';

export type PageLoad =
  | { state: 'loading' }
  | { state: 'failed'; message: string; deleted?: boolean }
  | { state: 'ready'; page: PollPage };

function credentialHeaders(pollId: string): Record<string, string> {
  const headers: Record<string, string> = {};
  const receipt = voteReceipt(pollId);
  const token = manageToken(pollId);
  if (receipt) headers['vote-receipt'] = receipt;
  if (token) headers['manage-token'] = token;
  return headers;
}

/** The page's data, and `reload` to read it again in place (no loading flash). */
export function usePollPage(pollId: string): [PageLoad, () => void] {
  const [load, setLoad] = useState<PageLoad>({ state: 'loading' });
  const [tick, setTick] = useState(0);

  useEffect(() => {
    let current = true;
    callApi<PollPage>('GET', `${pollPath(pollId)}/page`, { headers: credentialHeaders(pollId) })
      .then((page) => {
        if (!current) return;
        setLoad({ state: 'ready', page });
        document.title = `${page.poll.question} · Canvass`;
      })
      .catch((caught) => {
        if (current)
          setLoad((now) =>
            now.state === 'ready'
              ? now
              : {
                  state: 'failed',
                  message: plainWords(caught),
                  deleted: caught instanceof ApiError && caught.kind === 'poll-deleted',
                },
          );
      });
    return () => {
      current = false;
    };
  }, [pollId, tick]);

  const poll = load.state === 'ready' ? load.page.poll : null;
  useEffect(() => {
    if (poll?.status !== 'scheduled' || !poll.opensAt) return;
    const wait = new Date(poll.opensAt).getTime() - Date.now() + 1000;
    if (wait > 2 ** 31 - 1) return; // setTimeout's limit (about 24 days)
    const timer = setTimeout(() => setTick((t) => t + 1), Math.max(3000, wait));
    return () => clearTimeout(timer);
  }, [poll?.status, poll?.opensAt]);

  return [load, () => setTick((t) => t + 1)];
}
