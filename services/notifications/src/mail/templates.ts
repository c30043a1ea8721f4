// The mails Canvass sends, one function each. Voice: short, friendly, direct; say what happened,
// what to do and how long a link works. Security mails have no unsubscribe footer: nobody may opt
// out of them, and they end by saying the mail can be ignored.
import {
  type ActivityFooter,
  type Block,
  clip,
  count,
  type DigestEntry,
  formatTime,
  type RenderedMail,
  renderMail,
} from './layout.ts';

export type { ActivityFooter, DigestEntry, RenderedMail } from './layout.ts';

/** security: account mails; billing: receipts and payment problems (no opt-out, no secrets); activity and digest: opt-out. */
export type MailCategory = 'security' | 'billing' | 'activity' | 'digest';

const IGNORE = "If this wasn't you, you can ignore this mail.";
const DIGEST_SHOWN = 20;

/** " as an editor"; nothing when the role is not known. */
const asRole = (role: string): string => (role ? ` as ${/^[aeiou]/i.test(role) ? 'an' : 'a'} ${role}` : '');

function activity(
  subject: string,
  heading: string,
  blocks: Block[],
  { reason, unsubscribeUrl, preferencesUrl }: ActivityFooter,
  defaultReason: string,
): RenderedMail {
  const footer = { unsubscribeUrl, preferencesUrl, reason: reason ?? defaultReason };
  return renderMail({ subject, heading, blocks, footer });
}

export function verifyEmail(input: { name: string | null; link: string; validHours: number }): RenderedMail {
  return renderMail({
    subject: 'Confirm your email address',
    heading: 'Confirm your email address',
    blocks: [
      ...(input.name ? [`Hi ${input.name},`] : []),
      'Confirm this address to finish setting up your Canvass account.',
      { action: 'Confirm email address', url: input.link },
      `The link works for ${count(input.validHours, 'hour')}.`,
      IGNORE,
    ],
  });
}

export function signUpExists(input: { signInUrl: string; resetUrl: string }): RenderedMail {
  return renderMail({
    subject: 'Someone tried to sign up with your address',
    heading: 'Someone tried to sign up with your address',
    blocks: [
      'Someone just tried to create a Canvass account with this email address. You already have an account, so nothing was created and your account is unchanged.',
      { action: 'Sign in', url: input.signInUrl },
      { link: 'Forgot your password? Choose a new one here', url: input.resetUrl },
      IGNORE,
    ],
  });
}

export function resetPassword(input: { link: string; validMinutes: number }): RenderedMail {
  return renderMail({
    subject: 'Reset your Canvass password',
    heading: 'Reset your password',
    blocks: [
      'Someone asked to reset the password of your Canvass account. Choose a new password with this link.',
      { action: 'Choose a new password', url: input.link },
      `The link works for ${count(input.validMinutes, 'minute')}. Until you use it, your password stays as it is.`,
      IGNORE,
    ],
  });
}

export function invitation(input: {
  workspaceName: string;
  role: string;
  inviterName: string | null;
  link: string;
  validDays: number;
}): RenderedMail {
  const { workspaceName: workspace, inviterName: inviter } = input;
  return renderMail({
    subject: inviter
      ? `${clip(inviter, 40)} invited you to ${clip(workspace, 40)} on Canvass`
      : `You're invited to ${clip(workspace)} on Canvass`,
    heading: `Join ${workspace} on Canvass`,
    blocks: [
      `${inviter ? `${inviter} invited you` : "You're invited"} to join the workspace “${workspace}” on Canvass${asRole(input.role)}.`,
      { action: 'Accept the invitation', url: input.link },
      `The invitation works for ${count(input.validDays, 'day')}.`,
      "If you weren't expecting this, you can ignore this mail.",
    ],
  });
}

export function pollOpened(input: { question: string; pollUrl: string } & ActivityFooter): RenderedMail {
  return activity(
    `Your poll is open: ${clip(input.question)}`,
    'Your poll is open',
    [`“${input.question}” is open and taking votes.`, { action: 'See the poll', url: input.pollUrl }],
    input,
    'you organize this poll',
  );
}

