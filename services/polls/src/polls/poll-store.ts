// Reading and writing polls in the service's own schema.
import type { Kysely } from 'kysely';
import type { PollsTables } from '../tables.ts';
import type { PollView } from './schemas.ts';

export interface StoredPoll {
  id: string;
  workspaceId: string | null;
  question: string;
  type: PollView['type'];
  status: PollView['status'];
  options: { id: string; label: string }[];
  createdAt: Date;
}

export async function insertPoll(trx: Kysely<PollsTables>, poll: StoredPoll, manageTokenHash: string | null) {
  await trx
    .insertInto('polls')
    .values({
      id: poll.id,
      workspace_id: poll.workspaceId,
      question: poll.question,
      type: poll.type,
      status: poll.status,
      manage_token_hash: manageTokenHash,
      created_at: poll.createdAt,
      updated_at: poll.createdAt,
    })
    .execute();
  await trx
    .insertInto('poll_options')
    .values(
      poll.options.map((option, position) => ({
        poll_id: poll.id,
        id: option.id,
        position,
        label: option.label,
      })),
    )
    .execute();
}

export async function findPoll(db: Kysely<PollsTables>, pollId: string): Promise<StoredPoll | undefined> {
  const row = await db.selectFrom('polls').selectAll().where('id', '=', pollId).executeTakeFirst();
  if (!row) return undefined;
  const options = await db
    .selectFrom('poll_options')
    .select(['id', 'label'])
    .where('poll_id', '=', pollId)
    .orderBy('position')
    .execute();
  return {
    id: row.id,
    workspaceId: row.workspace_id,
    question: row.question,
    type: row.type as StoredPoll['type'],
    status: row.status as StoredPoll['status'],
    options,
    createdAt: new Date(row.created_at),
  };
}

export function toPollView(poll: StoredPoll): PollView {
  return {
    id: poll.id,
    question: poll.question,
    type: poll.type,
    status: poll.status,
    options: poll.options,
    createdAt: poll.createdAt.toISOString(),
  };
}
