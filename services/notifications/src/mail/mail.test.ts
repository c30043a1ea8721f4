import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { escapeHtml } from '@canvass/service-kit';
import { SMTPServer } from 'smtp-server';
import { type Mailbox, startMailbox } from './mailbox.ts';
import * as templates from './templates.ts';
import { type MailSendError, memoryTransport, smtpTransport } from './transport.ts';

const FROM = 'Canvass <no-reply@canvass.localhost>';
const footer = {
  unsubscribeUrl: 'https://canvass.test/mail/unsubscribe?token=u1&list=activity',
  preferencesUrl: 'https://canvass.test/settings/notifications',
};
const link = (path: string) => `https://canvass.test/${path}?token=t0k&next=%2Fhome`;

// Each mail's main link is link(<template name>).
const mails: Record<keyof typeof templates.mailCategories, templates.RenderedMail> = {
  verifyEmail: templates.verifyEmail({ name: 'Ann', link: link('verifyEmail'), validHours: 24 }),
  signUpExists: templates.signUpExists({ signInUrl: link('signUpExists'), resetUrl: link('forgot') }),
  resetPassword: templates.resetPassword({ link: link('resetPassword'), validMinutes: 30 }),
  invitation: templates.invitation({
    workspaceName: 'Acme',
    role: 'editor',
    inviterName: 'Bo',
    link: link('invitation'),
    validDays: 7,
  }),
  pollOpened: templates.pollOpened({ question: 'Lunch?', pollUrl: link('pollOpened'), ...footer }),
  pollClosed: templates.pollClosed({
    question: 'Lunch?',
    totalVotes: 1234,
    resultsUrl: link('pollClosed'),
    ...footer,
  }),
  pollMilestone: templates.pollMilestone({
    question: 'Lunch?',
    votes: 1000,
    pollUrl: link('pollMilestone'),
    ...footer,
  }),
  invitationAccepted: templates.invitationAccepted({
    memberName: 'Cy',
    workspaceName: 'Acme',
    role: 'admin',
    membersUrl: link('invitationAccepted'),
    ...footer,
  }),
  endpointDisabled: templates.endpointDisabled({
    endpointUrl: 'https://hooks.example.com/canvass',
    failingSince: '2026-11-20T14:05:00Z',
    lastError: 'HTTP 500',
    webhooksUrl: link('endpointDisabled'),
    ...footer,
  }),
  receipt: templates.receipt({
    workspaceName: 'Acme',
    planName: 'Pro',
    invoiceNumber: 'CAN-000042',
    amountCents: 2900,
    currency: 'usd',
    lines: [{ description: 'Pro plan, 4 Dec 2026 – 4 Jan 2027', amountCents: 2900 }],
    paidAt: '2026-12-04T10:00:00Z',
    periodEnd: '2027-01-04T10:00:00Z',
    billingUrl: link('receipt'),
  }),
  paymentFailed: templates.paymentFailed({
    workspaceName: 'Acme',
    planName: 'Pro',
    reason: 'Your card was declined.',
    kind: 'renewal',
    final: false,
    nextAttemptAt: '2026-12-07T10:00:00Z',
    billingUrl: link('paymentFailed'),
  }),
  voteQuota: templates.voteQuota({
    workspaceName: 'Acme',
    planName: 'Free',
    votes: 4000,
    quota: 5000,
    share: 0.8,
    billingUrl: link('voteQuota'),
  }),
  digest: templates.digest({
    items: [{ title: 'Poll closed', body: 'Lunch? closed.', url: link('p1'), at: '2026-11-20T09:00:00Z' }],
    inboxUrl: link('digest'),
    ...footer,
  }),
};

let mailbox: Mailbox;
let transport: ReturnType<typeof smtpTransport>;
before(async () => {
  mailbox = await startMailbox();
  transport = smtpTransport({ url: mailbox.smtpUrl, from: FROM });
});
after(async () => {
  await transport.close();
  await mailbox.close();
});

