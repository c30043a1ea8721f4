import { startService } from '@canvass/service-kit';
import { createPollsService } from './service.ts';

await startService({ name: 'polls', create: createPollsService });
