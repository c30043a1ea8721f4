// A person's inbox (the bell), its unread count as a long poll, and what they want to be told.
// These belong to the person, not the workspace: an API key has no inbox.
import { InboxPage, MarkRead, NotificationPreferences, UnreadCount } from '@canvass/contracts';
import { emptyResponse, HttpProblem, identityOf, jsonResponse, problemResponses } from '@canvass/service-kit';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { type Kysely, sql } from 'kysely';
import Type, { type Static } from 'typebox';
import { inboxChannel } from '../notices/notify.ts';
import type { NotificationsTables } from '../tables.ts';
import type { InboxWaiters } from './waiters.ts';

const SIGNED_IN = [{ bearer: [] }];
const PageQuery = Type.Object({
  cursor: Type.Optional(Type.String({ maxLength: 200 })),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 20 })),
});
const UnreadQuery = Type.Object({
  known: Type.Optional(
    Type.Integer({
      minimum: 0,
      description: 'The count the caller shows: the answer waits until it differs.',
    }),
  ),
  wait: Type.Optional(
    Type.Integer({
      minimum: 0,
      maximum: 25,
      default: 0,
      description: 'Seconds to wait for a change (a long poll).',
    }),
  ),
});

export interface InboxDeps {
  db: Kysely<NotificationsTables>;
  schema: string;
  internalSecret: string | undefined;
  waiters: InboxWaiters;
}

async function person(request: FastifyRequest, secret: string | undefined): Promise<string> {
  const identity = await identityOf(request, secret);
  if (identity?.kind !== 'user') {
    throw new HttpProblem(
      401,
      'unauthenticated',
      'Sign in first',
      'The inbox and its preferences belong to a signed-in person.',
    );
  }
  return identity.subject;
}

const unreadOf = async (db: Kysely<NotificationsTables>, userId: string) =>
  Number(
    (
      await db
        .selectFrom('inbox_items')
        .select((eb) => eb.fn.countAll<string>().as('n'))
        .where('user_id', '=', userId)
        .where('read_at', 'is', null)
        .executeTakeFirstOrThrow()
    ).n,
  );

export const DEFAULT_PREFERENCES = {
  inbox: true,
  digest: true,
  pollMail: true,
  memberMail: true,
  webhookMail: true,
};

