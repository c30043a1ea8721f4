// `npm start`: the whole platform in one process, no external servers.
import { dirname, join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { loadConfigOrExit } from '@canvass/config';
import { smtpTransport, startMailbox } from '@canvass/notifications';
import { LogLevel, onShutdown } from '@canvass/service-kit';
import Type from 'typebox';
import { DEFAULT_ADMIN_TOKEN_FILE, ensureAdminToken } from './admin-token.ts';
import { startEmbeddedPlatform } from './embedded-platform.ts';
import { exitOnUnsafeSecret } from './secret-file.ts';
import { WEB_ROOT } from './web-app.ts';

const EmbeddedConfig = Type.Object({
  PORT: Type.Integer({ minimum: 0, maximum: 65535, default: 8080 }),
  HOST: Type.String({ default: '127.0.0.1' }),
  CANVASS_DATA_DIR: Type.String({ default: '.canvass/data' }),
  LOG_LEVEL: { ...LogLevel, default: 'warn' },
  CANVASS_ADMIN_TOKEN: Type.Optional(Type.String({ minLength: 16 })),
  /** Send mail through this SMTP server instead of the local mailbox (smtp://user:pass@host:587). */
  SMTP_URL: Type.Optional(Type.String({ pattern: '^smtps?://' })),
  MAIL_FROM: Type.String({ minLength: 3, default: 'Canvass <no-reply@canvass.localhost>' }),
  /** The gateway's rate limits, overriding the defaults, as JSON (see docs/operations.md). */
  CANVASS_RATE_LIMITS: Type.Optional(Type.String({ minLength: 2 })),
  /** Open live connections per address and per poll, as JSON (see docs/operations.md). */
  CANVASS_LIVE_LIMITS: Type.Optional(Type.String({ minLength: 2 })),
  /** Where people reach Canvass (links in mails, the sign-in issuer), as in the cluster tier. */
  PUBLIC_URL: Type.Optional(Type.String({ pattern: '^https?://' })),
});

const config = loadConfigOrExit(EmbeddedConfig, 'Canvass');
const dataDir = config.CANVASS_DATA_DIR.startsWith('memory://')
  ? config.CANVASS_DATA_DIR
  : resolve(config.CANVASS_DATA_DIR);
const tokenFile = dataDir.startsWith('memory://')
  ? DEFAULT_ADMIN_TOKEN_FILE
  : join(dirname(dataDir), 'admin-token');
const adminToken = await ensureAdminToken(config.CANVASS_ADMIN_TOKEN, tokenFile).catch(exitOnUnsafeSecret);
// Mail stays on this machine unless SMTP_URL says otherwise: an in-process SMTP server receives
// it, and /mailbox shows it (the link that confirms a sign-up is there).
const mailbox = config.SMTP_URL ? undefined : await startMailbox();
const mail = smtpTransport({ url: config.SMTP_URL ?? mailbox!.smtpUrl, from: config.MAIL_FROM });
const publicUrl = (config.PUBLIC_URL ?? `http://localhost:${config.PORT}`).replace(/\/+$/, '');
const platform = await startEmbeddedPlatform({
  dataDir,
  logLevel: config.LOG_LEVEL,
  adminToken,
  mail,
  ...(mailbox ? { notifications: { mailbox } } : {}),
  publicUrl,
  webRoot: WEB_ROOT,
  // The in-repo payment provider's webhooks come back through the gateway, as a real provider's would.
  ...(config.PORT
    ? { paymentWebhookUrl: `http://127.0.0.1:${config.PORT}/api/v1/billing/provider-webhook` }
    : {}),
  ...(config.CANVASS_RATE_LIMITS ? { rateLimits: JSON.parse(config.CANVASS_RATE_LIMITS) } : {}),
  ...(config.CANVASS_LIVE_LIMITS ? { liveLimits: JSON.parse(config.CANVASS_LIVE_LIMITS) } : {}),
}).catch(exitOnUnsafeSecret);
await platform.gateway.listen({ port: config.PORT, host: config.HOST });
onShutdown(platform.logger, async () => {
  await platform.stop();
  await mail.close();
  await mailbox?.close();
});

const address = platform.gateway.server.address();
const port = typeof address === 'object' && address ? address.port : config.PORT;
const shownHost = config.HOST === '0.0.0.0' || config.HOST === '127.0.0.1' ? 'localhost' : config.HOST;
const seconds = (performance.now() / 1000).toFixed(1);
const openUrl = config.PUBLIC_URL ? `${publicUrl}/` : `http://${shownHost}:${port}/`;
process.stdout.write(
  `\n  Canvass is running (embedded tier, ready in ${seconds} s)\n\n` +
    `  Open   ${openUrl}\n` +
    `  Data   ${dataDir}  ${dataDir.startsWith('memory://') ? '(nothing is kept)' : '(stop, then delete this folder to start afresh)'}\n` +
    `  Mail   ${mailbox ? `${openUrl}mailbox  (mail Canvass sends lands here; nothing leaves this machine)` : `sent through ${new URL(config.SMTP_URL!).host}`}\n` +
    `  Pay    test cards only: an in-repo stand-in for Stripe charges them (docs/billing.md)\n` +
    `  Ops    ${openUrl}ops  and  npx canvass events outbox status   (operator token in ${tokenFile})\n` +
    `  Stop   Ctrl-C\n\n`,
);
