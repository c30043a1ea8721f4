// The loop behind every queue here (webhook deliveries, mail, results changes, digests): woken by
// a NOTIFY on its channel and by a timer (nothing is stranded if a notification is lost), it
// claims a batch, works it, and goes on while batches come back full.
import type { Database } from '@canvass/database';
import type { Logger } from '@canvass/service-kit';

export interface WorkLoop {
  wake(): void;
  start(): Promise<void>;
  stop(): Promise<void>;
}

export function createWorkLoop<T>(options: {
  name: string;
  db: Database;
  logger: Logger;
  /** NOTIFY channel that wakes it, if any. */
  channel?: string;
  intervalMs: number;
  batch: number;
  claim(limit: number): Promise<T[]>;
  work(item: T): Promise<void>;
}): WorkLoop {
  let stopped = true;
  let running: Promise<void> | undefined;
  let again = false;
  let timer: NodeJS.Timeout | undefined;
  let unlisten: (() => Promise<void>) | undefined;

  async function drain(): Promise<void> {
    do {
      again = false;
      let claimed: T[];
      do {
        claimed = await options.claim(options.batch);
        await Promise.all(
          claimed.map((item) =>
            options
              .work(item)
              .catch((error) => options.logger.error({ err: error }, `${options.name}: an item failed`)),
          ),
        );
      } while (claimed.length === options.batch && !stopped);
    } while (again && !stopped);
  }

  function wake() {
    if (stopped) return;
    if (running) {
      again = true;
      return;
    }
    running = drain()
      .catch((error) => options.logger.error({ err: error }, `${options.name}: could not claim work`))
      .finally(() => {
        running = undefined;
      });
  }

  return {
    wake,
    async start() {
      stopped = false;
      if (options.channel) unlisten = await options.db.listen(options.channel, wake).catch(() => undefined);
      timer = setInterval(wake, options.intervalMs);
      timer.unref();
      wake();
    },
    async stop() {
      stopped = true;
      clearInterval(timer);
      await unlisten?.();
      await running;
    },
  };
}
