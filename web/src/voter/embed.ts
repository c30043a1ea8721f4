// The voting page inside another site's iframe: no page chrome, a transparent background (the
// `embed` class on <html>), and its height posted to the host page so it can size the frame:
//   addEventListener('message', (e) => { if (e.data?.type === 'canvass:embed-height') frame.style.height = `${e.data.height}px`; });
import { useEffect } from 'preact/hooks';

export function useEmbedFrame(pollId: string, embed: boolean): void {
  useEffect(() => {
    if (!embed) return;
    const root = document.documentElement;
    root.classList.add('embed');
    if (window.parent === window) return () => root.classList.remove('embed');
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
      root.classList.remove('embed');
    };
  }, [pollId, embed]);
}
