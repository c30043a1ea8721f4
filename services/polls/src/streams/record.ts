// A poll's events go to its stream and to the outbox in the caller's transaction: the stream is
// the history (and the source for rebuilding read models), the outbox is how others hear of it.
import type { CloudEvent } from '@canvass/contracts';
import type { Outbox } from '@canvass/eventing';
import type { Kysely } from 'kysely';
import type { PollsTables } from '../tables.ts';
import { type Appended, appendToStream, startStream } from './poll-stream.ts';

export async function recordNewPoll(
  trx: Kysely<PollsTables>,
  outbox: Outbox,
  pollId: string,
  events: readonly CloudEvent[],
): Promise<Appended[]> {
  const appended = await startStream(trx, pollId, events);
  await outbox.append(trx, events);
  return appended;
}

export async function recordPollEvents(
  trx: Kysely<PollsTables>,
  outbox: Outbox,
  pollId: string,
  events: readonly CloudEvent[],
  expectedVersion?: number,
): Promise<Appended[]> {
  const appended = await appendToStream(trx, pollId, events, expectedVersion);
  await outbox.append(trx, events);
  return appended;
}
