// Operating the dead-letter store: list, inspect, replay through the consumer that failed, or
// discard. A dead letter is replayed once (its state changes in the replay's transaction), and
// the replay runs the consumer's after-commit hook like a live event.
import type { Database } from '@canvass/database';
import { sql } from 'kysely';
import type { Consumer } from './consumer.ts';

export interface DeadLetter {
  id: number;
  consumer: string;
  eventId: string | null;
  type: string | null;
  payload: string;
  error: string;
  attempts: number;
  firstFailedAt: string;
  lastFailedAt: string;
  state: 'pending' | 'replayed' | 'discarded';
  resolvedAt: string | null;
}

export class DeadLetterError extends Error {
  readonly code:
    | 'DEAD_LETTER_NOT_FOUND'
    | 'DEAD_LETTER_RESOLVED'
    | 'DEAD_LETTER_CONSUMER_UNKNOWN'
    | 'REPLAY_FAILED';
  constructor(code: DeadLetterError['code'], message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'DeadLetterError';
    this.code = code;
  }
}

const columns = sql`id, consumer, event_id as "eventId", type, payload, error, attempts,
  first_failed_at as "firstFailedAt", last_failed_at as "lastFailedAt", state, resolved_at as "resolvedAt"`;

export async function listDeadLetters(
  db: Database,
  options: { state?: string; limit?: number } = {},
): Promise<DeadLetter[]> {
  const result = await sql<DeadLetter>`select ${columns} from dead_letters
    where ${options.state ?? 'pending'} = 'all' or state = ${options.state ?? 'pending'}
    order by id limit ${options.limit ?? 100}`.execute(db.kysely);
  return result.rows;
}

export async function getDeadLetter(db: Database, id: number): Promise<DeadLetter> {
  const result = await sql<DeadLetter>`select ${columns} from dead_letters where id = ${id}`.execute(
    db.kysely,
  );
  const row = result.rows[0];
  if (!row) throw new DeadLetterError('DEAD_LETTER_NOT_FOUND', `There is no dead letter ${id}.`);
  return row;
}

function parsePayload(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

export async function replayDeadLetter(
  db: Database,
  consumers: ReadonlyMap<string, Consumer>,
  id: number,
): Promise<void> {
  const letter = await getDeadLetter(db, id);
  if (letter.state !== 'pending') {
    throw new DeadLetterError('DEAD_LETTER_RESOLVED', `Dead letter ${id} was already ${letter.state}.`);
  }
  const consumer = consumers.get(letter.consumer);
  if (!consumer) {
    throw new DeadLetterError(
      'DEAD_LETTER_CONSUMER_UNKNOWN',
      `No consumer named ${letter.consumer} runs here.`,
    );
  }
  try {
    const after = await db.kysely.transaction().execute(async (trx) => {
      const committed = await consumer.replay(trx, parsePayload(letter.payload));
      await sql`update dead_letters set state = 'replayed', resolved_at = now()
        where id = ${id} and state = 'pending'`.execute(trx);
      return committed;
    });
    // The same after-commit hook as a live event: a replayed vote reaches live viewers.
    after();
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    await sql`update dead_letters set attempts = attempts + 1, last_failed_at = now(), error = ${message}
      where id = ${id}`.execute(db.kysely);
    throw new DeadLetterError('REPLAY_FAILED', `Replaying dead letter ${id} failed again: ${message}`, {
      cause: error,
    });
  }
}

export async function discardDeadLetter(db: Database, id: number): Promise<void> {
  const letter = await getDeadLetter(db, id);
  if (letter.state !== 'pending') {
    throw new DeadLetterError('DEAD_LETTER_RESOLVED', `Dead letter ${id} was already ${letter.state}.`);
  }
  await sql`update dead_letters set state = 'discarded', resolved_at = now() where id = ${id}`.execute(
    db.kysely,
  );
}
