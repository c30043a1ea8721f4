// The voting page inside another site's iframe (`/embed/<pollId>`, the only page any site may
// frame): no page chrome (the `embed` class on <html>), and its height posted to the host page so
// it can size the frame:
//   addEventListener('message', (e) => { if (e.data?.type === 'canvass:embed-height') frame.style.height = `${e.data.height}px`; });
// The background is Canvass's own, light or dark as the voter's system is, so the text stays
// readable on any host page. `/embed/<pollId>?transparent=1` lets the host page show through
// instead (the `transparent` class): for hosts that know their background suits both schemes.
import { useEffect } from 'preact/hooks';

export function useEmbedFrame(pollId: string, embed: boolean): void {
  useEffect(() => {
    if (!embed) return;
    const root = document.documentElement;
    const classes =
      new URLSearchParams(location.search).get('transparent') === '1' ? ['embed', 'transparent'] : ['embed'];
    root.classList.add(...classes);
    if (window.parent === window) return () => root.classList.remove(...classes);
    let last = 0;
    const report = () => {
      const height = Math.ceil(document.body.getBoundingClientRect().height);
      if (height === last) return;
      last = height;
      // The height says nothing private, so any host page may have it.
      window.parent.postMessage({ type: 'canvass:embed-height', pollId, height }, '*');
    };
    const observer = new ResizeObserver(report);
    observer.observe(document.body);
    report();
    return () => {
      observer.disconnect();
      root.classList.remove(...classes);
    };
  }, [pollId, embed]);
}
