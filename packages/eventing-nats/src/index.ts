export { createNatsBus, type NatsBusOptions, streamNameFor, subjectFor } from './nats-bus.ts';
