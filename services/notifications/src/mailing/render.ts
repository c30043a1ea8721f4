// From a queued mail (its template name and parameters) to the mail itself. Account mails open
// their sealed link here, at the moment of sending, and only here.
import { openSealed } from '@canvass/service-kit';
import * as templates from '../mail/templates.ts';
import type { OutgoingMail } from '../mail/transport.ts';
import { type MailSwitch, unsubscribeToken } from './unsubscribe.ts';

export const ACCOUNT_MAIL_PURPOSE = 'account-mail';

export interface QueuedMail {
  id: string;
  to_address: string;
  user_id: string | null;
  category: string;
  kind: string;
  params: unknown;
}

export interface RenderContext {
  appUrl: string;
  internalSecret: string;
}

/** Why a queued mail can never be sent (the sender marks it failed at once). */
export class UnsendableMail extends Error {}

type Params = Record<string, unknown>;
const text = (params: Params, key: string) => String(params[key] ?? '');

function openLink(params: Params, context: RenderContext): string {
  const sealed = params.sealedLink;
  const link =
    typeof sealed === 'string' ? openSealed(context.internalSecret, ACCOUNT_MAIL_PURPOSE, sealed) : undefined;
  if (!link) throw new UnsendableMail('its link cannot be opened (sealed under another internal secret?)');
  const expiresAt = Date.parse(text(params, 'linkExpiresAt'));
  if (!(expiresAt > Date.now())) throw new UnsendableMail('its link has expired');
  return link;
}

const hoursLeft = (params: Params) =>
  Math.max(1, Math.round((Date.parse(text(params, 'linkExpiresAt')) - Date.now()) / 3600_000));

export function renderMail(mail: QueuedMail, context: RenderContext): OutgoingMail {
  const params = (typeof mail.params === 'string' ? JSON.parse(mail.params) : mail.params) as Params;
  const base = { to: mail.to_address, id: mail.id };
  switch (mail.kind) {
    case 'verify-email':
      return {
        ...base,
        category: 'security',
        ...templates.verifyEmail({
          name: text(params, 'name'),
          link: openLink(params, context),
          validHours: hoursLeft(params),
        }),
      };
    case 'reset-password':
      return {
        ...base,
        category: 'security',
        ...templates.resetPassword({
          link: openLink(params, context),
          validMinutes: Math.max(
            1,
            Math.round((Date.parse(text(params, 'linkExpiresAt')) - Date.now()) / 60_000),
          ),
        }),
      };
    case 'sign-up-exists':
      return {
        ...base,
        category: 'security',
        ...templates.signUpExists({
          signInUrl: `${context.appUrl}/sign-in`,
          resetUrl: `${context.appUrl}/forgot-password`,
        }),
      };
    case 'invitation':
      return {
        ...base,
        category: 'security',
        ...templates.invitation({
          workspaceName: text(params, 'workspaceName') || 'a workspace',
          role: text(params, 'role'),
          inviterName: params.inviterName ? text(params, 'inviterName') : null,
          link: openLink(params, context),
          validDays: Math.max(1, Math.round(hoursLeft(params) / 24)),
        }),
      };
  }
  const which = (params.preference ?? 'poll_mail') as MailSwitch;
  if (!mail.user_id) throw new UnsendableMail(`an activity mail (${mail.kind}) without a person`);
  const token = unsubscribeToken(context.internalSecret, mail.user_id, which);
  const footer = {
    unsubscribeUrl: `${context.appUrl}/unsubscribe?token=${token}`,
    preferencesUrl: `${context.appUrl}/app/notifications`,
  };
  const billing = { ...base, category: 'billing' as const };
  const billingUrl = `${context.appUrl}/app/billing`;
  switch (mail.kind) {
    case 'receipt':
      return {
        ...billing,
        ...templates.receipt({
          workspaceName: text(params, 'workspaceName'),
          planName: text(params, 'planName'),
          invoiceNumber: text(params, 'invoiceNumber'),
          amountCents: Number(params.amountCents ?? 0),
          currency: text(params, 'currency') || 'usd',
          lines: (params.lines as { description: string; amountCents: number }[] | undefined) ?? [],
          paidAt: text(params, 'paidAt'),
          periodEnd: text(params, 'periodEnd'),
          billingUrl,
        }),
      };
    case 'payment-failed':
      return {
        ...billing,
        ...templates.paymentFailed({
          workspaceName: text(params, 'workspaceName'),
          planName: text(params, 'planName'),
          reason: text(params, 'reason'),
          kind: params.kind === 'renewal' ? 'renewal' : 'upgrade',
          final: params.final === true,
          nextAttemptAt: typeof params.nextAttemptAt === 'string' ? params.nextAttemptAt : null,
          billingUrl,
        }),
      };
    case 'vote-quota':
      return {
        ...billing,
        ...templates.voteQuota({
          workspaceName: text(params, 'workspaceName'),
          planName: text(params, 'planName'),
          votes: Number(params.votes ?? 0),
          quota: Number(params.quota ?? 0),
          share: Number(params.share ?? 0),
          billingUrl,
        }),
      };
  }
  const activity = {
    ...base,
    category: mail.kind === 'digest' ? ('digest' as const) : ('activity' as const),
    // One-click (RFC 8058): mail clients POST here, with no page in between.
    unsubscribeUrl: `${context.appUrl}/api/v1/unsubscribe/${token}`,
  };
  switch (mail.kind) {
    case 'poll-opened':
      return {
        ...activity,
        ...templates.pollOpened({
          question: text(params, 'question'),
          pollUrl: text(params, 'pollUrl'),
          ...footer,
        }),
      };
    case 'poll-closed':
      return {
        ...activity,
        ...templates.pollClosed({
          question: text(params, 'question'),
          totalVotes: Number(params.totalVotes ?? 0),
          resultsUrl: text(params, 'resultsUrl'),
          ...footer,
        }),
      };
    case 'poll-milestone':
      return {
        ...activity,
        ...templates.pollMilestone({
          question: text(params, 'question'),
          votes: Number(params.votes ?? 1),
          pollUrl: text(params, 'pollUrl'),
          ...footer,
        }),
      };
    case 'invitation-accepted':
      return {
        ...activity,
        ...templates.invitationAccepted({
          memberName: text(params, 'memberName'),
          workspaceName: text(params, 'workspaceName'),
          role: text(params, 'role'),
          membersUrl: text(params, 'membersUrl'),
          ...footer,
        }),
      };
    case 'endpoint-disabled':
      return {
        ...activity,
        ...templates.endpointDisabled({
          endpointUrl: text(params, 'endpointUrl'),
          failingSince: text(params, 'failingSince'),
          lastError: text(params, 'lastError'),
          webhooksUrl: text(params, 'webhooksUrl'),
          ...footer,
        }),
      };
    case 'digest':
      return {
        ...activity,
        ...templates.digest({
          items: params.items as { title: string; body: string; url: string; at: string }[],
          inboxUrl: `${context.appUrl}/app/inbox`,
          ...footer,
        }),
      };
    default:
      throw new UnsendableMail(`no template for ${mail.kind}`);
  }
}
