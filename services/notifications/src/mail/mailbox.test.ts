import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { escapeHtml } from '@canvass/service-kit';
import Fastify from 'fastify';
import { type Mailbox, startMailbox } from './mailbox.ts';
import { mailboxRoutes } from './mailbox-routes.ts';
import * as templates from './templates.ts';
import { type MailSendError, smtpTransport } from './transport.ts';

const FROM = 'Canvass <no-reply@canvass.localhost>';
const footer = {
  unsubscribeUrl: 'https://canvass.test/api/v1/unsubscribe/tok',
  preferencesUrl: 'https://canvass.test/app/notifications',
};
const link = (path: string) => `https://canvass.test/${path}?token=t0k&next=%2Fhome`;

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

test('the mailbox keeps only the newest mails', async () => {
  const small = await startMailbox({ limit: 2 });
  const sender = smtpTransport({ url: small.smtpUrl, from: FROM });
  try {
    for (const n of [1, 2, 3]) {
      await sender.send({
        to: `n${n}@example.test`,
        subject: `Mail ${n}`,
        text: 'Hi',
        html: '<p>Hi</p>',
        category: 'activity',
      });
    }
    assert.deepEqual(
      small.messages().map((m) => m.subject),
      ['Mail 3', 'Mail 2'],
    );
  } finally {
    await sender.close();
    await small.close();
  }
});

test('the mailbox refuses a mail over 2 MiB for good', async () => {
  const before = mailbox.messages().length;
  const huge = {
    subject: 'Huge',
    text: 'x'.repeat(3 * 1024 * 1024),
    html: '<p>x</p>',
    category: 'activity' as const,
  };
  await assert.rejects(transport.send({ to: 'huge@example.test', ...huge }), (error: MailSendError) => {
    assert.equal(error.retryable, false);
    assert.equal(error.responseCode, 552);
    return true;
  });
  assert.equal(mailbox.messages().length, before);
});

describe('mailbox pages', () => {
  test('list, message, unknown id and JSON', async () => {
    const app = Fastify();
    mailboxRoutes(app, mailbox);
    const mail = templates.pollOpened({
      question: '<b>Pages</b> test',
      pollUrl: link('polls/pages'),
      ...footer,
    });
    await transport.send({ to: 'pages@example.test', ...mail, category: 'activity' });
    const stored = await mailbox.waitFor((m) => m.to.includes('pages@example.test'));

    const list = await app.inject('/mailbox');
    assert.equal(list.statusCode, 200);
    assert.match(String(list.headers['content-type']), /^text\/html/);
    assert.match(String(list.headers['content-security-policy']), /default-src 'none'/);
    assert.ok(list.body.includes(escapeHtml(mail.subject)));
    assert.ok(!list.body.includes('<b>Pages</b>'));
    assert.ok(list.body.includes(`<a href="/mailbox/${stored.id}">`));
    assert.match(list.body, /no mail leaves this machine/);

    const one = await app.inject(`/mailbox/${stored.id}`);
    assert.equal(one.statusCode, 200);
    assert.ok(one.body.includes(`<a href="${escapeHtml(link('polls/pages'))}">`), 'text part links the URL');
    assert.match(one.body, /<iframe title="[^"]+" sandbox="[^"]*" srcdoc="/);
    assert.doesNotMatch(one.body, /allow-scripts|<script/);

    const missing = await app.inject('/mailbox/nope');
    assert.equal(missing.statusCode, 404);
    assert.match(missing.body, /Mail not found/);

    const json = await app.inject('/mailbox/messages.json');
    assert.equal(json.statusCode, 200);
    assert.ok(json.json().messages.some((m: { id: string }) => m.id === stored.id));
    await app.close();
  });

  test('an empty mailbox says where mails will show up', async () => {
    const empty = await startMailbox();
    const app = Fastify();
    mailboxRoutes(app, empty);
    try {
      const list = await app.inject('/mailbox');
      assert.match(list.body, /Mails Canvass sends will show up here/);
    } finally {
      await app.close();
      await empty.close();
    }
  });
});