describe('templates through SMTP into the mailbox', () => {
  for (const [name, mail] of Object.entries(mails)) {
    test(name, async () => {
      const category = templates.mailCategories[name as keyof typeof mails];
      const security = category === 'security';
      const noOptOut = security || category === 'billing';
      const to = `${name.toLowerCase()}@example.test`;
      const sent = await transport.send({
        to,
        ...mail,
        category,
        id: `mail:${name}`,
        // A billing mail is given a URL by mistake here: the transport must still leave it out.
        ...(security ? {} : { unsubscribeUrl: footer.unsubscribeUrl }),
      });
      assert.equal(sent.messageId, `<mail-${name}@canvass>`);
      const got = await mailbox.waitFor((m) => m.to.includes(to));
      assert.equal(got.subject, mail.subject);
      assert.equal(got.headers['message-id'], `<mail-${name}@canvass>`);
      assert.equal(got.headers['auto-submitted'], 'auto-generated');
      assert.ok(got.text.includes(link(name)), 'text has the raw link');
      assert.ok(got.html?.includes(`<a href="${escapeHtml(link(name))}"`), 'HTML links the escaped URL');
      assert.ok(got.html?.includes('<html lang="en">'));
      assert.ok(got.html?.includes(`<title>${escapeHtml(mail.subject)}</title>`));
      if (noOptOut) {
        assert.equal(got.headers['list-unsubscribe'], undefined);
        assert.equal(got.headers['list-unsubscribe-post'], undefined);
        assert.match(
          got.text,
          security ? /you can ignore this mail/ : /Billing mails cannot be switched off/,
        );
        assert.doesNotMatch(got.text, /Unsubscribe/);
      } else {
        assert.equal(got.headers['list-unsubscribe'], `<${footer.unsubscribeUrl}>`);
        assert.equal(got.headers['list-unsubscribe-post'], 'List-Unsubscribe=One-Click');
        assert.match(
          got.text,
          /You get this because .+\.\nChange what Canvass mails you: https:\/\/canvass\.test\/settings\/notifications\nUnsubscribe: https:/,
        );
        assert.ok(got.html?.includes(`<a href="${escapeHtml(footer.unsubscribeUrl)}"`));
      }
    });
  }
});

describe('failed sends', () => {
  test('a 5xx reply is permanent, a 4xx reply retryable', async () => {
    const strict = new SMTPServer({
      authOptional: true,
      disabledCommands: ['AUTH', 'STARTTLS'],
      logger: false,
      onRcptTo(address, _session, callback) {
        const busy = address.address.startsWith('busy');
        const error = Object.assign(new Error(busy ? 'Try again later' : 'No such mailbox'), {
          responseCode: busy ? 451 : 550,
        });
        callback(error);
      },
    });
    await new Promise<void>((resolve) => strict.listen(0, '127.0.0.1', resolve));
    const address = strict.server.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    const rejecting = smtpTransport({ url: `smtp://127.0.0.1:${port}`, from: FROM });
    const mail = {
      ...templates.resetPassword({ link: link('r'), validMinutes: 5 }),
      category: 'security' as const,
    };
    try {
      await assert.rejects(rejecting.send({ ...mail, to: 'nobody@example.test' }), (error: MailSendError) => {
        assert.equal(error.retryable, false);
        assert.equal(error.responseCode, 550);
        return true;
      });
      await assert.rejects(rejecting.send({ ...mail, to: 'busy@example.test' }), (error: MailSendError) => {
        assert.equal(error.retryable, true);
        assert.equal(error.responseCode, 451);
        return true;
      });
    } finally {
      await rejecting.close();
      await new Promise<void>((resolve) => strict.close(() => resolve()));
    }
  });

  test('a server that is not there is retryable', async () => {
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const address = probe.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    await new Promise<void>((resolve) => probe.close(() => resolve()));
    const dead = smtpTransport({ url: `smtp://127.0.0.1:${port}`, from: FROM });
    try {
      await assert.rejects(
        dead.send({
          to: 'a@example.test',
          ...templates.resetPassword({ link: link('r'), validMinutes: 5 }),
          category: 'security',
        }),
        (error: MailSendError) => error instanceof Error && error.retryable === true,
      );
    } finally {
      await dead.close();
    }
  });
});

test('memoryTransport keeps what was sent and waits for a mail', async () => {
  const memory = memoryTransport();
  const waiting = memory.waitFor((m) => m.to === 'late@example.test', 1_000);
  await memory.send({
    to: 'late@example.test',
    ...templates.resetPassword({ link: link('r'), validMinutes: 5 }),
    category: 'security',
    id: 'r1',
  });
  assert.equal((await waiting).subject, 'Reset your Canvass password');
  assert.equal(memory.sent[0]?.messageId, '<r1@canvass>');
  await assert.rejects(
    memory.waitFor(() => false, 10),
    /No matching mail/,
  );
});
