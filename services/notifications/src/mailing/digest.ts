// The daily digest: once a day at most, a person who wants it gets one mail listing the inbox
// items still unread that came since their last digest. Nothing unread, no mail. Replicas claim
// people with `skip locked`, and `digest_sent_at` moves in the transaction that queues the mail.
import type { Database } from '@canvass/database';
import type { Logger } from '@canvass/service-kit';
import { type Kysely, sql } from 'kysely';
import type { NotificationsTables } from '../tables.ts';
import { createWorkLoop } from '../work-loop.ts';
import { queueMail } from './queue.ts';

const MAX_ITEMS = 20;

export function createDigest(options: {
  db: Database;
  logger: Logger;
  appUrl: string;
  everyMs: number;
  checkMs: number;
}) {
  const db = options.db.kysely as Kysely<NotificationsTables>;
  const interval = `${options.everyMs} milliseconds`;
  return createWorkLoop({
    name: 'digest',
    db: options.db,
    logger: options.logger,
    intervalMs: options.checkMs,
    batch: 1,
    async claim() {
      const sent = await db.transaction().execute(async (trx) => {
        // A person's first day starts when the digest first sees them, not with a mail at once.
        await sql`insert into preferences (user_id, digest_sent_at)
          select p.user_id, now() from people p
          where p.deleted_at is null and not exists (select 1 from preferences pr where pr.user_id = p.user_id)
          on conflict (user_id) do nothing`.execute(trx);
        await sql`update preferences set digest_sent_at = now() where digest_sent_at is null`.execute(trx);
        // People with unread items newer than their last digest, a day or more ago.
        const due = await sql<{ user_id: string; email: string; since: Date }>`
          select p.user_id, p.email, pr.digest_sent_at as since
          from people p join preferences pr on pr.user_id = p.user_id
          where p.deleted_at is null and pr.digest and pr.digest_sent_at <= now() - ${interval}::interval
            and exists (select 1 from inbox_items i where i.user_id = p.user_id and i.read_at is null
              and i.created_at > pr.digest_sent_at)
          limit 50 for update of pr skip locked`.execute(trx);
        for (const person of due.rows) {
          const items = await trx
            .selectFrom('inbox_items')
            .select(['title', 'body', 'url', 'created_at'])
            .where('user_id', '=', person.user_id)
            .where('read_at', 'is', null)
            .where('created_at', '>', person.since)
            .orderBy('created_at', 'desc')
            .limit(MAX_ITEMS)
            .execute();
          await queueMail(trx, options.db.schema, [
            {
              to: person.email,
              userId: person.user_id,
              category: 'digest',
              kind: 'digest',
              params: {
                preference: 'digest',
                items: items.map((item) => ({
                  title: item.title,
                  body: item.body,
                  url: `${options.appUrl}${item.url}`,
                  at: item.created_at.toISOString(),
                })),
              },
            },
          ]);
          await trx
            .updateTable('preferences')
            .set({ digest_sent_at: new Date() })
            .where('user_id', '=', person.user_id)
            .execute();
        }
        return due.rows.length;
      });
      return sent === 50 ? [true] : [];
    },
    async work() {},
  });
}
