import { loadConfigOrExit } from '@canvass/config';
import { startService } from '@canvass/service-kit';
import { createClient } from 'redis';
import Type from 'typebox';
import { createIdentityService } from './service.ts';

const config = loadConfigOrExit(
  Type.Object({
    PUBLIC_URL: Type.String({ pattern: '^https?://', default: 'http://localhost:8080' }),
    CANVASS_INTERNAL_SECRET: Type.Optional(Type.String({ minLength: 32 })),
    /** Rate limits shared by every identity replica; without it they are per process. */
    REDIS_URL: Type.Optional(Type.String({ pattern: '^rediss?://' })),
  }),
  'identity',
);

// Limits must not vanish with Redis: the client reconnects by itself; until then a limited action
// fails with a 500 rather than going unlimited.
const redis = config.REDIS_URL
  ? await createClient({ url: config.REDIS_URL })
      .on('error', () => {})
      .connect()
  : undefined;

await startService({
  name: 'identity',
  create: createIdentityService({
    publicUrl: config.PUBLIC_URL,
    internalSecret: config.CANVASS_INTERNAL_SECRET,
    redis,
  }),
});
