// Small pieces the organizer pages share: loading and error states, downloads, and the labels
// Canvass uses for statuses and poll types (links, words and formats come from the app's own).
import { useEffect, useRef, useState } from 'preact/hooks';
import { ApiError, messageOf as wordsOf } from '../api.ts';
import { Link } from '../link.tsx';

export { Link };

/**
 * Over-quota refusals' words, remembered so `Failure` can offer the plans beside them: every page
 * keeps an error as the string `messageOf` gave it, and this way none of them has to change.
 */
const quotaMessages = new Set<string>();
const QUOTA_KIND = 'quota-exceeded';
const PLANS_PAGE = '/app/billing';

/** A refusal (or anything thrown) in words for the page. */
export function messageOf(caught: unknown): string {
  const words = wordsOf(caught);
  if (caught instanceof ApiError && caught.kind === QUOTA_KIND) {
    if (quotaMessages.size > 50) quotaMessages.clear();
    quotaMessages.add(words);
  }
  return words;
}

export type Loaded<T> =
  | { state: 'loading' }
  | { state: 'failed'; message: string }
  | { state: 'ready'; value: T };

/** Loads `load()` whenever `keys` change; `reload` runs it again in place (no loading flash). */
export function useLoad<T>(load: () => Promise<T>, keys: unknown[]): [Loaded<T>, () => void] {
  const [loaded, setLoaded] = useState<Loaded<T>>({ state: 'loading' });
  const [tick, setTick] = useState(0);
  const keyText = JSON.stringify(keys);
  const lastKeys = useRef(keyText);
  useEffect(() => {
    let current = true;
    if (lastKeys.current !== keyText) {
      lastKeys.current = keyText;
      setLoaded({ state: 'loading' });
    }
    load().then(
      (value) => current && setLoaded({ state: 'ready', value }),
      (caught) => current && setLoaded({ state: 'failed', message: messageOf(caught) }),
    );
    return () => {
      current = false;
    };
  }, [keyText, tick]);
  return [loaded, () => setTick((t) => t + 1)];
}

export function Loading({ what }: { what: string }) {
  return (
    <p class="muted" aria-busy="true">
      Loading {what}…
    </p>
  );
}

export function Failure({ message }: { message: string }) {
  return (
    <p class="error" role="alert">
      {message}
      {quotaMessages.has(message) && (
        <>
          {' '}
          <Link href={PLANS_PAGE}>See plans</Link>
        </>
      )}
    </p>
  );
}

export const STATUS_LABELS: Record<string, string> = {
  draft: 'Draft',
  scheduled: 'Scheduled',
  open: 'Open',
  closed: 'Closed',
};

export const TYPE_LABELS: Record<string, string> = {
  single_choice: 'Single choice',
  multiple_choice: 'Multiple choice',
  rating: 'Rating',
  nps: 'Net Promoter Score',
  ranking: 'Ranking',
  open_text: 'Open text',
};

export function StatusBadge({ status }: { status: string }) {
  return <span class={`badge status-${status}`}>{STATUS_LABELS[status] ?? status}</span>;
}

export { plural, when } from '../format.ts';

/** Hands `blob` to the browser as a download named `name`. */
export function saveFile(blob: Blob, name: string): void {
  const url = URL.createObjectURL(blob);
  Object.assign(document.createElement('a'), { href: url, download: name }).click();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}
