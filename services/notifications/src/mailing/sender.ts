// Sends queued mail. Claimed with a lease like webhook deliveries; a transient failure (the SMTP
// server is away, a 4xx) is tried again with backoff for about a day, a permanent one (5xx, a
// link that can no longer be opened) fails at once. The Message-ID is the queue row's id, so a
// mail sent twice after a crash is one message to the receiving server. Once sent, an account
// mail's parameters are wiped: the sealed link is of no use to keep.
import type { Database } from '@canvass/database';
import type { Logger } from '@canvass/service-kit';
import { type Kysely, sql } from 'kysely';
import type { MailTransport } from '../mail/transport.ts';
import type { NotificationsTables } from '../tables.ts';
import { createWorkLoop } from '../work-loop.ts';
import { mailChannel } from './queue.ts';
import { type QueuedMail, type RenderContext, renderMail, UnsendableMail } from './render.ts';

const RETRY_MS = [10_000, 60_000, 300_000, 1_800_000, 7_200_000, 21_600_000, 43_200_000];

export function createMailSender(options: {
  db: Database;
  logger: Logger;
  transport: MailTransport;
  context: RenderContext;
}) {
  const db = options.db.kysely as Kysely<NotificationsTables>;

  async function claim(limit: number): Promise<(QueuedMail & { attempts: number })[]> {
    const result = await sql<QueuedMail & { attempts: number }>`
      update mail_queue set lease_until = now() + interval '2 minutes', attempts = attempts + 1
      where id in (
        select id from mail_queue
        where status = 'pending' and next_attempt_at <= now() and (lease_until is null or lease_until < now())
        order by next_attempt_at limit ${limit} for update skip locked)
      returning id, to_address, user_id, category, kind, params, attempts`.execute(db);
    return result.rows;
  }

  async function send(mail: QueuedMail & { attempts: number }): Promise<void> {
    try {
      await options.transport.send(renderMail(mail, options.context));
      await db
        .updateTable('mail_queue')
        .set({
          status: 'sent',
          sent_at: new Date(),
          lease_until: null,
          last_error: null,
          ...(mail.category === 'security' ? { params: JSON.stringify({}) } : {}),
        })
        .where('id', '=', mail.id)
        .execute();
    } catch (error) {
      const retryable =
        !(error instanceof UnsendableMail) && (error as { retryable?: boolean }).retryable !== false;
      const delay = retryable ? RETRY_MS[mail.attempts - 1] : undefined;
      options.logger.warn(
        { mail: mail.id, kind: mail.kind, err: error, retryIn: delay ?? null },
        'mail not sent',
      );
      await db
        .updateTable('mail_queue')
        .set({
          status: delay === undefined ? 'failed' : 'pending',
          next_attempt_at: new Date(Date.now() + (delay ?? 0)),
          lease_until: null,
          last_error: String((error as Error).message ?? error).slice(0, 500),
          ...(delay === undefined && mail.category === 'security' ? { params: JSON.stringify({}) } : {}),
        })
        .where('id', '=', mail.id)
        .execute();
    }
  }

  return createWorkLoop({
    name: 'mail',
    db: options.db,
    logger: options.logger,
    channel: mailChannel(options.db.schema),
    intervalMs: 1000,
    batch: 8,
    claim,
    work: send,
  });
}
