export { eventingPhase } from './eventing-phase.ts';
