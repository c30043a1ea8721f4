// A poll's lifecycle: draft → scheduled → open → closed, by hand or at set times. Each change
// locks the poll row, bumps config_version (so vote batches notice), appends its event to the
// stream (which is also the log others hear it from) in the same transaction, then drops the
// poll from the cache.
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import {
  type CloudEvent,
  PollClosedV1,
  PollDeletedV1,
  PollOpenedV1,
  PollUpdatedV1,
} from '@canvass/contracts';
import { createEvent } from '@canvass/eventing';
import { conflict, type Logger, newId, notFound } from '@canvass/service-kit';
import { type Kysely, sql } from 'kysely';
import { appendToStream } from '../streams/poll-stream.ts';
import type { PollsTables } from '../tables.ts';
import { assertRoomForOpenPoll, isQuotaProblem } from './open-polls-quota.ts';
import { managedElsewhere } from './organizer.ts';
import type { PollCache } from './poll-cache.ts';
import { findPoll, replaceOptions, type StoredPoll } from './poll-store.ts';
import type { EditPollBody } from './schemas.ts';
import { checkDistinctOptions, checkPollShape } from './settings.ts';

export interface Lifecycle {
  open(pollId: string, by: string): Promise<StoredPoll>;
  close(pollId: string, by: string): Promise<StoredPoll>;
  edit(poll: StoredPoll, body: EditPollBody, by: string): Promise<StoredPoll>;
  /** Deletes a poll for everyone (docs/polls.md, "Deleting a poll"). */
  remove(pollId: string, by: string): Promise<void>;
  /**
   * Opens and closes polls whose time has come; returns how many changed. Only the replica that
   * holds the schedule's lease does (the others return 0).
   */
  runSchedule(): Promise<number>;
  releaseScheduleLease(): Promise<void>;
}

const iso = (date: Date | null) => date?.toISOString() ?? null;
/** How long the schedule's lease lasts unrenewed (ticks renew it every second). */
const SCHEDULE_LEASE = '5 seconds';
/** This process, as the schedule lease's owner. */
const processOwner = `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`;

/** Status a not-yet-open poll has given its opening time. */
export const waitingStatus = (opensAt: Date | null, now = Date.now()) =>
  opensAt && opensAt.getTime() > now ? ('scheduled' as const) : ('draft' as const);

