// Events (docs/events.md): a workspace's polls in an order behind a six-digit join code, and the
// stage the presenter drives. Reading and writing them in the polls service's own schema.
import { randomInt } from 'node:crypto';
import type { EventStage, EventView } from '@canvass/contracts';
import { conflict, HttpProblem, newId, notFound } from '@canvass/service-kit';
import { type Kysely, type Selectable, sql } from 'kysely';
import type { PollsTables } from '../tables.ts';
import { leaderboardOf } from './quiz-store.ts';

type EventRow = Selectable<PollsTables['events']>;

/** An event's default length when it names no end: its code is held that long. */
export const DEFAULT_EVENT_DAYS = 7;
/** The longest an event may run (and hold its code). */
export const MAX_EVENT_DAYS = 90;
export const MAX_DECK = 100;

export const eventNotFound = (detail = 'There is no event with this id in your workspace.') =>
  notFound('event', detail);

/** Nearly every join code is held by a live event. */
const codesExhausted = () =>
  new HttpProblem(
    503,
    'join-codes-exhausted',
    'No join code is free right now',
    'Almost every join code is held by a live event. Try again later.',
  );

/** A join code as typed ("123 456", "123-456") made plain, or undefined when it is not six digits. */
export function normalizeJoinCode(typed: string): string | undefined {
  const code = typed.replace(/[\s-]/g, '');
  return /^[1-9][0-9]{5}$/.test(code) ? code : undefined;
}

const invalidEvent = (field: string, message: string) =>
  new HttpProblem(422, 'invalid-event', 'This event cannot be set up that way', `${field}: ${message}.`, {
    errors: [{ in: 'body', field: `/${field}`, message }],
  });

/** Checks the dates; defaults: starts now, ends DEFAULT_EVENT_DAYS after it starts. */
export function eventDates(startsAt: Date | undefined, endsAt: Date | undefined, now = new Date()) {
  const start = startsAt ?? now;
  const end = endsAt ?? new Date(start.getTime() + DEFAULT_EVENT_DAYS * 86_400_000);
  if (end <= start) throw invalidEvent('endsAt', 'must be after the start');
  if (end <= now) throw invalidEvent('endsAt', 'is in the past');
  if (end.getTime() - start.getTime() > MAX_EVENT_DAYS * 86_400_000)
    throw invalidEvent('endsAt', `an event lasts at most ${MAX_EVENT_DAYS} days`);
  return { startsAt: start, endsAt: end };
}

/**
 * Inserts the event with a fresh join code. Codes of events that have ended are released first,
 * so a code is unique among events that can still be joined and 900,000 codes go round.
 */
export async function insertEvent(
  trx: Kysely<PollsTables>,
  event: { workspaceId: string; title: string; startsAt: Date; endsAt: Date; createdBy: string },
): Promise<EventRow> {
  await trx
    .updateTable('events')
    .set({ code_released: true })
    .where('code_released', '=', false)
    .where('ends_at', '<=', new Date())
    .execute();
  for (let attempt = 0; attempt < 20; attempt++) {
    const row = await trx
      .insertInto('events')
      .values({
        id: newId(),
        workspace_id: event.workspaceId,
        title: event.title,
        join_code: String(randomInt(100_000, 1_000_000)),
        starts_at: event.startsAt,
        ends_at: event.endsAt,
        created_by: event.createdBy,
      })
      .onConflict((oc) => oc.column('join_code').where('code_released', '=', false).doNothing())
      .returningAll()
      .executeTakeFirst();
    if (row) return row;
  }
  // Twenty taken codes in a row: the live events hold most of the 900,000.
  throw codesExhausted();
}

/** The organizer's event, or 404 (another workspace's event answers the same: no probing). */
export async function findEvent(
  db: Kysely<PollsTables>,
  eventId: string,
  workspaceId: string,
  options: { forUpdate?: boolean } = {},
): Promise<EventRow> {
  let query = db
    .selectFrom('events')
    .selectAll()
    .where('id', '=', eventId)
    .where('workspace_id', '=', workspaceId);
  if (options.forUpdate) query = query.forUpdate();
  const row = await query.executeTakeFirst();
  if (!row) throw eventNotFound();
  return row;
}

