// Loaded with `node --import @canvass/telemetry/register <entry>` (the launcher and `npm start`
// do this): registers the module hooks the instrumentations need for ES modules (pg and redis are
// imported from ES modules here), then starts tracing before anything imports them. The process's
// service is OTEL_SERVICE_NAME (the launcher sets it), or "canvass" for the embedded tier.
import { register } from 'import-in-the-middle/register-hooks.mjs';
import { startTracing, tracingSettings } from './tracing.ts';

if (tracingSettings()) {
  register({ include: ['pg', 'pg-pool', 'redis', '@redis/client'] });
  startTracing(process.env.OTEL_SERVICE_NAME ?? 'canvass');
}
