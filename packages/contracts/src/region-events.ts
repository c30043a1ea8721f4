// What regions tell each other (docs/regions.md). Both are state, not steps: a region keeps the
// newest definition of each poll it imports (by configVersion) and the largest of each counter a
// peer sent, so a snapshot delivered twice, late or out of order changes nothing.
import Type from 'typebox';
import { defineEvent } from './envelope.ts';
import { PollSettings, PollStatus, PollType } from './polls-events.ts';

const Id = Type.String({ minLength: 1, maxLength: 64 });
/** A region's name: also its NATS JetStream domain and the second token of its subjects. */
export const RegionName = Type.String({ pattern: '^[a-z][a-z0-9]{0,15}$' });
const OptionalTimestamp = Type.Union([Type.String({ format: 'date-time' }), Type.Null()]);

/**
 * A poll as its home region has it now, sent after every change of its definition or status so
 * that other regions can take its votes. `configVersion` grows with each change.
 */
export const RegionPollDefinitionV1 = defineEvent(
  'region.poll.definition.v1',
  Type.Object({
    region: RegionName,
    pollId: Id,
    configVersion: Type.Integer({ minimum: 1 }),
    workspaceId: Type.Union([Id, Type.Null()]),
    question: Type.String({ minLength: 1 }),
    type: PollType,
    status: PollStatus,
    options: Type.Array(Type.Object({ id: Id, label: Type.String() })),
    settings: PollSettings,
    /** Voters in every region must be asked for it; it travels only between Canvass's own regions. */
    accessCode: Type.Union([Type.String(), Type.Null()]),
    opensAt: OptionalTimestamp,
    closesAt: OptionalTimestamp,
    createdAt: Type.String({ format: 'date-time' }),
  }),
);

/** A poll's home region deleted it: every region deletes its copy (docs/polls.md, "Deleting a poll"). */
export const RegionPollDeletedV1 = defineEvent(
  'region.poll.deleted.v1',
  Type.Object({ region: RegionName, pollId: Id, deletedAt: Type.String({ format: 'date-time' }) }),
);

const GrowOnly = Type.Integer({ minimum: 0 });

/**
 * One region's counters of one poll: for each key, how much the region's votes ever added
 * (`cast`) and how much its withdrawals and changes ever took away (`retracted`). Both only grow.
 * Keys: '' ballots, `v:<option id or rating value>` votes, `p:<option id>` ranking points.
 */
export const RegionCountersV1 = defineEvent(
  'region.counters.v1',
  Type.Object({
    region: RegionName,
    pollId: Id,
    counters: Type.Record(
      Type.String({ maxLength: 80 }),
      Type.Object({ cast: GrowOnly, retracted: GrowOnly }),
    ),
  }),
);
