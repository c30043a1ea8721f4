import { ResultsUpdatedV1 } from './analytics-events.ts';
import { QuestionsChangedV1, StageChangedV1 } from './api-events.ts';
import {
  EntitlementsChangedV1,
  PaymentFailedV1,
  PaymentSucceededV1,
  SubscriptionChangedV1,
  VoteQuotaReachedV1,
} from './billing-events.ts';
import type { EventContract } from './envelope.ts';
import {
  AccountMailRequestedV1,
  InvitationAcceptedV1,
  MemberChangedV1,
  UserDeletedV1,
  UserRegisteredV1,
  UserRegisteredV2,
  WorkspaceCreatedV1,
} from './identity-events.ts';
import {
  AnswerModeratedV1,
  PollClaimedV1,
  PollClosedV1,
  PollCreatedV1,
  PollCreatedV2,
  PollDeletedV1,
  PollOpenedV1,
  PollUpdatedV1,
  VoteCastV1,
  VoteCastV2,
  VoteCastV3,
  VoteRetractedV1,
} from './polls-events.ts';
import { RegionCountersV1, RegionPollDefinitionV1, RegionPollDeletedV1 } from './region-events.ts';

/** Every event type Canvass publishes, by CloudEvents `type`. */
export const eventContracts: ReadonlyMap<string, EventContract> = new Map(
  [
    PollCreatedV1,
    PollClaimedV1,
    VoteCastV1,
    VoteCastV2,
    PollCreatedV2,
    PollUpdatedV1,
    PollOpenedV1,
    PollClosedV1,
    VoteCastV3,
    VoteRetractedV1,
    AnswerModeratedV1,
    PollDeletedV1,
    ResultsUpdatedV1,
    UserRegisteredV1,
    WorkspaceCreatedV1,
    MemberChangedV1,
    UserRegisteredV2,
    UserDeletedV1,
    InvitationAcceptedV1,
    AccountMailRequestedV1,
    EntitlementsChangedV1,
    SubscriptionChangedV1,
    PaymentSucceededV1,
    PaymentFailedV1,
    VoteQuotaReachedV1,
    RegionPollDefinitionV1,
    RegionCountersV1,
    RegionPollDeletedV1,
    StageChangedV1,
    QuestionsChangedV1,
  ].map((contract) => [contract.type, contract]),
);
