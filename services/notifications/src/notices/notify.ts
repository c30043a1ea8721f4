// One notice, told to the people it concerns as each of them prefers: an inbox item (the bell)
// and, where they want mail for its kind, a mail queued in the same transaction. Called from
// consumers, so it runs inside the transaction that records the event: a redelivered event
// changes nothing, and a notice is never half told.
import { newId } from '@canvass/service-kit';
import { type Kysely, sql } from 'kysely';
import { queueMail } from '../mailing/queue.ts';
import type { NotificationsTables } from '../tables.ts';

export type MailPreference = 'poll_mail' | 'member_mail' | 'webhook_mail';
/** Billing mails (receipts, failed payments, quota warnings) go to every recipient: no opt-out. */
export type MailChoice = MailPreference | 'billing';

export interface Notice {
  kind: string;
  workspaceId: string | null;
  title: string;
  body: string;
  /** A path in the app. */
  url: string;
  /** The mail to send those who want one: a template name and its parameters (see mail/render.ts). */
  mail?: { preference: MailChoice; template: string; params: Record<string, unknown> };
}

export const inboxChannel = (schema: string) => `canvass_inbox_${schema}`;

/** Members of a workspace holding one of the roles, who still have an address. */
export async function membersWithRoles(
  db: Kysely<NotificationsTables>,
  workspaceId: string,
  roles: readonly string[],
): Promise<string[]> {
  const rows = await db
    .selectFrom('members')
    .select('user_id')
    .where('workspace_id', '=', workspaceId)
    .where('role', 'in', [...roles])
    .orderBy('user_id')
    .execute();
  return rows.map((row) => row.user_id);
}

export async function notify(
  db: Kysely<NotificationsTables>,
  schema: string,
  recipients: readonly string[],
  notice: Notice,
): Promise<void> {
  if (recipients.length === 0) return;
  const people = await db
    .selectFrom('people')
    .leftJoin('preferences', 'preferences.user_id', 'people.user_id')
    .select([
      'people.user_id',
      'people.email',
      'preferences.inbox',
      'preferences.poll_mail',
      'preferences.member_mail',
      'preferences.webhook_mail',
    ])
    .where('people.user_id', 'in', [...recipients])
    .where('people.deleted_at', 'is', null)
    .execute();
  const inbox = people.filter((person) => person.inbox !== false);
  if (inbox.length > 0) {
    await db
      .insertInto('inbox_items')
      .values(
        inbox.map((person) => ({
          id: newId(16),
          user_id: person.user_id,
          workspace_id: notice.workspaceId,
          kind: notice.kind,
          title: notice.title,
          body: notice.body,
          url: notice.url,
          read_at: null,
        })),
      )
      .execute();
    await sql`select pg_notify(${inboxChannel(schema)}, ${inbox.map((person) => person.user_id).join(',')})`.execute(
      db,
    );
  }
  const { mail } = notice;
  if (!mail) return;
  const choice = mail.preference;
  const mailed = choice === 'billing' ? people : people.filter((person) => person[choice] !== false);
  if (mailed.length === 0) return;
  await queueMail(
    db,
    schema,
    mailed.map((person) => ({
      to: person.email,
      userId: person.user_id,
      category: choice === 'billing' ? 'billing' : 'activity',
      kind: mail.template,
      params: choice === 'billing' ? mail.params : { ...mail.params, preference: choice },
    })),
  );
}
