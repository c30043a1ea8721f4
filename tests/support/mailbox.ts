// The embedded tier's real local mailbox in browser tests: Canvass sends over SMTP to an in-process
// server, and the test reads each mail the way a person running `npm start` does, at /mailbox.
import {
  type Mailbox,
  type MailTransport,
  type NotificationsOptions,
  smtpTransport,
  startMailbox,
} from '@canvass/notifications';
import type { Page } from 'playwright-core';
import { assertAccessible } from './accessibility.ts';

export interface LocalMail {
  mailbox: Mailbox;
  transport: MailTransport;
  /** Give these to `startBrowserPlatform`: mail over SMTP, and the mailbox served at /mailbox. */
  options: { mail: MailTransport; notifications: Partial<NotificationsOptions> };
  close(): Promise<void>;
}

export async function startLocalMail(notifications: Partial<NotificationsOptions> = {}): Promise<LocalMail> {
  const mailbox = await startMailbox();
  const transport = smtpTransport({ url: mailbox.smtpUrl, from: 'Canvass <no-reply@canvass.localhost>' });
  return {
    mailbox,
    transport,
    options: { mail: transport, notifications: { ...notifications, mailbox } },
    async close() {
      await transport.close();
      await mailbox.close();
    },
  };
}

const escaped = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * Opens /mailbox and, from the list (newest first), the newest mail to `to` whose subject matches;
 * mail goes out a moment after the request that caused it, so it checks for new mails until one
 * comes. With `check`, axe runs on the list and on the mail.
 */
export async function openMail(
  page: Page,
  base: string,
  to: string,
  subject: RegExp,
  options: { check?: boolean; timeoutMs?: number } = {},
): Promise<void> {
  const { check = false, timeoutMs = 15_000 } = options;
  await page.goto(`${base}/mailbox`);
  const mail = page
    .getByRole('list', { name: 'Mails, newest first' })
    .getByRole('listitem')
    .filter({ hasText: new RegExp(`To (.*, )?${escaped(to)}( |,|$)`) })
    .filter({ has: page.getByRole('link', { name: subject }) });
  const until = Date.now() + timeoutMs;
  while ((await mail.count()) === 0) {
    if (Date.now() > until) throw new Error(`no mail to ${to} matching ${subject} in /mailbox`);
    await page.waitForTimeout(100);
    await page.getByRole('link', { name: 'Check for new mails' }).click();
    await page.waitForLoadState();
  }
  if (check) await assertAccessible(page, 'mailbox');
  await mail.first().getByRole('link', { name: subject }).click();
  await page.getByRole('heading', { level: 1, name: subject }).waitFor();
  if (check) await assertAccessible(page, 'mail in the mailbox');
}

/** The mail's text version as the page shows it: a region holding the text with its links. */
export const textVersion = (page: Page) => page.getByRole('region', { name: 'Text version' });
