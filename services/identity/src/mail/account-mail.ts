// Account mails (confirm an address, reset a password, an invitation, "someone tried to sign up
// with your address") are sent by the notifications service. Identity asks for one with an event
// written in the same transaction as the token it mails, so a mail is asked for exactly when the
// token exists. The link is sealed (service-kit `sealSecret`, purpose `account-mail`): the event
// log and the broker keep events for days, and must not hold a working link in clear.
import { AccountMailRequestedV1 } from '@canvass/contracts';
import type { AnyTables } from '@canvass/database';
import { createEvent, type Outbox } from '@canvass/eventing';
import { sealSecret } from '@canvass/service-kit';
import type { Kysely } from 'kysely';
import type { Static } from 'typebox';

export const ACCOUNT_MAIL_PURPOSE = 'account-mail';

type MailData = Static<typeof AccountMailRequestedV1.data>;

export type AccountMailRequest = Pick<MailData, 'kind' | 'to'> &
  Partial<Omit<MailData, 'kind' | 'to' | 'sealedLink' | 'linkExpiresAt'>> & {
    link?: { url: string; expiresAt: Date };
    /** The outbox partition: the workspace, when the mail is about one. */
    workspace?: string;
  };

export interface AccountMailer {
  /** Appends the request to the outbox, in the caller's transaction. */
  request(trx: Kysely<AnyTables>, mail: AccountMailRequest): Promise<void>;
}

export function accountMailer(outbox: Outbox, internalSecret: string): AccountMailer {
  return {
    async request(trx, { link, workspace, ...mail }) {
      const event = createEvent(AccountMailRequestedV1, {
        source: '/identity',
        ...(mail.userId ? { subject: mail.userId } : {}),
        ...(workspace ? { workspace } : {}),
        data: {
          kind: mail.kind,
          to: mail.to,
          userId: mail.userId ?? null,
          name: mail.name ?? null,
          sealedLink: link ? sealSecret(internalSecret, ACCOUNT_MAIL_PURPOSE, link.url) : null,
          linkExpiresAt: link ? link.expiresAt.toISOString() : null,
          workspaceName: mail.workspaceName ?? null,
          role: mail.role ?? null,
          inviterName: mail.inviterName ?? null,
        },
      });
      await outbox.append(trx, [event]);
    },
  };
}
