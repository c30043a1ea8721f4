import { loadConfigOrExit } from '@canvass/config';
import { startService } from '@canvass/service-kit';
import Type from 'typebox';
import { folderMailer } from './mail/mailer.ts';
import { createIdentityService } from './service.ts';

const config = loadConfigOrExit(
  Type.Object({
    PUBLIC_URL: Type.String({ pattern: '^https?://', default: 'http://localhost:8080' }),
    MAIL_DIR: Type.String({ default: '.canvass/mail' }),
    CANVASS_INTERNAL_SECRET: Type.Optional(Type.String({ minLength: 32 })),
  }),
  'identity',
);

await startService({
  name: 'identity',
  create: createIdentityService({
    mailer: folderMailer(config.MAIL_DIR),
    publicUrl: config.PUBLIC_URL,
    internalSecret: config.CANVASS_INTERNAL_SECRET,
  }),
});
