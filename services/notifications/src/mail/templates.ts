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

export type MailCategory = 'security' | 'activity' | 'digest';

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
  digest: 'digest',
} as const satisfies Record<string, MailCategory>;
