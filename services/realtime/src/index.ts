export type { Credentials, FetchResults, ResultsAnswer } from './live/access.ts';
export type { LiveMessage, Snapshot } from './live/messages.ts';
export { httpResultsClient } from './results-client.ts';
export { createRealtimeService, type RealtimeDeps, type RealtimeService } from './service.ts';
export { type RedisHashes, redisViewerCounts } from './viewers/redis-viewer-counts.ts';
export { processViewerCounts, type ViewerCounts } from './viewers/viewer-counts.ts';
