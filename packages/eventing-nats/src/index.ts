export {
  ackedPublisher,
  createNatsBus,
  durableNameFor,
  EPHEMERAL_INACTIVE_MS,
  type NatsBusOptions,
  STREAM_MAX_AGE_MS,
  STREAM_MAX_AGES,
  streamNameFor,
} from './nats-bus.ts';
