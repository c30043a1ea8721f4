export type { Delivery, EventBus, SubscribeOptions, Subscription } from './bus.ts';
export { type ConsumerDeps, type ConsumerSpec, startConsumer } from './consumer.ts';
export { EventValidationError } from './errors.ts';
export { createEvent, type NewEvent, validateEvent } from './events.ts';
export { createInProcessBus } from './in-process-bus.ts';
export { eventingMigrations } from './migrations.ts';
export { createOutbox, type Outbox, type OutboxOptions } from './outbox.ts';
