// Open polls in memory, so a vote costs no poll lookup. An entry is dropped when this process
// changes the poll (open, close, edit) and expires after a minute otherwise. Staleness cannot
// let a wrong vote in: the vote batch re-reads each poll's status and config_version under the
// stream lock and re-checks votes whose poll changed (see votes/vote-writer.ts).
import type { Kysely } from 'kysely';
import { setNewest } from '../newest-first.ts';
import type { PollsTables } from '../tables.ts';
import { findPoll, pollMissing, type StoredPoll } from './poll-store.ts';

const TTL_MS = 60_000;
const MAX_ENTRIES = 10_000;

export class PollCache {
  readonly #entries = new Map<string, { poll: StoredPoll; expiresAt: number }>();
  readonly #loading = new Map<string, Promise<StoredPoll | undefined>>();
  readonly #db: Kysely<PollsTables>;
  readonly #onInvalidate: ((pollId: string) => void) | undefined;

  /** `onInvalidate` hears of every poll this process changed (each change invalidates it). */
  constructor(db: Kysely<PollsTables>, onInvalidate?: (pollId: string) => void) {
    this.#db = db;
    this.#onInvalidate = onInvalidate;
  }

  /** The poll, from memory when fresh; `fresh: true` reads the database (and refreshes the entry). */
  async get(pollId: string, options: { fresh?: boolean } = {}): Promise<StoredPoll | undefined> {
    const entry = this.#entries.get(pollId);
    if (!options.fresh && entry && entry.expiresAt > Date.now()) return entry.poll;
    // Concurrent misses for one poll share one read.
    let loading = this.#loading.get(pollId);
    if (!loading) {
      loading = findPoll(this.#db, pollId).finally(() => this.#loading.delete(pollId));
      this.#loading.set(pollId, loading);
    }
    const poll = await loading;
    if (poll) this.set(poll);
    else this.#entries.delete(pollId);
    return poll;
  }

  /** The poll, or the 404 (or 410 for a deleted poll) a route answers without one. */
  async require(pollId: string, options: { fresh?: boolean } = {}): Promise<StoredPoll> {
    const poll = await this.get(pollId, options);
    if (!poll) throw await pollMissing(this.#db, pollId);
    return poll;
  }

  set(poll: StoredPoll): void {
    setNewest(this.#entries, poll.id, { poll, expiresAt: Date.now() + TTL_MS }, MAX_ENTRIES);
  }

  invalidate(pollId: string): void {
    this.#entries.delete(pollId);
    this.#onInvalidate?.(pollId);
  }
}
