// One-click unsubscribe (RFC 8058): mail clients POST to the List-Unsubscribe URL with no page in
// between; the app's /unsubscribe page posts to the same route after a button press (a GET must
// never unsubscribe: mail scanners fetch links).
import { HttpProblem, jsonResponse, problemResponses } from '@canvass/service-kit';
import type { FastifyInstance } from 'fastify';
import type { Kysely } from 'kysely';
import Type, { type Static } from 'typebox';
import { readUnsubscribeToken, switchLabels } from '../mailing/unsubscribe.ts';
import type { NotificationsTables } from '../tables.ts';

const TokenParams = Type.Object({ token: Type.String({ minLength: 10, maxLength: 200 }) });
const columns = {
  poll_mail: 'poll_mail',
  member_mail: 'member_mail',
  webhook_mail: 'webhook_mail',
  digest: 'digest',
} as const;

export function unsubscribeRoutes(
  app: FastifyInstance,
  deps: { db: Kysely<NotificationsTables>; internalSecret: string },
): void {
  // RFC 8058 clients send `List-Unsubscribe=One-Click` as a form body.
  app.addContentTypeParser(
    'application/x-www-form-urlencoded',
    { parseAs: 'string', bodyLimit: 1024 },
    (_request, body, done) => done(null, body),
  );

  app.post<{ Params: Static<typeof TokenParams> }>(
    '/api/v1/unsubscribe/:token',
    {
      schema: {
        tags: ['Inbox'],
        summary: 'Unsubscribe from one kind of mail',
        description:
          'The token comes from a mail’s List-Unsubscribe header or footer link; no sign-in needed. Switches that kind of mail off; the preferences page switches it back on.',
        params: TokenParams,
        response: {
          200: jsonResponse('Switched off.', Type.Object({ unsubscribed: Type.String() })),
          ...problemResponses(400, [404, 'The link is not valid.']),
        },
      },
    },
    async (request) => {
      const found = readUnsubscribeToken(deps.internalSecret, request.params.token);
      if (!found)
        throw new HttpProblem(
          404,
          'invalid-unsubscribe-link',
          'This unsubscribe link does not work',
          'It may have been cut short. Change what Canvass mails you on your notifications page instead.',
        );
      const column = columns[found.which];
      await deps.db
        .insertInto('preferences')
        .values({ user_id: found.userId, digest_sent_at: null, [column]: false })
        .onConflict((oc) => oc.column('user_id').doUpdateSet({ [column]: false, updated_at: new Date() }))
        .execute();
      return { unsubscribed: switchLabels[found.which] };
    },
  );
}
