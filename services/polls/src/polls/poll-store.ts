// Reading and writing polls in the service's own schema.
import { type CloudEvent, PollCreatedV2, type PollSettings } from '@canvass/contracts';
import { DEFAULT_PROTECTION } from '@canvass/contracts/poll-defaults';
import { createEvent } from '@canvass/eventing';
import { HttpProblem, notFound } from '@canvass/service-kit';
import type { Kysely, Selectable } from 'kysely';
import type { PollsTables } from '../tables.ts';
import type { PollView } from './schemas.ts';

export interface StoredPoll {
  id: string;
  workspaceId: string | null;
  question: string;
  type: PollView['type'];
  status: PollView['status'];
  options: { id: string; label: string }[];
  settings: PollSettings;
  accessCode: string | null;
  opensAt: Date | null;
  closesAt: Date | null;
  createdAt: Date;
  /** See migration 004: grows with every change a vote is checked against. */
  configVersion: number;
  manageTokenHash: string | null;
  /** Where an imported poll is managed (docs/regions.md); null for this region's own polls. */
  homeRegion: string | null;
  /** The presenter's lock or countdown (docs/events.md): voting stops then, by the server's clock. */
  votingLockedAt?: Date | null;
}

export async function insertPoll(trx: Kysely<PollsTables>, poll: StoredPoll) {
  await trx
    .insertInto('polls')
    .values({
      id: poll.id,
      workspace_id: poll.workspaceId,
      question: poll.question,
      type: poll.type,
      status: poll.status,
      manage_token_hash: poll.manageTokenHash,
      home_region: poll.homeRegion,
      config_version: poll.configVersion,
      settings: JSON.stringify(poll.settings) as never,
      access_code: poll.accessCode,
      opens_at: poll.opensAt,
      closes_at: poll.closesAt,
      created_at: poll.createdAt,
      updated_at: poll.createdAt,
    })
    .execute();
  await replaceOptions(trx, poll.id, poll.options);
}

/** The event a poll's stream starts with. */
export function createdEvent(poll: StoredPoll): CloudEvent {
  return createEvent(PollCreatedV2, {
    source: '/polls',
    subject: poll.id,
    partitionkey: poll.id,
    ...(poll.workspaceId ? { workspace: poll.workspaceId } : {}),
    data: {
      pollId: poll.id,
      workspaceId: poll.workspaceId,
      question: poll.question,
      type: poll.type,
      status: poll.status,
      options: poll.options,
      settings: poll.settings,
      opensAt: poll.opensAt?.toISOString() ?? null,
      closesAt: poll.closesAt?.toISOString() ?? null,
      createdAt: poll.createdAt.toISOString(),
    },
  });
}

export async function replaceOptions(
  trx: Kysely<PollsTables>,
  pollId: string,
  options: readonly { id: string; label: string }[],
) {
  await trx.deleteFrom('poll_options').where('poll_id', '=', pollId).execute();
  if (options.length === 0) return;
  await trx
    .insertInto('poll_options')
    .values(
      options.map((option, position) => ({ poll_id: pollId, id: option.id, position, label: option.label })),
    )
    .execute();
}

type PollRow = Selectable<PollsTables['polls']>;
type OptionRow = { id: string; label: string };

function toStoredPoll(row: PollRow, options: OptionRow[]): StoredPoll {
  return {
    id: row.id,
    workspaceId: row.workspace_id,
    question: row.question,
    type: row.type as StoredPoll['type'],
    status: row.status as StoredPoll['status'],
    options,
    // Polls stored before the anti-stuffing settings existed get their defaults.
    settings: { ...DEFAULT_PROTECTION, ...row.settings },
    accessCode: row.access_code,
    opensAt: row.opens_at ? new Date(row.opens_at) : null,
    closesAt: row.closes_at ? new Date(row.closes_at) : null,
    createdAt: new Date(row.created_at),
    configVersion: row.config_version,
    manageTokenHash: row.manage_token_hash,
    homeRegion: row.home_region,
    votingLockedAt: row.voting_locked_at ? new Date(row.voting_locked_at) : null,
  };
}

/**
 * Why there is no poll with this id: 410 `poll-deleted` for a deleted one (its tombstone), 404
 * otherwise.
 */
