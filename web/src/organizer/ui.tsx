// Small pieces the organizer pages share: links that stay in the app, loading and error states,
// a copy button that says it copied, and the labels Canvass uses for statuses and poll types.
import type { ComponentChildren } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { ApiError } from '../api.ts';
import { navigate } from '../router.ts';

export function Link(props: {
  href: string;
  class?: string | undefined;
  children: ComponentChildren;
  target?: string;
  current?: boolean;
}) {
  return (
    <a
      href={props.href}
      class={props.class}
      target={props.target}
      aria-current={props.current ? 'page' : undefined}
      onClick={(event) => {
        if (props.target || event.metaKey || event.ctrlKey || event.shiftKey || event.button !== 0) return;
        event.preventDefault();
        navigate(props.href);
      }}
    >
      {props.children}
    </a>
  );
}

export const messageOf = (caught: unknown) =>
  caught instanceof ApiError ? caught.message : 'Something went wrong. Try again.';

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

export const when = (iso: string | null) =>
  iso ? new Date(iso).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' }) : '';

export const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;
