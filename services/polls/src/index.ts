export { createPollsService } from './service.ts';
