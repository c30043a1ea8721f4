import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import * as templates from './templates.ts';

const footer = {
  unsubscribeUrl: 'https://canvass.test/api/v1/unsubscribe/tok',
  preferencesUrl: 'https://canvass.test/app/notifications',
};
const link = (path: string) => `https://canvass.test/${path}`;

describe('templates', () => {
  test('escape every interpolated value in HTML and keep the text as written', () => {
    const evil = '<script>alert(1)</script>';
    const mails = [
      templates.verifyEmail({ name: evil, link: link('v'), validHours: 1 }),
      templates.invitation({
        workspaceName: evil,
        role: 'viewer',
        inviterName: evil,
        link: link('j'),
        validDays: 1,
      }),
      templates.pollOpened({ question: evil, pollUrl: link('p'), ...footer }),
      templates.digest({
        items: [{ title: evil, body: evil, url: link('i'), at: 'now' }],
        inboxUrl: link('i'),
        ...footer,
      }),
    ];
    for (const mail of mails) {
      assert.ok(!mail.html.includes('<script'), mail.subject);
      assert.ok(mail.html.includes('&#60;script&#62;'), mail.subject);
      assert.ok(mail.text.includes(evil), mail.subject);
    }
  });

  test('say how long a link works, in words that fit the number', () => {
    assert.match(
      templates.verifyEmail({ name: null, link: link('v'), validHours: 1 }).text,
      /works for 1 hour\./,
    );
    assert.match(
      templates.resetPassword({ link: link('r'), validMinutes: 30 }).text,
      /works for 30 minutes\./,
    );
    assert.match(
      templates.pollMilestone({ question: 'Q', votes: 1, pollUrl: link('p'), ...footer }).subject,
      /^First vote: Q$/,
    );
    assert.match(
      templates.pollClosed({ question: 'Q', totalVotes: 0, resultsUrl: link('r'), ...footer }).text,
      /without any votes/,
    );
  });

  test('refuse a link that is not http(s)', () => {
    assert.throws(() => templates.resetPassword({ link: 'javascript:alert(1)', validMinutes: 5 }), TypeError);
  });

  test('leave out what is not known', () => {
    const invite = templates.invitation({
      workspaceName: 'Acme',
      role: '',
      inviterName: null,
      link: link('j'),
      validDays: 7,
    });
    assert.equal(invite.subject, "You're invited to Acme on Canvass");
    assert.match(invite.text, /join the workspace “Acme” on Canvass\./);
    assert.doesNotMatch(templates.verifyEmail({ name: null, link: link('v'), validHours: 2 }).text, /Hi/);
  });

  test('a long digest shows the first 20 items and links the rest', () => {
    const items = Array.from({ length: 25 }, (_, i) => ({
      title: `Item ${i + 1}`,
      body: 'Something happened.',
      url: link(`i/${i + 1}`),
      at: '2026-11-20T09:00:00Z',
    }));
    const mail = templates.digest({ items, inboxUrl: link('inbox'), ...footer });
    assert.equal(mail.subject, 'Your Canvass digest: 25 new notifications');
    assert.ok(mail.text.includes('Item 20') && !mail.text.includes('Item 21'));
    assert.match(mail.text, /…and 5 more notifications in your inbox\./);
  });
});
