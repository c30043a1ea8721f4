// Work that outlives the request that started it (held answers, webhook retries, held events):
// tracked so `settle()` can wait for all of it, cancelled by a reset, aborted by close.
export function createTaskTracker(onError: (error: unknown) => void) {
  const pending = new Set<Promise<unknown>>();
  const timers = new Map<NodeJS.Timeout, () => void>();
  const controller = new AbortController();

  function track(promise: Promise<unknown>): void {
    const settled = promise.then(
      () => undefined,
      (error: unknown) => onError(error),
    );
    pending.add(settled);
    settled.then(() => pending.delete(settled));
  }

  function cancelAll(): void {
    for (const [timer, resolve] of timers) {
      clearTimeout(timer);
      resolve();
    }
    timers.clear();
  }

  return {
    /** Aborted by close(): for fetches and waits that must not outlive the provider. */
    signal: controller.signal,
    track,
    /** Runs `work` after `ms`, unless the returned cancel function is called first. */
    later(ms: number, work: () => unknown): () => void {
      // Closed: a webhook attempt aborted by close() must not schedule its retry (it would keep
      // the process alive for the whole retry schedule).
      if (controller.signal.aborted) return () => {};
      let resolve = () => {};
      const done = new Promise<void>((r) => {
        resolve = r;
      });
      const timer = setTimeout(() => {
        timers.delete(timer);
        Promise.resolve()
          .then(work)
          .then(resolve, (error: unknown) => {
            onError(error);
            resolve();
          });
      }, ms);
      timers.set(timer, resolve);
      track(done);
      return () => {
        if (!timers.delete(timer)) return;
        clearTimeout(timer);
        resolve();
      };
    },
    cancelAll,
    close(): void {
      cancelAll();
      controller.abort();
    },
    async settle(): Promise<void> {
      while (pending.size > 0) await Promise.allSettled([...pending]);
    },
  };
}

export type TaskTracker = ReturnType<typeof createTaskTracker>;
