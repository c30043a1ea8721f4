export { type EmbeddedOptions, type EmbeddedPlatform, startEmbeddedPlatform } from './embedded-platform.ts';
export { type ProvisionOptions, provisionDatabases } from './provision.ts';
export { dataServices, realtimeService } from './services.ts';
export { buildWebAppIfStale, WEB_ROOT } from './web-app.ts';
