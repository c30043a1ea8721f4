import { startService } from '@canvass/service-kit';
import { createAnalyticsService } from './service.ts';

await startService({ name: 'analytics', create: createAnalyticsService });