/** Replaces the deck: these polls of the workspace, in this order. */
export async function setDeck(
  trx: Kysely<PollsTables>,
  event: EventRow,
  pollIds: readonly string[],
): Promise<void> {
  if (new Set(pollIds).size !== pollIds.length) throw invalidEvent('pollIds', 'a poll is listed twice');
  if (pollIds.length > 0) {
    const found = await trx
      .selectFrom('polls')
      .leftJoin('event_polls', 'event_polls.poll_id', 'polls.id')
      .select(['polls.id', 'event_polls.event_id'])
      .where('polls.id', 'in', pollIds)
      .where('polls.workspace_id', '=', event.workspace_id)
      .execute();
    const known = new Map(found.map((row) => [row.id, row.event_id]));
    const missing = pollIds.filter((id) => !known.has(id));
    if (missing.length > 0)
      throw invalidEvent(
        'pollIds',
        `${missing.join(', ')} ${missing.length === 1 ? 'is not a poll' : 'are not polls'} of this workspace (a guest poll joins once it is claimed)`,
      );
    const elsewhere = pollIds.filter((id) => known.get(id) && known.get(id) !== event.id);
    if (elsewhere.length > 0)
      throw conflict(
        'poll-in-another-event',
        'A poll is in another event',
        `${elsewhere.join(', ')} ${elsewhere.length === 1 ? 'is' : 'are'} already in another event; a poll is in one event at a time. Remove it there first.`,
      );
  }
  // Kept entries keep their quiz settings and clock; only positions move. A poll leaving the
  // deck leaves the presenter's lock behind too (nobody could lift it from its own page).
  let query = trx.deleteFrom('event_polls').where('event_id', '=', event.id);
  if (pollIds.length > 0) query = query.where('poll_id', 'not in', pollIds);
  const removed = await query.returning('poll_id').execute();
  if (removed.length > 0)
    await trx
      .updateTable('polls')
      .set({ voting_locked_at: null })
      .where(
        'id',
        'in',
        removed.map((row) => row.poll_id),
      )
      .execute();
  if (pollIds.length === 0) return;
  try {
    await trx
      .insertInto('event_polls')
      .values(pollIds.map((pollId, position) => ({ event_id: event.id, poll_id: pollId, position })))
      .onConflict((oc) =>
        oc.columns(['event_id', 'poll_id']).doUpdateSet((eb) => ({ position: eb.ref('excluded.position') })),
      )
      .execute();
  } catch (error) {
    // Another event took one of these polls at the same moment (the unique poll_id).
    if ((error as { code?: string }).code === '23505') throw inAnotherEvent(pollIds);
    throw error;
  }
}

const inAnotherEvent = (pollIds: readonly string[]) =>
  conflict(
    'poll-in-another-event',
    'A poll is in another event',
    `${pollIds.join(', ')}: a poll is in one event at a time. Remove it there first.`,
  );

/** Lifts the presenter's lock from every poll of an event's deck (the event is going away). */
export async function unlockDeck(trx: Kysely<PollsTables>, eventId: string): Promise<void> {
  await trx
    .updateTable('polls')
    .set({ voting_locked_at: null })
    .where('id', 'in', trx.selectFrom('event_polls').select('poll_id').where('event_id', '=', eventId))
    .execute();
}

/** A released code may be another event's now: an event made joinable again gets a new one. */
export async function renewJoinCode(trx: Kysely<PollsTables>, eventId: string): Promise<string> {
  for (let attempt = 0; attempt < 20; attempt++) {
    const code = String(randomInt(100_000, 1_000_000));
    const taken = await trx
      .selectFrom('events')
      .select('id')
      .where('join_code', '=', code)
      .where('code_released', '=', false)
      .executeTakeFirst();
    if (taken) continue;
    try {
      await trx
        .updateTable('events')
        .set({ join_code: code, code_released: false })
        .where('id', '=', eventId)
        .execute();
    } catch (error) {
      // Taken by an event created in the same moment.
      if ((error as { code?: string }).code === '23505')
        throw conflict('join-code-busy', 'Try again', 'The new join code was taken at the same moment.');
      throw error;
    }
    return code;
  }
  throw codesExhausted();
}

async function deckOf(db: Kysely<PollsTables>, eventId: string) {
  return db
    .selectFrom('event_polls')
    .innerJoin('polls', 'polls.id', 'event_polls.poll_id')
    .select([
      'polls.id',
      'polls.question',
      'polls.type',
      'polls.status',
      'polls.voting_locked_at',
      'event_polls.correct_option_ids',
      'event_polls.seconds',
      'event_polls.started_at',
    ])
    .where('event_polls.event_id', '=', eventId)
    .orderBy('event_polls.position')
    .execute();
}

const isLive = (row: EventRow, now = new Date()) => !row.code_released && new Date(row.ends_at) > now;

