export { type CloudEvent, CloudEventEnvelope, defineEvent, type EventContract } from './envelope.ts';
export { MemberChangedV1, Role, UserRegisteredV1, WorkspaceCreatedV1 } from './identity-events.ts';
export {
  PollClaimedV1,
  PollCreatedV1,
  PollStatus,
  PollType,
  VoteCastV1,
  VoteCastV2,
} from './polls-events.ts';
export { eventContracts } from './registry.ts';
