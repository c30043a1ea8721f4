// Polls across regions (docs/regions.md). A region's own polls are sent to its peers as whole
// definitions after every change (export); a peer's polls are kept here as copies that take votes
// (import). A copy changes only through its home region's definitions, newest configVersion wins,
// and every change to it is an event in its stream here as for any poll, so this region's
// analytics counts the votes cast here against the right type, options and status.
import {
  type CloudEvent,
  PollClaimedV1,
  PollClosedV1,
  PollCreatedV1,
  PollCreatedV2,
  PollDeletedV1,
  PollOpenedV1,
  PollUpdatedV1,
  RegionPollDefinitionV1,
  RegionPollDeletedV1,
} from '@canvass/contracts';
import { type ConsumerSpec, createEvent } from '@canvass/eventing';
import type { Logger, RegionConfig, ServiceContext } from '@canvass/service-kit';
import { type Kysely, sql } from 'kysely';
import type { Static } from 'typebox';
import { countVotes, deletePoll } from '../polls/lifecycle.ts';
import type { PollCache } from '../polls/poll-cache.ts';
import { createdEvent, findPoll, insertPoll, replaceOptions, type StoredPoll } from '../polls/poll-store.ts';
import { appendToStream, startStream } from '../streams/poll-stream.ts';
import type { PollsTables } from '../tables.ts';

type Definition = CloudEvent<Static<(typeof RegionPollDefinitionV1)['data']>>;
type Deletion = CloudEvent<Static<(typeof RegionPollDeletedV1)['data']>>;

export const REGION_EXPORT_CONSUMER = 'polls-region-export';
export const REGION_IMPORT_CONSUMER = 'polls-region-import';

const iso = (date: Date | null) => date?.toISOString() ?? null;

export function definitionEvent(region: string, poll: StoredPoll): CloudEvent {
  return createEvent(RegionPollDefinitionV1, {
    source: '/polls',
    subject: poll.id,
    partitionkey: region,
    data: {
      region,
      pollId: poll.id,
      configVersion: poll.configVersion,
      workspaceId: poll.workspaceId,
      question: poll.question,
      type: poll.type,
      status: poll.status,
      options: poll.options,
      settings: poll.settings,
      accessCode: poll.accessCode,
      opensAt: iso(poll.opensAt),
      closesAt: iso(poll.closesAt),
      createdAt: poll.createdAt.toISOString(),
    },
  });
}

/** Sends each of this region's polls, as it is now, whenever its definition or status changed. */
export function regionExportConsumer(context: ServiceContext, region: RegionConfig): ConsumerSpec {
  return {
    name: REGION_EXPORT_CONSUMER,
    types: [
      PollCreatedV1.type,
      PollCreatedV2.type,
      PollUpdatedV1.type,
      PollOpenedV1.type,
      PollClosedV1.type,
      PollClaimedV1.type,
      PollDeletedV1.type,
    ],
    handle: async (trx, events) => {
      const definitions: CloudEvent[] = [];
      const pollIds = new Set<string>();
      for (const event of events) {
        const { pollId } = event.data as { pollId: string };
        pollIds.add(pollId);
        // A deletion is the stream's last event: the poll's copies go too.
        if (event.type === PollDeletedV1.type) {
          const { deletedAt, by } = event.data as { deletedAt: string; by: string };
          if (!by.startsWith('region:'))
            definitions.push(
              createEvent(RegionPollDeletedV1, {
                source: '/polls',
                subject: pollId,
                partitionkey: region.name,
                data: { region: region.name, pollId, deletedAt },
              }),
            );
        }
      }
      for (const pollId of pollIds) {
        // The poll as it is now: a later change's event follows and sends it again.
        const poll = await findPoll(trx as Kysely<PollsTables>, pollId);
        if (poll && poll.homeRegion === null) definitions.push(definitionEvent(region.name, poll));
      }
      // Before the batch is acknowledged: a failed send has the batch delivered again.
      if (definitions.length > 0) await context.bus.publish(definitions);
    },
  };
}

/** Keeps copies of the peers' polls, each at the newest definition its home region sent. */
export function regionImportConsumer(region: RegionConfig, cache: PollCache, logger: Logger): ConsumerSpec {
  return {
    name: REGION_IMPORT_CONSUMER,
    types: [RegionPollDefinitionV1.type, RegionPollDeletedV1.type],
    handle: async (trx, events) => {
      for (const event of events as (Definition | Deletion)[]) {
        if (event.data.region === region.name) continue;
        if (event.type === RegionPollDeletedV1.type) {
          const db = trx as Kysely<PollsTables>;
          const by = `region:${event.data.region}`;
          const copy = await findPoll(db, event.data.pollId, { forUpdate: true });
          if (copy?.homeRegion === event.data.region) await deletePoll(db, copy, by);
          else if (!copy)
            // Definitions travel on a subject of their own: one may still be on its way, and the
            // tombstone keeps it from bringing the poll back.
            await db
              .insertInto('deleted_polls')
              .values({ poll_id: event.data.pollId, workspace_id: null, deleted_by: by })
              .onConflict((oc) => oc.column('poll_id').doNothing())
              .execute();
        } else await importDefinition(trx as Kysely<PollsTables>, (event as Definition).data, logger);
      }
    },
    committed: (events) => {
      for (const event of events) cache.invalidate((event.data as { pollId: string }).pollId);
    },
  };
}

