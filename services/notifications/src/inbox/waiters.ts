// Long polls of the unread count: a request waits until its person's inbox changes (a NOTIFY on
// the inbox channel names them, from any process) or its time is up.
export class InboxWaiters {
  readonly #waiting = new Map<string, Set<() => void>>();

  wait(userId: string, ms: number, signal: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      const set = this.#waiting.get(userId) ?? new Set();
      this.#waiting.set(userId, set);
      const done = () => {
        clearTimeout(timer);
        signal.removeEventListener('abort', done);
        set.delete(done);
        if (set.size === 0) this.#waiting.delete(userId);
        resolve();
      };
      const timer = setTimeout(done, ms);
      signal.addEventListener('abort', done);
      set.add(done);
    });
  }

  /** `payload`: the user ids whose inbox changed, comma-separated. */
  changed(payload: string): void {
    for (const userId of payload.split(','))
      for (const done of [...(this.#waiting.get(userId) ?? [])]) done();
  }

  wakeAll(): void {
    for (const userId of [...this.#waiting.keys()]) this.changed(userId);
  }
}
