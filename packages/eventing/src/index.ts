export type {
  Delivery,
  EventBus,
  PublishedEvent,
  StoredEvent,
  SubscribeOptions,
  Subscription,
} from './bus.ts';
export { eventOf, isStoredEvent } from './bus.ts';
export {
  type Consumer,
  type ConsumerDeps,
  type ConsumerSpec,
  createConsumer,
  parkedEvents,
  pendingDeadLetters,
  startConsumer,
} from './consumer.ts';
export {
  type DeadLetter,
  DeadLetterError,
  discardDeadLetter,
  getDeadLetter,
  listDeadLetters,
  replayDeadLetter,
} from './dead-letters.ts';
export { EventValidationError } from './errors.ts';
export { createEvent, type NewEvent, timeOrderedId, validateEvent } from './events.ts';
export { createInProcessBus, type InProcessBus } from './in-process-bus.ts';
export {
  advancePartitionsSql,
  type EventLog,
  type LogEntry,
  lockOrder,
  lockPartitions,
  lockPartitionsQuery,
  logChannel,
  outboxLog,
  partitionHeads,
  readPartitions,
} from './log.ts';
export { eventingMigrations } from './migrations.ts';
export { isSequenced, planStreams } from './ordered.ts';
export { createOutbox, keyOf, type Outbox } from './outbox.ts';
export {
  createRelay,
  type PartitionStatus,
  type Relay,
  type RelayOptions,
  type RelayStatus,
} from './relay.ts';
export {
  contextOf,
  defaultPartitions,
  isLiveType,
  isLogSubject,
  LOG_PARTITIONS,
  logOf,
  logSubject,
  type PartitionMap,
  partitionOf,
  REGION_CONTEXT,
  regionLinkDenied,
  subjectFor,
  subjectMatches,
  subjectsFor,
  unversioned,
} from './subjects.ts';
