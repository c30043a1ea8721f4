// Mail is queued in the transaction that decides it (a consumer's, a job's) and sent after
// commit by the sender, woken by the NOTIFY this sends.
import { newId } from '@canvass/service-kit';
import { type Kysely, sql } from 'kysely';
import type { NotificationsTables } from '../tables.ts';

export const mailChannel = (schema: string) => `canvass_mail_${schema}`;

export interface MailToQueue {
  to: string;
  userId: string | null;
  category: 'security' | 'billing' | 'activity' | 'digest';
  kind: string;
  params: Record<string, unknown>;
}

export async function queueMail(
  db: Kysely<NotificationsTables>,
  schema: string,
  mails: readonly MailToQueue[],
) {
  if (mails.length === 0) return;
  await db
    .insertInto('mail_queue')
    .values(
      mails.map((mail) => ({
        id: newId(20),
        to_address: mail.to,
        user_id: mail.userId,
        category: mail.category,
        kind: mail.kind,
        params: JSON.stringify(mail.params),
        lease_until: null,
        last_error: null,
        sent_at: null,
      })),
    )
    .execute();
  await sql`select pg_notify(${mailChannel(schema)}, '')`.execute(db);
}
