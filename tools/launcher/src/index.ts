export { DEFAULT_ADMIN_TOKEN_FILE, ensureAdminToken } from './admin-token.ts';
export {
  type EmbeddedOptions,
  type EmbeddedPlatform,
  INTERNAL_SECRET_FILE,
  startEmbeddedPlatform,
} from './embedded-platform.ts';
export { freePort, freePortBlock } from './ports.ts';
export { type ProvisionOptions, provisionDatabases } from './provision.ts';
export { readOrCreateSecret, SecretFileError } from './secret-file.ts';
export { dataServices, realtimeService } from './services.ts';
export { buildWebAppIfStale, WEB_ROOT } from './web-app.ts';
