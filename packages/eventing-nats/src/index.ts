export {
  ackedPublisher,
  createNatsBus,
  durableNameFor,
  EPHEMERAL_INACTIVE_MS,
  EVENTS_HEADER,
  MAX_EVENTS_PER_MESSAGE,
  messagesFor,
  type NatsBusOptions,
  payloadsOf,
  STREAM_MAX_AGE_MS,
  STREAM_MAX_AGES,
  streamNameFor,
} from './nats-bus.ts';
