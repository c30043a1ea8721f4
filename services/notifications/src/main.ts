import { loadConfigOrExit } from '@canvass/config';
import { startService } from '@canvass/service-kit';
import { NotificationsConfig } from './config.ts';
import { startMailbox } from './mail/mailbox.ts';
import { smtpTransport } from './mail/transport.ts';
import { createNotificationsService } from './service.ts';

const config = loadConfigOrExit(NotificationsConfig, 'notifications');
// Without an SMTP server, mail stays on this machine: a local mailbox receives it, at /mailbox.
const mailbox = config.SMTP_URL ? undefined : await startMailbox();
const transport = smtpTransport({ url: config.SMTP_URL ?? mailbox!.smtpUrl, from: config.MAIL_FROM });

await startService({
  name: 'notifications',
  create: createNotificationsService({
    transport,
    publicUrl: config.PUBLIC_URL,
    internalSecret: config.CANVASS_INTERNAL_SECRET,
    ...(mailbox ? { mailbox } : {}),
    allowLoopback: config.CANVASS_WEBHOOKS_ALLOW_LOOPBACK === 'true',
    ...(config.CANVASS_WEBHOOK_RETRY_MS
      ? { retryScheduleMs: config.CANVASS_WEBHOOK_RETRY_MS.split(',').map(Number) }
      : {}),
    deliveryTimeoutMs: config.CANVASS_WEBHOOK_TIMEOUT_MS,
    resultsEveryMs: config.CANVASS_RESULTS_CHANGED_MS,
    digestEveryMs: config.CANVASS_DIGEST_EVERY_MS,
  }),
});