async function importDefinition(
  trx: Kysely<PollsTables>,
  definition: Definition['data'],
  logger: Logger,
): Promise<void> {
  const incoming: StoredPoll = {
    id: definition.pollId,
    workspaceId: definition.workspaceId,
    question: definition.question,
    type: definition.type,
    status: definition.status,
    options: definition.options,
    settings: definition.settings,
    accessCode: definition.accessCode,
    opensAt: definition.opensAt ? new Date(definition.opensAt) : null,
    closesAt: definition.closesAt ? new Date(definition.closesAt) : null,
    createdAt: new Date(definition.createdAt),
    configVersion: definition.configVersion,
    // Managed where it was created: no manage token works here.
    manageTokenHash: null,
    homeRegion: definition.region,
  };
  const local = await findPoll(trx, incoming.id, { forUpdate: true });
  if (!local) {
    // A definition that comes after the poll's deletion (late, or delivered again) brings nothing back.
    const deleted = await trx
      .selectFrom('deleted_polls')
      .select('poll_id')
      .where('poll_id', '=', incoming.id)
      .executeTakeFirst();
    if (deleted) return;
    await insertPoll(trx, incoming);
    await startStream(trx, incoming.id, [createdEvent(incoming)]);
    return;
  }
  if (local.homeRegion !== definition.region) {
    logger.warn(
      { pollId: incoming.id, from: definition.region, home: local.homeRegion ?? 'here' },
      'ignored a poll definition from a region that is not the poll’s home',
    );
    return;
  }
  // A definition delivered again, or overtaken by a newer one, changes nothing.
  if (local.configVersion >= incoming.configVersion) return;

  const by = `region:${definition.region}`;
  const stamp = (contract: typeof PollUpdatedV1 | typeof PollOpenedV1 | typeof PollClosedV1, data: object) =>
    createEvent(contract as typeof PollUpdatedV1, {
      source: '/polls',
      subject: incoming.id,
      partitionkey: incoming.id,
      data: data as never,
    });
  const changes: Record<string, unknown> = {};
  const previous: Record<string, unknown> = {};
  const note = (key: string, before: unknown, after: unknown) => {
    if (JSON.stringify(before) === JSON.stringify(after)) return;
    changes[key] = after;
    previous[key] = before;
  };
  note('question', local.question, incoming.question);
  note('options', local.options, incoming.options);
  note('settings', local.settings, incoming.settings);
  note('opensAt', iso(local.opensAt), iso(incoming.opensAt));
  note('closesAt', iso(local.closesAt), iso(incoming.closesAt));
  if (local.accessCode !== incoming.accessCode) {
    changes.accessCode = incoming.accessCode === null ? null : 'changed';
  }
  note('workspaceId', local.workspaceId, incoming.workspaceId);
  const events: CloudEvent[] = [];
  const opens = incoming.status === 'open' && local.status !== 'open';
  const closes = incoming.status === 'closed' && local.status !== 'closed';
  // Draft and scheduled come with an update; open and close with their own events, after it.
  const waitingStatusChanged = !opens && !closes && incoming.status !== local.status;
  if (Object.keys(changes).length > 0 || waitingStatusChanged) {
    events.push(
      stamp(PollUpdatedV1, {
        pollId: incoming.id,
        changes,
        previous,
        status: opens || closes ? local.status : incoming.status,
        by,
        updatedAt: new Date().toISOString(),
      }),
    );
  }
  if (opens)
    events.push(stamp(PollOpenedV1, { pollId: incoming.id, openedAt: new Date().toISOString(), by }));
  if (closes) {
    // Its final count here is this region's: the merged one is in results (docs/regions.md).
    const head = await trx
      .selectFrom('poll_streams')
      .select(['version', 'head_hash'])
      .where('poll_id', '=', incoming.id)
      .executeTakeFirstOrThrow();
    events.push(
      stamp(PollClosedV1, {
        pollId: incoming.id,
        closedAt: new Date().toISOString(),
        by,
        finalHead: { version: head.version, hash: head.head_hash },
        totals: await countVotes(trx, local),
      }),
    );
  }
  if ('options' in changes) await replaceOptions(trx, incoming.id, incoming.options);
  await trx
    .updateTable('polls')
    .set({
      workspace_id: incoming.workspaceId,
      question: incoming.question,
      status: incoming.status,
      settings: JSON.stringify(incoming.settings) as never,
      access_code: incoming.accessCode,
      opens_at: incoming.opensAt,
      closes_at: incoming.closesAt,
      config_version: incoming.configVersion,
      updated_at: sql`now()`,
    })
    .where('id', '=', incoming.id)
    .execute();
  if (events.length > 0) await appendToStream(trx, incoming.id, events);
}
