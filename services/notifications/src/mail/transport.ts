// How a rendered mail leaves the service: over SMTP (nodemailer, one small pool of connections) or
// into memory for tests. A failed send says whether trying again later can help (`retryable`), so
// the caller knows whether to keep the mail queued or give up on it.
import { randomUUID } from 'node:crypto';
import nodemailer, { type NodemailerError } from 'nodemailer';
import type { MailCategory } from './templates.ts';

export interface OutgoingMail {
  to: string;
  subject: string;
  text: string;
  html: string;
  category: MailCategory;
  /** one-click unsubscribe URL (RFC 8058) for non-security mail */
  unsubscribeUrl?: string;
  /** stable id for de-duplication by the receiver, goes into Message-ID */
  id?: string;
}

export interface MailTransport {
  send(mail: OutgoingMail): Promise<{ messageId: string }>;
  close(): Promise<void>;
}

/** A send that failed; `retryable` says whether the same mail may go through later. */
export class MailSendError extends Error {
  override name = 'MailSendError';
  readonly code = 'MAIL_SEND_FAILED';
  readonly retryable: boolean;
  /** The SMTP reply code, when the server gave one. */
  readonly responseCode: number | undefined;
  constructor(message: string, options: { retryable: boolean; responseCode?: number; cause?: unknown }) {
    super(message, { cause: options.cause });
    this.retryable = options.retryable;
    this.responseCode = options.responseCode;
  }
}

// Failures of the message or of our own setup: sending the same mail again gets the same answer.
const PERMANENT_CODES = new Set(['ECONFIG', 'EENVELOPE', 'EMESSAGE', 'EOTP', 'EMAXRECIPIENTS']);

/**
 * 5xx replies are permanent (550 unknown mailbox), 4xx transient; so are connection failures. A
 * refused login (535) is the exception: it is our configuration, not the mail, so the mail waits
 * until an operator fixes the credentials.
 */
export function isRetryable(error: NodemailerError): boolean {
  if (error.code === 'EAUTH' || error.code === 'ENOAUTH') return true;
  if (error.permanent !== undefined) return !error.permanent;
  if (error.responseCode !== undefined) return error.responseCode < 500 || error.responseCode === 503;
  return !PERMANENT_CODES.has(error.code ?? '');
}

/** `<id@canvass>`, with characters a Message-ID can not hold replaced so the id stays stable. */
export const messageIdOf = (id: string): string =>
  `<${id.replace(/[^A-Za-z0-9!#$%&'*+/=?^_`{|}~.-]/g, '-')}@canvass>`;

export function smtpTransport(options: { url: string; from: string }): MailTransport {
  const transporter = nodemailer.createTransport(
    {
      url: options.url,
      pool: true,
      maxConnections: 3,
      // A dead or silent server fails the send instead of holding it for minutes.
      connectionTimeout: 10_000,
      greetingTimeout: 10_000,
      socketTimeout: 20_000,
      dnsTimeout: 10_000,
      idleTimeout: 30_000,
    },
    { from: options.from },
  );
  return {
    async send(mail) {
      // Nobody unsubscribes from security or billing mail, even when a caller passes a URL by mistake.
      const unsubscribe =
        mail.category === 'security' || mail.category === 'billing' ? undefined : mail.unsubscribeUrl;
      try {
        const info = await transporter.sendMail({
          to: mail.to,
          subject: mail.subject,
          text: mail.text,
          html: mail.html,
          ...(mail.id !== undefined ? { messageId: messageIdOf(mail.id) } : {}),
          ...(unsubscribe ? { list: { unsubscribe } } : {}),
          headers: {
            'Auto-Submitted': 'auto-generated',
            ...(unsubscribe ? { 'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click' } : {}),
          },
        });
        return { messageId: info.messageId };
      } catch (cause) {
        const error = cause as NodemailerError;
        throw new MailSendError(`Sending mail failed: ${error.message}`, {
          retryable: isRetryable(error),
          ...(error.responseCode !== undefined ? { responseCode: error.responseCode } : {}),
          cause,
        });
      }
    },
    async close() {
      transporter.close();
    },
  };
}

type SentMail = OutgoingMail & { messageId: string };

export function memoryTransport(): MailTransport & {
  sent: SentMail[];
  waitFor(match: (mail: OutgoingMail) => boolean, timeoutMs?: number): Promise<OutgoingMail>;
} {
  const sent: SentMail[] = [];
  const waiters = new Set<(mail: SentMail) => void>();
  return {
    sent,
    async send(mail) {
      const messageId = messageIdOf(mail.id ?? randomUUID());
      const stored = { ...mail, messageId };
      sent.push(stored);
      for (const waiter of waiters) waiter(stored);
      return { messageId };
    },
    waitFor(match, timeoutMs = 5_000) {
      const found = sent.find(match);
      if (found) return Promise.resolve(found);
      return new Promise((resolve, reject) => {
        const waiter = (mail: SentMail) => {
          if (!match(mail)) return;
          waiters.delete(waiter);
          clearTimeout(timer);
          resolve(mail);
        };
        const timer = setTimeout(() => {
          waiters.delete(waiter);
          reject(new Error(`No matching mail was sent within ${timeoutMs} ms`));
        }, timeoutMs);
        waiters.add(waiter);
      });
    },
    async close() {},
  };
}
