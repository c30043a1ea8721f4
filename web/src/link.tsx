// A link that stays in the app (history entry, no reload) unless the user asks for a new tab.
import type { ComponentChildren } from 'preact';
import { navigate } from './router.ts';

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
