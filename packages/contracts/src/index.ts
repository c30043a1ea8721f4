export { ResultsUpdatedV1 } from './analytics-events.ts';
export {
  BillingOverview,
  DowngradeRequest,
  InvoiceView,
  PlanView,
  SagaStepView,
  SagaView,
  UpgradeRequest,
} from './api-billing.ts';
export {
  ApiCredentials,
  ApiKeyView,
  MachineClientSecret,
  MachineClientView,
  NewApiKey,
} from './api-credentials.ts';
export {
  EventPoll,
  EventQuestion,
  EventStage,
  EventView,
  JOIN_CODE_PATTERN,
  JoinAnswer,
  JoinCode,
  Leaderboard,
  QaSettings,
  QuestionsChangedV1,
  QuestionsSnapshot,
  QuizSettings,
  StageChangedV1,
  StageScreen,
} from './api-events.ts';
export {
  BEARER_PROTOCOL_PREFIX,
  LIVE_DESCRIPTION,
  LIVE_PROTOCOL,
  LiveMessage,
  LiveParams,
  LiveQuery,
  StageLiveParams,
} from './api-live.ts';
export {
  CreatedWebhookEndpoint,
  DeliveryDetail,
  DeliveryPage,
  DeliveryStatus,
  DeliveryView,
  InboxItem,
  InboxPage,
  MarkRead,
  NewWebhookEndpoint,
  NotificationPreferences,
  ReplayRequest,
  RotatedSecret,
  UnreadCount,
  WEBHOOK_EVENT_TYPES,
  WebhookEndpointChange,
  WebhookEndpointView,
  type WebhookEventType,
  WebhookEventTypeSchema,
} from './api-notifications.ts';
export { DeviceTokenGrant, PollView, VoteChallenge } from './api-polls.ts';
export { PollResults } from './api-results.ts';
export {
  EntitlementsChangedV1,
  InvoiceLine,
  PaymentFailedV1,
  PaymentSucceededV1,
  PlanIdSchema,
  QuotasSchema,
  SubscriptionChangedV1,
  VoteQuotaReachedV1,
} from './billing-events.ts';
export { type CloudEvent, CloudEventEnvelope, defineEvent, type EventContract } from './envelope.ts';
export {
  AccountMailKind,
  AccountMailRequestedV1,
  InvitationAcceptedV1,
  MemberChangedV1,
  Role,
  UserDeletedV1,
  UserRegisteredV1,
  UserRegisteredV2,
  WorkspaceCreatedV1,
} from './identity-events.ts';
export {
  isPlanId,
  PLAN_IDS,
  PLANS,
  type Plan,
  type PlanId,
  planRank,
  type Quotas,
  VOTE_WARNINGS,
} from './plans.ts';
export {
  AnswerModeratedV1,
  Ballot,
  PollClaimedV1,
  PollClosedV1,
  PollCreatedV1,
  PollCreatedV2,
  PollDeletedV1,
  PollOpenedV1,
  PollSettings,
  PollStatus,
  PollType,
  PollUpdatedV1,
  ResultsVisibility,
  VoteCastV1,
  VoteCastV2,
  VoteCastV3,
  VoteRetractedV1,
  VoterPolicy,
} from './polls-events.ts';
export {
  RegionCountersV1,
  RegionName,
  RegionPollDefinitionV1,
  RegionPollDeletedV1,
} from './region-events.ts';
export { eventContracts } from './registry.ts';
