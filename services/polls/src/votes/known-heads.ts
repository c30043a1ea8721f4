// What a polls process knows of poll stream heads, for the fenced vote statement (vote-writer.ts):
// the head it last wrote or read under lock, per poll, and the polls resting on the locking path
// after their statement was undone. A stale head only ever fails a fence; it never writes wrongly.
import { Counter, type Registry } from 'prom-client';
import { setNewest } from '../newest-first.ts';
import type { StreamHead } from '../streams/poll-stream.ts';

/** Heads kept (about 100 bytes each), and polls resting, at most; the oldest go first. */
const KNOWN_HEADS = 10_000;
/** How long a poll whose fenced statement was undone takes the locking path. */
const REST_MS = 1_000;

export class KnownHeads {
  readonly #heads = new Map<string, StreamHead>();
  /** Until when (monotonic ms) each poll whose statement was undone is not tried again. */
  readonly #resting = new Map<string, number>();

  /** The head to fence on, unless the poll is unknown or resting. */
  usable(pollId: string): StreamHead | undefined {
    const head = this.#heads.get(pollId);
    if (!head) return undefined;
    const until = this.#resting.get(pollId);
    if (until !== undefined) {
      if (until > performance.now()) return undefined;
      this.#resting.delete(pollId);
    }
    return head;
  }

  /** The poll's head as this process wrote or read it under lock; undefined forgets it. */
  remember(pollId: string, head: StreamHead | undefined): void {
    if (head) setNewest(this.#heads, pollId, head, KNOWN_HEADS);
    else this.#heads.delete(pollId);
  }

  /**
   * A fenced statement on these polls was undone: they take the locking path for a while
   * (replicas taking turns with a poll's votes, or voters who keep changing theirs, would
   * otherwise have nearly every batch tried and undone), and unless only a voter's conflict
   * undid it, their heads are read again under lock.
   */
  undone(pollIds: Iterable<string>, keepHeads: boolean): void {
    const until = performance.now() + REST_MS;
    for (const pollId of pollIds) {
      if (!keepHeads) this.#heads.delete(pollId);
      setNewest(this.#resting, pollId, until, KNOWN_HEADS);
    }
  }
}

/** canvass_vote_batches_total{path} and canvass_vote_fence_failures_total{reason}, in `registry`. */
export function voteBatchMetrics(registry: Registry | undefined) {
  if (!registry) return undefined;
  const counter = <L extends string>(name: string, help: string, label: L) =>
    (registry.getSingleMetric(name) as Counter<L> | undefined) ??
    new Counter({ name, help, labelNames: [label], registers: [registry] });
  return {
    batches: counter(
      'canvass_vote_batches_total',
      'Vote batches written, by path: fenced (one statement) or locked (a transaction)',
      'path',
    ),
    fenceFailures: counter(
      'canvass_vote_fence_failures_total',
      'Fenced vote statements undone, by reason: head, poll, voter or deadlock',
      'reason',
    ),
  };
}
