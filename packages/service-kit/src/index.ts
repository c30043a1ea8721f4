export { buildServiceApp, requestSpanOf, type ServiceAppOptions } from './app.ts';
export {
  BATCH_MAX_BODY_BYTES,
  BATCH_MAX_REQUESTS,
  BATCH_ROUTE,
  BATCHABLE_CONTENT_TYPE,
  type BatchBody,
  type BatchCall,
  type BatchedAnswer,
  type BatchedRequest,
  type BatchRoute,
  batchRoute,
  installBatchRoute,
} from './batch.ts';
export {
  CLIENT_ADDRESS_HEADER,
  clientAddressOf,
  clientAddressSigner,
  verifyClientAddress,
} from './client-address.ts';
export { InternalTlsConfig, LogLevel, ServiceConfig } from './config.ts';
export { announceReady, DrainConfig, drain, UNPROCESSED_HEADER } from './drain.ts';
export {
  type Entitlements,
  entitlementsChanged,
  entitlementsConsumer,
  entitlementsOf,
  newestEntitlements,
  storeEntitlements,
} from './entitlements.ts';
export type { ReadinessCheck } from './health.ts';
export { escapeHtml } from './html.ts';
export { defaultHttpTimeouts, type HttpTimeouts } from './http-server.ts';
export {
  ALL_SCOPES,
  IDENTITY_HEADER,
  type Identity,
  identityOf,
  type Role,
  requireScope,
  roleScopes,
  signIdentity,
} from './identity.ts';
export {
  hmacTag,
  newId,
  newSecret,
  newSignedToken,
  pooledRandom,
  sha256,
  tagsMatch,
  verifySignedToken,
} from './ids.ts';
export {
  IDENTITY_SENDERS,
  type InternalTls,
  type InternalTlsFiles,
  internalTlsFromConfig,
  loadInternalTls,
  peerOf,
  type TlsMaterial,
} from './internal-tls.ts';
export { checkParsedBody, MAX_JSON_DEPTH, parseJsonBody } from './json-body.ts';
export { createLogger, type Logger, redactUrl } from './logger.ts';
export {
  type ApiTag,
  bearerScheme,
  emptyResponse,
  jsonResponse,
  type OpenApiOptions,
  Problem,
  problemResponses,
  type RegisteredRoute,
  routesOf,
  type SecurityRequirements,
  type SecurityScheme,
} from './openapi.ts';
export { operatorCheck, requireAdminToken } from './operator-token.ts';
export {
  conflict,
  type FieldError,
  HttpProblem,
  notFound,
  PROBLEM_CONTENT_TYPE,
  RequestValidationError,
  sendProblem,
} from './problem.ts';
export { BILLING_PAGE, type EnforcedQuota, quotaExceeded, upgradesFor } from './quota.ts';
export { unsafeTargetReason } from './request-target.ts';
export {
  createServiceRuntime,
  type RegionConfig,
  type RuntimeOptions,
  type ServiceContext,
  type ServiceModule,
  type ServiceRuntime,
} from './runtime.ts';
export { openSealed, sealSecret } from './sealed.ts';
export { onShutdown } from './shutdown.ts';
export { startService } from './start-service.ts';
export { telemetryRoutes } from './telemetry-routes.ts';
