export { createAnalyticsService } from './service.ts';