export async function pollMissing(db: Kysely<PollsTables>, pollId: string): Promise<HttpProblem> {
  const deleted = await db
    .selectFrom('deleted_polls')
    .select('deleted_at')
    .where('poll_id', '=', pollId)
    .executeTakeFirst();
  return deleted
    ? new HttpProblem(
        410,
        'poll-deleted',
        'This poll was deleted',
        `Its organizer deleted it on ${new Date(deleted.deleted_at).toISOString().slice(0, 10)}: its question, votes and results are gone.`,
      )
    : notFound('poll', `There is no poll with id ${pollId}.`);
}

/**
 * Locks a poll's stream head (until commit). A change to a poll row takes it first, the order vote
 * batches lock in (the stream head, then the row FOR SHARE): so the two never deadlock, and a batch
 * that waited for the change reads the poll as the change left it.
 */
export async function lockStreamHead(db: Kysely<PollsTables>, pollId: string): Promise<void> {
  await db.selectFrom('poll_streams').select('poll_id').where('poll_id', '=', pollId).forUpdate().execute();
}

/** A poll with its options; `forUpdate` locks its stream head and then its row (see lockStreamHead). */
export async function findPoll(
  db: Kysely<PollsTables>,
  pollId: string,
  options: { forUpdate?: boolean } = {},
): Promise<StoredPoll | undefined> {
  let query = db.selectFrom('polls').selectAll().where('id', '=', pollId);
  if (options.forUpdate) {
    await lockStreamHead(db, pollId);
    query = query.forUpdate();
  }
  const row = await query.executeTakeFirst();
  if (!row) return undefined;
  const pollOptions = await db
    .selectFrom('poll_options')
    .select(['id', 'label'])
    .where('poll_id', '=', pollId)
    .orderBy('position')
    .execute();
  return toStoredPoll(row, pollOptions);
}

/** Where a page of a workspace's polls starts: after this poll (newest first). */
export interface PollCursor {
  createdAt: Date;
  id: string;
}

/**
 * A page of a workspace's polls, newest first (keyset on created_at, id: index
 * polls_by_workspace), with the options of the whole page read in one query. One more row than
 * `limit` is read to tell whether another page follows.
 */
export async function listWorkspacePolls(
  db: Kysely<PollsTables>,
  page: { workspaceId: string; status?: StoredPoll['status']; limit: number; after?: PollCursor },
): Promise<{ polls: StoredPoll[]; next: PollCursor | null }> {
  let query = db
    .selectFrom('polls')
    .selectAll()
    .where('workspace_id', '=', page.workspaceId)
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .limit(page.limit + 1);
  if (page.status) query = query.where('status', '=', page.status);
  const after = page.after;
  if (after) {
    query = query.where(({ eb, refTuple, tuple }) =>
      eb(refTuple('created_at', 'id'), '<', tuple(after.createdAt, after.id)),
    );
  }
  const rows = await query.execute();
  const more = rows.length > page.limit;
  const shown = more ? rows.slice(0, page.limit) : rows;
  const byPoll = new Map<string, OptionRow[]>(shown.map((row) => [row.id, []]));
  if (shown.length > 0) {
    const optionRows = await db
      .selectFrom('poll_options')
      .select(['poll_id', 'id', 'label'])
      .where('poll_id', 'in', [...byPoll.keys()])
      .orderBy('poll_id')
      .orderBy('position')
      .execute();
    for (const option of optionRows) byPoll.get(option.poll_id)?.push({ id: option.id, label: option.label });
  }
  const polls = shown.map((row) => toStoredPoll(row, byPoll.get(row.id) ?? []));
  const last = polls.at(-1);
  return { polls, next: more && last ? { createdAt: last.createdAt, id: last.id } : null };
}

export function toPollView(poll: StoredPoll, options: { organizer?: boolean } = {}): PollView {
  return {
    id: poll.id,
    workspaceId: poll.workspaceId,
    question: poll.question,
    type: poll.type,
    status: poll.status,
    options: poll.options,
    settings: poll.settings,
    opensAt: poll.opensAt?.toISOString() ?? null,
    closesAt: poll.closesAt?.toISOString() ?? null,
    createdAt: poll.createdAt.toISOString(),
    ...(options.organizer && poll.accessCode ? { accessCode: poll.accessCode } : {}),
    ...(poll.votingLockedAt ? { votingLockedAt: poll.votingLockedAt.toISOString() } : {}),
  };
}

/** The poll as voters may vote on it now: open, and not past its closing time. */
export const takesVotes = (poll: StoredPoll, now = Date.now()) =>
  poll.status === 'open' && (poll.closesAt === null || poll.closesAt.getTime() > now);