export function pollClosed(
  input: { question: string; totalVotes: number; resultsUrl: string } & ActivityFooter,
): RenderedMail {
  const outcome = input.totalVotes === 0 ? 'without any votes' : `with ${count(input.totalVotes, 'vote')}`;
  return activity(
    `Poll closed: ${clip(input.question)}`,
    'Your poll closed',
    [
      `“${input.question}” closed ${outcome}. The results are final.`,
      { action: 'See the results', url: input.resultsUrl },
    ],
    input,
    'you organize this poll',
  );
}

export function pollMilestone(
  input: {
    question: string;
    /** 1 is the first vote; then milestones such as 100 and 1,000. */
    votes: number;
    pollUrl: string;
  } & ActivityFooter,
): RenderedMail {
  const first = input.votes === 1;
  const reached = first ? 'got its first vote' : `reached ${count(input.votes, 'vote')}`;
  return activity(
    `${first ? 'First vote' : count(input.votes, 'vote')}: ${clip(input.question)}`,
    `Your poll ${reached}`,
    [`“${input.question}” ${reached}.`, { action: 'See the poll', url: input.pollUrl }],
    input,
    'you organize this poll',
  );
}

export function invitationAccepted(
  input: { memberName: string; workspaceName: string; role: string; membersUrl: string } & ActivityFooter,
): RenderedMail {
  const { memberName: member, workspaceName: workspace } = input;
  return activity(
    `${clip(member, 40)} joined ${clip(workspace, 40)}`,
    `${member} joined ${workspace}`,
    [
      `${member} accepted the invitation and joined “${workspace}”${asRole(input.role)}.`,
      { action: 'See members', url: input.membersUrl },
    ],
    input,
    'you manage the members of this workspace',
  );
}

export function endpointDisabled(
  input: {
    endpointUrl: string;
    failingSince: string | Date;
    lastError: string;
    webhooksUrl: string;
  } & ActivityFooter,
): RenderedMail {
  let host = input.endpointUrl;
  try {
    host = new URL(input.endpointUrl).host;
  } catch {}
  return activity(
    `Webhook endpoint turned off: ${clip(host)}`,
    'A webhook endpoint was turned off',
    [
      `Deliveries to this endpoint have failed since ${formatTime(input.failingSince)}, so Canvass stopped sending events to it.`,
      { detail: 'Endpoint', value: input.endpointUrl },
      { detail: 'Last error', value: clip(input.lastError, 300) },
      'Fix the endpoint, then turn it back on in your webhook settings.',
      { action: 'Open webhook settings', url: input.webhooksUrl },
    ],
    input,
    'you manage the webhooks of this workspace',
  );
}

const money = (cents: number, currency: string) =>
  new Intl.NumberFormat('en-US', { style: 'currency', currency: currency.toUpperCase() }).format(cents / 100);

const BILLING_FOOTER =
  'You get this because you own this Canvass workspace. Billing mails cannot be switched off.';

export function receipt(input: {
  workspaceName: string;
  planName: string;
  invoiceNumber: string;
  amountCents: number;
  currency: string;
  lines: { description: string; amountCents: number }[];
  paidAt: string;
  periodEnd: string;
  billingUrl: string;
}): RenderedMail {
  const total = money(input.amountCents, input.currency);
  return renderMail({
    subject: `Receipt ${input.invoiceNumber}: ${total} for Canvass ${input.planName}`,
    heading: `Thanks: ${clip(input.workspaceName, 40)} is on ${input.planName}`,
    blocks: [
      `We received your payment of ${total} on ${formatTime(input.paidAt)}. Your plan renews on ${formatTime(input.periodEnd)}.`,
      ...input.lines.map((line) => ({
        detail: line.description,
        value: money(line.amountCents, input.currency),
      })),
      { detail: 'Total paid', value: total },
      { detail: 'Invoice', value: input.invoiceNumber },
      { action: 'See your plan and invoices', url: input.billingUrl },
      BILLING_FOOTER,
    ],
  });
}