export function createLifecycle(deps: {
  kysely: Kysely<PollsTables>;
  cache: PollCache;
  logger: Logger;
  /** This process as the schedule lease's owner (tests stand in for two replicas). */
  scheduleOwner?: string;
}): Lifecycle {
  const { kysely, cache } = deps;
  const scheduleOwner = deps.scheduleOwner ?? processOwner;

  /** Runs a change on the locked poll; `change` returns the new row values and the event. */
  async function change(
    pollId: string,
    apply: (
      trx: Kysely<PollsTables>,
      poll: StoredPoll,
    ) => Promise<{ set: Partial<Record<string, unknown>>; event: CloudEvent } | undefined>,
  ): Promise<StoredPoll> {
    const updated = await kysely.transaction().execute(async (trx) => {
      const poll = await findPoll(trx, pollId, { forUpdate: true });
      if (!poll) throw notFound('poll', `There is no poll with id ${pollId}.`);
      if (poll.homeRegion !== null) throw managedElsewhere(poll.homeRegion);
      const outcome = await apply(trx, poll);
      if (!outcome) return poll;
      await trx
        .updateTable('polls')
        .set({ ...outcome.set, config_version: sql`config_version + 1`, updated_at: new Date() } as never)
        .where('id', '=', pollId)
        .execute();
      await appendToStream(trx, pollId, [outcome.event]);
      return findPoll(trx, pollId);
    });
    cache.invalidate(pollId);
    return updated!;
  }

  const event = (
    contract: typeof PollOpenedV1 | typeof PollClosedV1 | typeof PollUpdatedV1,
    pollId: string,
    data: object,
  ) =>
    createEvent(contract as typeof PollOpenedV1, {
      source: '/polls',
      subject: pollId,
      partitionkey: pollId,
      data: data as never,
    });

  function open(pollId: string, by: string) {
    return change(pollId, async (trx, poll) => {
      if (poll.status === 'open') return undefined;
      if (poll.status === 'closed')
        throw conflict(
          'poll-closed',
          'This poll is closed',
          'A closed poll stays closed: its final count is published.',
        );
      if (poll.closesAt && poll.closesAt.getTime() <= Date.now())
        throw conflict(
          'closes-in-the-past',
          'Its closing time has passed',
          'Move closesAt later first, then open it.',
        );
      if (poll.workspaceId !== null) {
        try {
          await assertRoomForOpenPoll(trx, poll.workspaceId);
        } catch (error) {
          if (by !== 'schedule' || !isQuotaProblem(error)) throw error;
          // Its time came with the plan's open polls all taken: it becomes a draft again (its
          // history and webhooks say so) rather than opening late, whenever a place frees up.
          deps.logger.info(
            { pollId, workspaceId: poll.workspaceId },
            'scheduled poll not opened: the open-polls quota is reached; it is a draft again',
          );
          return {
            set: { status: 'draft', opens_at: null },
            event: event(PollUpdatedV1, pollId, {
              pollId,
              changes: { opensAt: null },
              previous: { opensAt: iso(poll.opensAt) },
              status: 'draft',
              by,
              updatedAt: new Date().toISOString(),
            }),
          };
        }
      }
      return {
        set: {
          status: 'open',
          opens_at: poll.opensAt && poll.opensAt.getTime() > Date.now() ? null : poll.opensAt,
        },
        event: event(PollOpenedV1, pollId, { pollId, openedAt: new Date().toISOString(), by }),
      };
    });
  }

  function close(pollId: string, by: string) {
    return change(pollId, async (trx, poll) => {
      if (poll.status === 'closed') return undefined;
      const head = await trx
        .selectFrom('poll_streams')
        .select(['version', 'head_hash'])
        .where('poll_id', '=', pollId)
        .forUpdate()
        .executeTakeFirstOrThrow();
      return {
        set: { status: 'closed' },
        event: event(PollClosedV1, pollId, {
          pollId,
          closedAt: new Date().toISOString(),
          by,
          finalHead: { version: head.version, hash: head.head_hash },
          totals: await countVotes(trx, poll),
        }),
      };
    });
  }

  function edit(current: StoredPoll, body: EditPollBody, by: string) {
    return change(current.id, async (trx, poll) => {
      if (poll.status === 'closed')
        throw conflict('poll-closed', 'This poll is closed', 'A closed poll can no longer be edited.');
      const hasVotes =
        (await trx
          .selectFrom('votes')
          .select('id')
          .where('poll_id', '=', poll.id)
          .limit(1)
          .executeTakeFirst()) !== undefined;
      const changes: Record<string, unknown> = {};
      const previous: Record<string, unknown> = {};
      const set: Record<string, unknown> = {};
      const note = (key: string, before: unknown, after: unknown, column: string, value: unknown = after) => {
        if (JSON.stringify(before) === JSON.stringify(after)) return;
        changes[key] = after;
        previous[key] = before;
        set[column] = value;
      };
      const options =
        body.options?.map((option, index) => ({
          id: poll.options[index]?.id ?? newId(),
          label: option.label.trim(),
        })) ?? poll.options;
      if (body.options) checkDistinctOptions(options);
      const settings = body.settings ? { ...poll.settings, ...body.settings } : poll.settings;
      // Visibility and the anti-stuffing settings change no ballot's meaning: an organizer may
      // tighten them in the middle of a vote (under attack, say).
      const rulesOf = (value: object) =>
        JSON.stringify({
          ...value,
          resultsVisibility: null,
          votesPerAddressPerMinute: null,
          votesPerAddressPerHour: null,
          deviceToken: null,
          proofOfWork: null,
        });
      const rulesChanged =
        JSON.stringify(options) !== JSON.stringify(poll.options) ||
        rulesOf(settings) !== rulesOf(poll.settings);
      if (hasVotes && rulesChanged) {
        throw conflict(
          'poll-has-votes',
          'This poll already has votes',
          'Options and voting rules cannot change once votes exist; the question, results visibility and anti-stuffing settings can.',
        );
      }
      const accessCode = body.accessCode === undefined ? poll.accessCode : body.accessCode;
      const opensAt =
        body.opensAt === undefined ? poll.opensAt : body.opensAt ? new Date(body.opensAt) : null;
      const closesAt =
        body.closesAt === undefined ? poll.closesAt : body.closesAt ? new Date(body.closesAt) : null;
      checkPollShape({ type: poll.type, options, settings, accessCode, opensAt, closesAt });
      if (body.question !== undefined) note('question', poll.question, body.question.trim(), 'question');
      note('options', poll.options, options, 'options');
      note('settings', poll.settings, settings, 'settings', JSON.stringify(settings));
      if (accessCode !== poll.accessCode) {
        // The code itself stays out of the stream and the events: only that it changed.
        changes.accessCode = accessCode === null ? null : 'changed';
        set.access_code = accessCode;
      }
      note('opensAt', iso(poll.opensAt), iso(opensAt), 'opens_at', opensAt);
      note('closesAt', iso(poll.closesAt), iso(closesAt), 'closes_at', closesAt);
      if (Object.keys(changes).length === 0) return undefined;
      if ('options' in set) {
        await replaceOptions(trx, poll.id, options);
        delete set.options;
      }
      const status = poll.status === 'open' ? 'open' : waitingStatus(opensAt);
      if (status !== poll.status) set.status = status;
      return {
        set,
        event: event(PollUpdatedV1, poll.id, {
          pollId: poll.id,
          changes,
          previous,
          status,
          by,
          updatedAt: new Date().toISOString(),
        }),
      };
    });
  }

  async function remove(pollId: string, by: string): Promise<void> {
    await kysely.transaction().execute(async (trx) => {
      const poll = await findPoll(trx, pollId, { forUpdate: true });
      if (!poll) throw notFound('poll', `There is no poll with id ${pollId}.`);
      if (poll.homeRegion !== null) throw managedElsewhere(poll.homeRegion);
      await deletePoll(trx, poll, by);
    });
    cache.invalidate(pollId);
  }

  /**
   * Whether this process runs the schedule now: it holds the lease (taken when free or lapsed,
   * renewed each tick). A replica that dies hands it over within SCHEDULE_LEASE.
   */
  async function holdsScheduleLease(): Promise<boolean> {
    const held = await sql<{ owner: string }>`
      insert into schedule_lease (name, owner, lease_until)
        values ('schedule', ${scheduleOwner}, now() + ${SCHEDULE_LEASE}::interval)
      on conflict (name) do update set owner = excluded.owner, lease_until = excluded.lease_until
        where schedule_lease.owner = excluded.owner or schedule_lease.lease_until < now()
      returning owner`.execute(kysely);
    return held.rows.length > 0;
  }

  /** Hands the schedule over at once on a clean stop (a replica going away, a restart). */
  async function releaseScheduleLease(): Promise<void> {
    await sql`delete from schedule_lease where owner = ${scheduleOwner}`.execute(kysely);
  }

  async function runSchedule(): Promise<number> {
    if (!(await holdsScheduleLease())) return 0;
    const due = await kysely
      .selectFrom('polls')
      .select(['id', 'status'])
      .where((eb) =>
        eb.or([
          eb.and([eb('status', '=', 'scheduled'), eb('opens_at', '<=', new Date())]),
          eb.and([eb('status', '=', 'open'), eb('closes_at', '<=', new Date())]),
        ]),
      )
      // An imported poll opens and closes when its home region says so (docs/regions.md).
      .where('home_region', 'is', null)
      .limit(100)
      .execute();
    let changed = 0;
    for (const poll of due) {
      try {
        // Another process may get there first; the change re-checks the status under the lock.
        if (poll.status === 'scheduled') await open(poll.id, 'schedule');
        else await close(poll.id, 'schedule');
        changed++;
      } catch (error) {
        deps.logger.warn({ err: error, pollId: poll.id }, 'scheduled open/close failed; retrying next tick');
      }
    }
    return changed;
  }

  return { open, close, edit, remove, runSchedule, releaseScheduleLease };
}

