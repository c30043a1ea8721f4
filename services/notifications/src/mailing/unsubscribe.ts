// One-click unsubscribe links (RFC 8058): a token naming a person and one kind of mail, signed
// with the internal secret, so the link works without signing in and cannot be forged for
// someone else. It switches off that kind only; the preferences page undoes it.
import { hmacTag, tagsMatch } from '@canvass/service-kit';

export const MAIL_PREFERENCES = ['poll_mail', 'member_mail', 'webhook_mail', 'digest'] as const;
export type MailSwitch = (typeof MAIL_PREFERENCES)[number];

export const switchLabels: Record<MailSwitch, string> = {
  poll_mail: 'mails about your polls',
  member_mail: 'mails about invitations accepted',
  webhook_mail: 'mails about webhook endpoints',
  digest: 'the daily digest',
};

const tagOf = (secret: string, userId: string, which: MailSwitch) =>
  hmacTag(secret, ['unsubscribe', userId, which], 22);

export const unsubscribeToken = (secret: string, userId: string, which: MailSwitch) =>
  `${userId}.${which}.${tagOf(secret, userId, which)}`;

export function readUnsubscribeToken(
  secret: string,
  token: string,
): { userId: string; which: MailSwitch } | undefined {
  const [userId, which, tag, extra] = token.split('.');
  if (!userId || !which || !tag || extra !== undefined) return undefined;
  if (!(MAIL_PREFERENCES as readonly string[]).includes(which)) return undefined;
  const known = which as MailSwitch;
  return tagsMatch(tagOf(secret, userId, known), tag) ? { userId, which: known } : undefined;
}