export async function toEventView(db: Kysely<PollsTables>, row: EventRow): Promise<EventView> {
  const deck = await deckOf(db, row.id);
  return {
    id: row.id,
    workspaceId: row.workspace_id,
    title: row.title,
    joinCode: row.join_code,
    startsAt: new Date(row.starts_at).toISOString(),
    endsAt: new Date(row.ends_at).toISOString(),
    live: isLive(row),
    qa: qaOf(row),
    polls: deck.map((poll) => ({
      id: poll.id,
      question: poll.question,
      type: poll.type as EventView['polls'][number]['type'],
      status: poll.status as EventView['polls'][number]['status'],
      quiz:
        poll.correct_option_ids && poll.seconds
          ? { correctOptionIds: poll.correct_option_ids, seconds: poll.seconds }
          : null,
    })),
    createdAt: new Date(row.created_at).toISOString(),
  };
}

export async function listEvents(db: Kysely<PollsTables>, workspaceId: string, limit: number) {
  const rows = await db
    .selectFrom('events')
    .selectAll()
    .where('workspace_id', '=', workspaceId)
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .limit(limit)
    .execute();
  return Promise.all(rows.map((row) => toEventView(db, row)));
}

/** What every participant's screen shows now. */
export async function stageOf(db: Kysely<PollsTables>, row: EventRow): Promise<EventStage> {
  const deck = await deckOf(db, row.id);
  const index = row.stage_screen === 'poll' ? deck.findIndex((poll) => poll.id === row.stage_poll_id) : -1;
  const current = deck[index];
  return {
    eventId: row.id,
    title: row.title,
    joinCode: row.join_code,
    sequence: row.stage_version,
    // A poll taken off the deck (or deleted) leaves the audience waiting; so does Q&A turned off.
    screen: current
      ? 'poll'
      : row.stage_screen === 'qa' && row.qa_enabled
        ? 'qa'
        : row.stage_screen === 'leaderboard'
          ? 'leaderboard'
          : 'waiting',
    pollId: current?.id ?? null,
    position: current ? index + 1 : null,
    deckSize: deck.length,
    revealed: current ? row.stage_revealed : false,
    votingLockedAt: current?.voting_locked_at ? new Date(current.voting_locked_at).toISOString() : null,
    serverTime: new Date().toISOString(),
    endsAt: new Date(row.ends_at).toISOString(),
    qa: qaOf(row),
    quiz:
      current?.correct_option_ids && current.seconds
        ? {
            seconds: current.seconds,
            startedAt: current.started_at ? new Date(current.started_at).toISOString() : null,
            // The right answers show once the presenter reveals them (which ends the question).
            correctOptionIds: row.stage_revealed ? current.correct_option_ids : null,
          }
        : null,
    leaderboard:
      row.stage_screen === 'leaderboard' && !current
        ? await leaderboardOf(db, row.id, {
            final:
              deck.some((poll) => poll.correct_option_ids) &&
              deck.every(
                (poll) =>
                  !poll.correct_option_ids ||
                  (poll.started_at !== null &&
                    new Date(poll.started_at).getTime() + (poll.seconds ?? 0) * 1000 <= Date.now()),
              ),
          })
        : null,
  };
}

export const qaOf = (row: EventRow) => ({
  enabled: row.qa_enabled,
  anonymous: row.qa_anonymous,
  moderation: row.qa_moderation,
});

/** A participant's way in: the live event holding this code. */
export async function findByJoinCode(db: Kysely<PollsTables>, code: string): Promise<EventRow | undefined> {
  return db
    .selectFrom('events')
    .selectAll()
    .where('join_code', '=', code)
    .where('code_released', '=', false)
    .where('ends_at', '>', new Date())
    .executeTakeFirst();
}

/** The stage by event id alone (participants and realtime's access check know only the id). */
export async function findEventById(db: Kysely<PollsTables>, eventId: string) {
  return db.selectFrom('events').selectAll().where('id', '=', eventId).executeTakeFirst();
}

/** Moves the stage's version on; returns the row as it is now. */
export async function bumpStage(
  trx: Kysely<PollsTables>,
  eventId: string,
  set: Partial<
    Pick<
      EventRow,
      | 'stage_screen'
      | 'stage_poll_id'
      | 'stage_revealed'
      | 'title'
      | 'starts_at'
      | 'ends_at'
      | 'qa_enabled'
      | 'qa_anonymous'
      | 'qa_moderation'
    >
  >,
): Promise<EventRow> {
  return trx
    .updateTable('events')
    .set({ ...set, stage_version: sql`stage_version + 1`, updated_at: new Date() })
    .where('id', '=', eventId)
    .returningAll()
    .executeTakeFirstOrThrow();
}
