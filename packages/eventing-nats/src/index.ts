export {
  createNatsBus,
  durableNameFor,
  type NatsBusOptions,
  STREAM_MAX_AGE_MS,
  streamNameFor,
} from './nats-bus.ts';