export function inboxRoutes(app: FastifyInstance, deps: InboxDeps): void {
  const { db } = deps;
  const tags = ['Inbox'];

  app.get<{ Querystring: Static<typeof PageQuery> }>(
    '/api/v1/inbox',
    {
      schema: {
        tags,
        summary: 'Your inbox',
        description: 'Newest first; page with `nextCursor`.',
        querystring: PageQuery,
        security: SIGNED_IN,
        response: { 200: jsonResponse('A page of the inbox.', InboxPage), ...problemResponses(400, 401) },
      },
    },
    async (request) => {
      const userId = await person(request, deps.internalSecret);
      const limit = request.query.limit ?? 20;
      let query = db
        .selectFrom('inbox_items')
        .selectAll()
        .where('user_id', '=', userId)
        .orderBy('created_at', 'desc')
        .orderBy('id', 'desc')
        .limit(limit + 1);
      if (request.query.cursor) {
        const [at, id] = Buffer.from(request.query.cursor, 'base64url').toString('utf8').split('|');
        const date = new Date(at ?? '');
        if (!id || Number.isNaN(date.getTime())) {
          throw new HttpProblem(
            400,
            'invalid-cursor',
            'This cursor is not valid',
            'Pass the nextCursor of a previous page.',
          );
        }
        query = query.where(sql<boolean>`(created_at, id) < (${date}, ${id})`);
      }
      const rows = await query.execute();
      const page = rows.slice(0, limit);
      const last = page.at(-1);
      return {
        items: page.map((row) => ({
          id: row.id,
          kind: row.kind,
          title: row.title,
          body: row.body,
          url: row.url,
          workspaceId: row.workspace_id,
          createdAt: row.created_at.toISOString(),
          readAt: row.read_at ? row.read_at.toISOString() : null,
        })),
        unread: await unreadOf(db, userId),
        nextCursor:
          rows.length > limit && last
            ? Buffer.from(`${last.created_at.toISOString()}|${last.id}`).toString('base64url')
            : null,
      };
    },
  );

  app.get<{ Querystring: Static<typeof UnreadQuery> }>(
    '/api/v1/inbox/unread',
    {
      schema: {
        tags,
        summary: 'How many unread, as a long poll',
        description:
          'With `known` and `wait`, answers as soon as the count differs from `known`, or after `wait` seconds with the count then.',
        querystring: UnreadQuery,
        security: SIGNED_IN,
        response: { 200: jsonResponse('The unread count.', UnreadCount), ...problemResponses(400, 401) },
      },
    },
    async (request, reply) => {
      const userId = await person(request, deps.internalSecret);
      reply.header('cache-control', 'no-store');
      const { known, wait = 0 } = request.query;
      let unread = await unreadOf(db, userId);
      if (known === undefined || unread !== known || wait === 0) return { unread };
      const abort = new AbortController();
      request.raw.once('close', () => abort.abort());
      await deps.waiters.wait(userId, wait * 1000, abort.signal);
      unread = await unreadOf(db, userId);
      return { unread };
    },
  );

  app.post<{ Body: Static<typeof MarkRead> }>(
    '/api/v1/inbox/read',
    {
      schema: {
        tags,
        summary: 'Mark items read',
        body: MarkRead,
        security: SIGNED_IN,
        response: { 204: emptyResponse('Marked.'), ...problemResponses(400, 401) },
      },
    },
    async (request, reply) => {
      const userId = await person(request, deps.internalSecret);
      const { ids, all } = request.body;
      if (!all && (!ids || ids.length === 0)) {
        throw new HttpProblem(400, 'nothing-to-mark', 'Say what to mark', 'Pass `ids`, or `all: true`.');
      }
      await db.transaction().execute(async (trx) => {
        let update = trx
          .updateTable('inbox_items')
          .set({ read_at: new Date() })
          .where('user_id', '=', userId)
          .where('read_at', 'is', null);
        if (!all) update = update.where('id', 'in', ids!);
        await update.execute();
        await sql`select pg_notify(${inboxChannel(deps.schema)}, ${userId})`.execute(trx);
      });
      return reply.code(204).send();
    },
  );

  const preferencesSchema = {
    tags,
    security: SIGNED_IN,
    response: {
      200: jsonResponse('What you are told, and how.', NotificationPreferences),
      ...problemResponses(400, 401),
    },
  };
  const read = async (userId: string) => {
    const row = await db
      .selectFrom('preferences')
      .selectAll()
      .where('user_id', '=', userId)
      .executeTakeFirst();
    return row
      ? {
          inbox: row.inbox,
          digest: row.digest,
          pollMail: row.poll_mail,
          memberMail: row.member_mail,
          webhookMail: row.webhook_mail,
        }
      : DEFAULT_PREFERENCES;
  };

  app.get(
    '/api/v1/notification-preferences',
    { schema: { ...preferencesSchema, summary: 'Your notification preferences' } },
    async (request) => read(await person(request, deps.internalSecret)),
  );

  app.put<{ Body: Static<typeof NotificationPreferences> }>(
    '/api/v1/notification-preferences',
    {
      schema: {
        ...preferencesSchema,
        summary: 'Change your notification preferences',
        description:
          'Security mails (confirming your address, resetting your password, invitations) are always sent.',
        body: NotificationPreferences,
      },
    },
    async (request) => {
      const userId = await person(request, deps.internalSecret);
      const { inbox, digest, pollMail, memberMail, webhookMail } = request.body;
      const values = {
        inbox,
        digest,
        poll_mail: pollMail,
        member_mail: memberMail,
        webhook_mail: webhookMail,
        updated_at: new Date(),
      };
      await db
        .insertInto('preferences')
        .values({ user_id: userId, digest_sent_at: null, ...values })
        .onConflict((oc) => oc.column('user_id').doUpdateSet(values))
        .execute();
      return read(userId);
    },
  );
}
