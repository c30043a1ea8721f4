export { applyPollsEvents } from './activity/consumer.ts';
export { type Mailbox, type MailboxMessage, startMailbox } from './mail/mailbox.ts';
export { type MailTransport, memoryTransport, type OutgoingMail, smtpTransport } from './mail/transport.ts';
export { createNotificationsService, type NotificationsOptions } from './service.ts';
export type { NotificationsTables } from './tables.ts';
