import type { EventContract } from './envelope.ts';
import { MemberChangedV1, UserRegisteredV1, WorkspaceCreatedV1 } from './identity-events.ts';
import { PollClaimedV1, PollCreatedV1, VoteCastV1, VoteCastV2 } from './polls-events.ts';

/** Every event type Canvass publishes, by CloudEvents `type`. */
export const eventContracts: ReadonlyMap<string, EventContract> = new Map(
  [
    PollCreatedV1,
    PollClaimedV1,
    VoteCastV1,
    VoteCastV2,
    UserRegisteredV1,
    WorkspaceCreatedV1,
    MemberChangedV1,
  ].map((contract) => [contract.type, contract]),
);