/**
 * Deletes a locked poll (docs/polls.md, "Deleting a poll"): the deletion is the stream's last
 * event; in the same transaction the poll's row goes, and with it (on delete cascade) its options
 * and every ballot, voter key and answer, and a tombstone takes its place. The stream's events go
 * once the relay has published them (pollLog.prune): until then they are the outbox that tells
 * every consumer.
 */
export async function deletePoll(trx: Kysely<PollsTables>, poll: StoredPoll, by: string): Promise<void> {
  const deletedAt = new Date();
  await appendToStream(trx, poll.id, [
    createEvent(PollDeletedV1, {
      source: '/polls',
      subject: poll.id,
      partitionkey: poll.id,
      ...(poll.workspaceId ? { workspace: poll.workspaceId } : {}),
      data: { pollId: poll.id, deletedAt: deletedAt.toISOString(), by },
    }),
  ]);
  await trx.deleteFrom('polls').where('id', '=', poll.id).execute();
  await trx
    .insertInto('deleted_polls')
    .values({ poll_id: poll.id, workspace_id: poll.workspaceId, deleted_at: deletedAt, deleted_by: by })
    .execute();
}

/** Final counts per option id (ranking: first choices; rating: per value) and ballots, from votes. */
export async function countVotes(trx: Kysely<PollsTables>, poll: StoredPoll) {
  const current = trx.selectFrom('votes').where('poll_id', '=', poll.id).where('retracted_at', 'is', null);
  const { ballots } = await current
    .select((eb) => eb.fn.countAll<number>().as('ballots'))
    .executeTakeFirstOrThrow();
  let rows: { key: string | null; votes: number }[] = [];
  if (poll.type === 'single_choice' || poll.type === 'multiple_choice') {
    rows = (
      await sql<{ key: string; votes: number }>`select unnest(option_ids) as key, count(*)::int as votes
        from votes where poll_id = ${poll.id} and retracted_at is null group by 1`.execute(trx)
    ).rows;
  } else if (poll.type === 'ranking') {
    rows = (
      await sql<{ key: string; votes: number }>`select option_ids[1] as key, count(*)::int as votes
        from votes where poll_id = ${poll.id} and retracted_at is null group by 1`.execute(trx)
    ).rows;
  } else if (poll.type === 'rating' || poll.type === 'nps') {
    rows = (
      await sql<{ key: string; votes: number }>`select rating::text as key, count(*)::int as votes
        from votes where poll_id = ${poll.id} and retracted_at is null group by 1`.execute(trx)
    ).rows;
  }
  const counts: Record<string, number> = {};
  for (const row of rows) if (row.key !== null) counts[row.key] = Number(row.votes);
  return { ballots: Number(ballots), counts };
}