export function paymentFailed(input: {
  workspaceName: string;
  planName: string;
  reason: string;
  kind: 'upgrade' | 'renewal';
  final: boolean;
  nextAttemptAt: string | null;
  billingUrl: string;
}): RenderedMail {
  const workspace = clip(input.workspaceName, 40);
  const upgrade = input.kind === 'upgrade';
  const blocks: Block[] = [
    upgrade
      ? `Your upgrade of ${workspace} to ${input.planName} did not go through, and you were not charged (or the charge was refunded).`
      : `We could not charge the renewal of ${input.planName} for ${workspace}.`,
    { detail: 'Reason', value: clip(input.reason, 300) },
  ];
  if (!upgrade && !input.final && input.nextAttemptAt)
    blocks.push(
      `We will try again on ${formatTime(input.nextAttemptAt)}. Until then nothing changes. Update your card to make sure it goes through.`,
    );
  if (!upgrade && input.final)
    blocks.push(
      'This was the last try, so the workspace is on the Free plan now. Your polls and results are kept.',
    );
  blocks.push(
    { action: upgrade ? 'Try again' : 'Update your payment method', url: input.billingUrl },
    BILLING_FOOTER,
  );
  return renderMail({
    subject: upgrade
      ? `Your upgrade to ${input.planName} did not go through`
      : input.final
        ? `${workspace} moved to Free: the renewal could not be charged`
        : `We could not renew ${input.planName} for ${workspace}`,
    heading: upgrade ? 'Your upgrade did not go through' : 'A renewal payment failed',
    blocks,
  });
}

export function voteQuota(input: {
  workspaceName: string;
  planName: string;
  votes: number;
  quota: number;
  share: number;
  billingUrl: string;
}): RenderedMail {
  const workspace = clip(input.workspaceName, 40);
  const reached = input.share >= 1;
  return renderMail({
    subject: reached
      ? `${workspace} reached its ${input.quota.toLocaleString('en')} votes this month`
      : `${workspace} has used ${Math.round(input.share * 100)}% of this month's votes`,
    heading: reached ? 'Your monthly votes are used up' : "You're close to this month's votes",
    blocks: [
      `Polls of ${workspace} have taken ${input.votes.toLocaleString('en')} votes this month; ${input.planName} includes ${input.quota.toLocaleString('en')}.`,
      'Voting goes on: Canvass never turns voters away in the middle of a poll. To keep within your plan next month, upgrade or run fewer polls.',
      { action: 'Compare plans', url: input.billingUrl },
      BILLING_FOOTER,
    ],
  });
}

/** Assumes at least one item: an empty digest is never sent. */
export function digest(input: { items: DigestEntry[]; inboxUrl: string } & ActivityFooter): RenderedMail {
  const { items } = input;
  const more = items.length - DIGEST_SHOWN;
  return activity(
    `Your Canvass digest: ${count(items.length, 'new notification')}`,
    'Your daily digest',
    [
      "Here's what's new in your Canvass inbox:",
      { entries: items.slice(0, DIGEST_SHOWN) },
      ...(more > 0 ? [`…and ${count(more, 'more notification')} in your inbox.`] : []),
      { action: 'Open your inbox', url: input.inboxUrl },
    ],
    input,
    'daily digests are on for your account',
  );
}

/** Which category each template's mail is in: the transport's headers and the preferences follow it. */
export const mailCategories = {
  verifyEmail: 'security',
  signUpExists: 'security',
  resetPassword: 'security',
  invitation: 'security',
  pollOpened: 'activity',
  pollClosed: 'activity',
  pollMilestone: 'activity',
  invitationAccepted: 'activity',
  endpointDisabled: 'activity',
  receipt: 'billing',
  paymentFailed: 'billing',
  voteQuota: 'billing',
  digest: 'digest',
} as const satisfies Record<string, MailCategory>;
