export { ackedPublisher } from './acked-publisher.ts';
export { EVENTS_HEADER, MAX_EVENTS_PER_MESSAGE, messagesFor, payloadsOf } from './messages.ts';
export {
  createNatsBus,
  durableNameFor,
  EPHEMERAL_INACTIVE_MS,
  type NatsBusOptions,
  STREAM_MAX_AGE_MS,
  STREAM_MAX_AGES,
  streamNameFor,
} from './nats-bus.ts';
