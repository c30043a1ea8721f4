// Now, for screens that count down to a moment (an event's lock or quiz clock).
import { useEffect, useState } from 'preact/hooks';

/**
 * Date.now(), read again whenever `until` changes and ticking four times a second until it
 * passes (a countdown), so a lock or countdown shows the moment the stage says so.
 */
export function useClock(until: number | null): number {
  const [now, setNow] = useState(Date.now);
  useEffect(() => {
    setNow(Date.now());
    if (until === null || until <= Date.now()) return;
    const timer = setInterval(() => {
      const at = Date.now();
      setNow(at);
      if (at >= until) clearInterval(timer);
    }, 250);
    return () => clearInterval(timer);
  }, [until]);
  return now;
}
