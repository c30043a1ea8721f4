export type { Delivery, EventBus, SubscribeOptions, Subscription } from './bus.ts';
export {
  type Consumer,
  type ConsumerDeps,
  type ConsumerSpec,
  createConsumer,
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
export { createEvent, type NewEvent, validateEvent } from './events.ts';
export { createInProcessBus, type InProcessBus } from './in-process-bus.ts';
export { eventingMigrations } from './migrations.ts';
export { createOutbox, type Outbox, type OutboxOptions, type OutboxStatus } from './outbox.ts';
export {
  defaultPartitions,
  type PartitionMap,
  partitionOf,
  subjectFor,
  subjectMatches,
  subjectsFor,
  unversioned,
} from './subjects.ts';
