// Notifications in Chromium against the embedded tier, with mail going over SMTP to the local
// mailbox (read at /mailbox) and webhooks going to a real HTTP receiver on 127.0.0.1: an organizer
// adds an endpoint (its secret shown once), sends it a test event and resends it from the delivery
// log; on a phone the bell counts new notices without a reload, the inbox is marked read, poll
// mails are switched off in the settings and, from an activity mail's footer, unsubscribed.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { BrowserContext, Page } from 'playwright-core';
import { Webhook } from 'standardwebhooks';
import { assertAccessible } from '../support/accessibility.ts';
import { httpApi } from '../support/api.ts';
import { type BrowserPlatform, PHONE, SCREENSHOTS, startBrowserPlatform } from '../support/browser.ts';
import { type LocalMail, openMail, startLocalMail, textVersion } from '../support/mailbox.ts';
import { type Received, type Receiver, startReceiver } from '../support/webhook-receiver.ts';

const DESKTOP = { viewport: { width: 1280, height: 860 } };
const EMAIL = 'hedy@example.test';
const PASSWORD = 'a very long password';
const QUESTION = 'Lunch on Friday?';
const QUESTION_PATTERN = 'Lunch on Friday\\?';
const POLL_MAIL = /^Mail me about my polls/;

let env: BrowserPlatform;
let mail: LocalMail;
let receiver: Receiver;
let desktop: BrowserContext;
let phoneContext: BrowserContext;
/** The organizer at a desk: signs up, manages webhooks, creates the poll, reads mail. */
let page: Page;
/** The same organizer on a phone: watches the bell, reads the inbox, changes settings. */
let phone: Page;

before(async () => {
  mail = await startLocalMail({ allowLoopback: true, retryScheduleMs: [50, 50] });
  receiver = await startReceiver();
  env = await startBrowserPlatform(mail.options);
  desktop = await env.browser.newContext(DESKTOP);
  page = await desktop.newPage();
  phoneContext = await env.browser.newContext(PHONE);
  phone = await phoneContext.newPage();
});

after(async () => {
  await desktop?.close();
  await phoneContext?.close();
  await env?.stop();
  await mail?.close();
  await receiver?.close();
});

/** On Canvass's own sign-in page (the provider's interaction), back to where sign-in started. */
async function signIn(on: Page) {
  await on.waitForURL(/\/interaction\//);
  await on.getByLabel('E-mail').fill(EMAIL);
  await on.getByLabel('Password').fill(PASSWORD);
  await on.getByRole('button', { name: 'Sign in' }).click();
}

/** Nothing on the page is wider than the phone's screen. */
async function assertFits(on: Page, what: string) {
  await on.locator('[aria-busy="true"]').first().waitFor({ state: 'detached' });
  const overflow = Number(await on.evaluate('document.documentElement.scrollWidth - innerWidth'));
  assert.ok(overflow <= 0, `${what} is ${overflow}px wider than the phone`);
}

/** The endpoint in the list, named by its URL. */
const endpointLink = () => new RegExp(`^${receiver.url.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`);
const payloadOf = (request: Received) =>
  JSON.parse(request.body) as { type: string; data: { pollId?: string } };
const webhookId = (request: Received) => String(request.headers['webhook-id']);

let secret = '';
let endpointUrl = '';

test('an organizer signs up through the local mailbox and signs in', async () => {
  await page.goto(`${env.base}/sign-up`);
  await page.getByLabel('Your name').fill('Hedy');
  await page.getByLabel('E-mail').fill(EMAIL);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Create account' }).click();
  await page.getByRole('heading', { name: 'Check your e-mail' }).waitFor();
  await openMail(page, env.base, EMAIL, /Confirm your email/);
  await textVersion(page)
    .getByRole('link', { name: /\/verify-email\?token=/ })
    .click();
  await page.getByRole('heading', { name: 'Your address is confirmed' }).waitFor();
  await page.getByRole('button', { name: 'Sign in' }).click();
  await signIn(page);
  await page.getByText('This workspace has no polls yet.').waitFor();
});

test('an endpoint is added for some events; its signing secret is shown once', async () => {
  await page.getByRole('link', { name: 'Webhooks', exact: true }).click();
  await page.getByRole('heading', { name: 'Webhooks', level: 1 }).waitFor();
  await page.getByText('This workspace has no webhook endpoints yet.').waitFor();
  await page.getByLabel('Endpoint URL').fill(receiver.url);
  await page.getByLabel('Description (optional)').fill('Our test receiver');
  const events = page.getByRole('group', { name: 'Events to send' });
  await events.getByRole('checkbox', { name: 'All events' }).uncheck();
  await events.getByRole('checkbox', { name: 'poll.created', exact: true }).check();
  await events.getByRole('checkbox', { name: 'poll.opened', exact: true }).check();
  assert.equal(await events.getByRole('checkbox', { name: 'All events' }).isChecked(), false);
  await page.getByRole('button', { name: 'Add endpoint' }).click();

  const added = page.getByRole('region', { name: 'Endpoint added' });
  secret = await added.getByRole('textbox', { name: 'Signing secret' }).inputValue();
  assert.match(secret, /^whsec_/);
  await added.getByRole('button', { name: 'Copy secret' }).waitFor();
  const listed = page.getByRole('link', { name: endpointLink() });
  await listed.getByText('2 events').waitFor();
  await assertAccessible(page, 'webhooks');

  await added.getByRole('link', { name: 'Open the endpoint' }).click();
  await page.getByRole('heading', { name: 'Our test receiver', level: 1 }).waitFor();
  endpointUrl = page.url();
  assert.match(new URL(endpointUrl).pathname, /^\/app\/webhooks\/[^/]+$/);
  await page.getByText('Shown once when made.').waitFor();
  assert.ok(!(await page.locator('body').innerText()).includes(secret), 'the endpoint page hides the secret');
  await page.getByRole('link', { name: '← Webhooks' }).click();
  await listed.waitFor();
  assert.equal(await page.getByRole('region', { name: 'Endpoint added' }).count(), 0);
  assert.ok(!(await page.locator('body').innerText()).includes(secret), 'shown once, then never again');
});

test('a test event is delivered, logged, opened and resent with the same webhook-id', async () => {
  await page.goto(endpointUrl);
  await page.getByRole('heading', { name: 'Our test receiver', level: 1 }).waitFor();
  assert.equal(await page.getByRole('switch', { name: 'Endpoint enabled' }).isChecked(), true);
  await page.getByRole('button', { name: 'Send test event' }).click();
  await page.getByRole('status').getByText('Test event queued.').waitFor();

  const isTest = (request: Received) => payloadOf(request).type === 'webhook.test';
  const [delivered] = await receiver.waitFor(1, isTest);
  // The secret shown once is the one that signs: the receiver can check every request with it.
  new Webhook(secret).verify(delivered!.body, delivered!.headers as Record<string, string>);

  // The log reads itself again while a delivery is pending.
  const log = page.getByRole('table', { name: 'Deliveries, newest first' });
  const row = log.getByRole('row').filter({ hasText: 'webhook.test' });
  await row.filter({ hasText: 'Succeeded' }).waitFor({ timeout: 15_000 });
  await row.getByText(/HTTP 204 · \d+ ms/).waitFor();
  await page.getByRole('button', { name: 'Failed', exact: true }).click();
  await page.getByText('No deliveries with this status.').waitFor();
  await page.getByRole('button', { name: 'Succeeded', exact: true }).click();
  await row.waitFor();
  await page.getByRole('button', { name: 'All', exact: true }).click();
  await row.waitFor();
  await assertAccessible(page, 'webhook endpoint');
  await page.screenshot({ path: `${SCREENSHOTS}webhooks.png`, fullPage: true, animations: 'disabled' });

  await row.getByRole('link').click();
  await page.getByRole('heading', { name: 'Delivery of webhook.test', level: 1 }).waitFor();
  await page.getByText(webhookId(delivered!), { exact: true }).waitFor();
  await page.getByRole('heading', { name: 'Payload' }).waitFor();
  await page.getByText('"type": "webhook.test"').waitFor();
  await page.getByRole('heading', { name: 'Attempts' }).waitFor();
  await page.getByRole('heading', { name: /^Attempt 1/ }).waitFor();
  await assertAccessible(page, 'delivery');

  await page.getByRole('button', { name: 'Resend' }).click();
  await page.getByRole('status').getByText('Sent again, with the same webhook-id.').waitFor();
  const both = await receiver.waitFor(2, isTest);
  assert.equal(webhookId(both[1]!), webhookId(delivered!), 'a resend keeps the webhook-id');
  assert.equal(both[1]!.body, delivered!.body, 'and the payload');
  await page.getByRole('link', { name: 'See the new delivery' }).click();
  await page.getByRole('heading', { name: 'Delivery of webhook.test', level: 1 }).waitFor();
  await page.getByText(webhookId(delivered!), { exact: true }).waitFor();
});

let pollId = '';

test('on a phone, the bell counts new notices without a reload; the inbox is marked read', async () => {
  await phone.goto(`${env.base}/app/webhooks`);
  await phone.getByRole('button', { name: 'Sign in' }).click();
  await signIn(phone);
  await phone.getByRole('heading', { name: 'Webhooks', level: 1 }).waitFor();
  await phone.getByRole('link', { name: endpointLink() }).waitFor();
  await assertFits(phone, 'the webhooks page');
  await phone.getByRole('link', { name: endpointLink() }).click();
  await phone.getByRole('table', { name: 'Deliveries, newest first' }).waitFor();
  await assertFits(phone, 'the endpoint page');
  await phone.getByRole('table').getByRole('link').first().click();
  await phone.getByRole('heading', { name: 'Delivery of webhook.test', level: 1 }).waitFor();
  await assertFits(phone, 'the delivery page');

  await phone.getByRole('link', { name: 'Notifications', exact: true }).click();
  await phone.getByRole('heading', { name: 'Inbox', level: 1 }).waitFor();
  await phone.getByText('Nothing here yet.').waitFor();
  let navigations = 0;
  phone.on('framenavigated', () => navigations++);

  // At the desk, the organizer drafts a poll, then opens it. (A poll made open at once with "Open
  // for voting" is only `poll.created` with status open: notifications tells nobody it opened.)
  await page.goto(`${env.base}/app/polls/new`);
  await page.getByLabel('Question').fill(QUESTION);
  await page.getByRole('textbox', { name: 'Option 1', exact: true }).fill('Pizza');
  await page.getByRole('textbox', { name: 'Option 2', exact: true }).fill('Salad');
  await page.getByRole('button', { name: 'Save as draft' }).click();
  await page.waitForURL(/\/app\/polls\/(?!new$)[^/]+$/);
  pollId = decodeURIComponent(new URL(page.url()).pathname.split('/').at(-1)!);
  await page.getByRole('button', { name: 'Open now' }).click();
  await page.locator('.poll-meta .badge', { hasText: 'Open' }).waitFor();

  // The endpoint hears of both, signed with its secret.
  const forPoll = (request: Received) => payloadOf(request).data.pollId === pollId;
  const hooks = await receiver.waitFor(2, forPoll);
  assert.deepEqual(hooks.map((request) => payloadOf(request).type).sort(), ['poll.created', 'poll.opened']);
  for (const request of hooks)
    new Webhook(secret).verify(request.body, request.headers as Record<string, string>);

  // The phone's bell follows (its long poll answers as the count changes).
  await phone.getByRole('link', { name: 'Notifications, 1 unread' }).waitFor();
  const poll = (await httpApi(env.base)('GET', `/api/v1/polls/${pollId}`)).body as {
    options: { id: string }[];
  };
  const vote = await httpApi(env.base)('POST', `/api/v1/polls/${pollId}/votes`, {
    headers: { 'voter-token': 'bell-voter' },
    body: { optionIds: [poll.options[0]!.id] },
  });
  assert.equal(vote.status, 201);
  await phone.getByRole('link', { name: 'Notifications, 2 unread' }).waitFor();
  await phone.getByText('New notices arrived.').waitFor();
  await phone.getByRole('button', { name: 'Show them' }).click();
  await phone.getByRole('link', { name: `Unread: “${QUESTION}” is open` }).waitFor();
  await phone.getByRole('link', { name: `Unread: “${QUESTION}” got its first vote` }).waitFor();
  assert.equal(navigations, 0, 'the phone never reloaded');
  await assertAccessible(phone, 'inbox');
  await assertFits(phone, 'the inbox');
  await phone.screenshot({ path: `${SCREENSHOTS}inbox.png`, animations: 'disabled' });

  await phone.getByRole('button', { name: 'Mark all as read' }).click();
  await phone.getByRole('link', { name: 'Notifications', exact: true }).waitFor();
  await phone.getByRole('link', { name: new RegExp(`^“${QUESTION_PATTERN}” is open`) }).waitFor();
  assert.equal(await phone.getByRole('link', { name: /^Unread:/ }).count(), 0);
  await phone.reload();
  await phone.getByRole('link', { name: new RegExp(`^“${QUESTION_PATTERN}” got its first vote`) }).waitFor();
  assert.equal(await phone.getByRole('link', { name: /^Unread:/ }).count(), 0, 'read for good');
  await phone.getByRole('link', { name: 'Notifications', exact: true }).waitFor();
});

test('on the phone, poll mails are switched off in the notification settings', async () => {
  await phone.getByRole('link', { name: 'Notification settings' }).click();
  await phone.getByRole('heading', { name: 'Notification settings', level: 1 }).waitFor();
  const pollMail = phone.getByRole('switch', { name: POLL_MAIL });
  assert.equal(await pollMail.isChecked(), true, 'on until switched off');
  assert.equal(await phone.getByRole('switch').count(), 5);
  await assertAccessible(phone, 'notification settings');
  await assertFits(phone, 'the notification settings');

  await pollMail.uncheck();
  await phone.getByRole('button', { name: 'Save settings' }).click();
  await phone.getByRole('status').getByText('Your notification settings are saved.').waitFor();
  await phone.reload();
  await phone.getByRole('heading', { name: 'Notification settings', level: 1 }).waitFor();
  assert.equal(await phone.getByRole('switch', { name: POLL_MAIL }).isChecked(), false, 'kept off');
  // And on again, for the unsubscribe link to switch off below.
  await phone.getByRole('switch', { name: POLL_MAIL }).check();
  await phone.getByRole('button', { name: 'Save settings' }).click();
  await phone.getByRole('status').getByText('Your notification settings are saved.').waitFor();
});

test('the unsubscribe link in an activity mail switches poll mails off, only once pressed', async () => {
  const subject = new RegExp(`^Your poll is open: ${QUESTION_PATTERN}`);
  await openMail(page, env.base, EMAIL, subject);
  await page.getByRole('region', { name: 'HTML version' }).locator('iframe').waitFor();
  await page.screenshot({ path: `${SCREENSHOTS}mailbox.png`, fullPage: true, animations: 'disabled' });
  // Mail clients get a one-click unsubscribe too (RFC 8058), beside the footer link.
  const stored = mail.mailbox.messages().find((m) => m.to.includes(EMAIL) && subject.test(m.subject));
  assert.match(stored?.headers['list-unsubscribe'] ?? '', /\/api\/v1\/unsubscribe\//);

  const link = textVersion(page).getByRole('link', { name: /\/unsubscribe\?token=/ });
  const href = (await link.getAttribute('href')) ?? '';
  assert.ok(href.startsWith(`${env.base}/unsubscribe?token=`), href);
  await link.click();
  await page.getByRole('heading', { name: 'Unsubscribe from Canvass mails', level: 1 }).waitFor();
  await assertAccessible(page, 'unsubscribe');

  // Opening the link changed nothing (mail scanners open links too).
  await phone.reload();
  await phone.getByRole('heading', { name: 'Notification settings', level: 1 }).waitFor();
  assert.equal(await phone.getByRole('switch', { name: POLL_MAIL }).isChecked(), true);

  await page.getByRole('button', { name: 'Unsubscribe' }).click();
  await page.getByRole('heading', { name: 'You are unsubscribed', level: 1 }).waitFor();
  await page.getByRole('status').waitFor();
  await assertAccessible(page, 'unsubscribed');
  await phone.reload();
  await phone.getByRole('heading', { name: 'Notification settings', level: 1 }).waitFor();
  assert.equal(await phone.getByRole('switch', { name: POLL_MAIL }).isChecked(), false, 'poll mails are off');

  // The page fits a phone too.
  await phone.goto(href);
  await phone.getByRole('heading', { name: 'Unsubscribe from Canvass mails', level: 1 }).waitFor();
  await assertFits(phone, 'the unsubscribe page');
});

test('the endpoint is renamed, gets a new secret (the old one signs too for a while), and is deleted', async () => {
  await page.goto(endpointUrl);
  await page.getByRole('button', { name: 'Edit' }).click();
  const form = page.locator('form', { has: page.getByRole('heading', { name: 'Edit the endpoint' }) });
  await form.getByLabel('Description (optional)').fill('Renamed receiver');
  await form.getByRole('button', { name: 'Save changes' }).click();
  await page.getByRole('heading', { name: 'Renamed receiver', level: 1 }).waitFor();

  page.once('dialog', (dialog) => dialog.accept());
  await page.getByRole('button', { name: 'Rotate secret' }).click();
  const rotated = page.getByRole('region', { name: 'New signing secret' });
  const fresh = await rotated.getByRole('textbox', { name: 'Signing secret' }).inputValue();
  assert.match(fresh, /^whsec_/);
  assert.notEqual(fresh, secret);
  const before = receiver.received.length;
  await page.getByRole('button', { name: 'Send test event' }).click();
  const [request] = (await receiver.waitFor(before + 1)).slice(before);
  const headers = request!.headers as Record<string, string>;
  new Webhook(fresh).verify(request!.body, headers);
  new Webhook(secret).verify(request!.body, headers);

  page.once('dialog', (dialog) => dialog.accept());
  await page.getByRole('button', { name: 'Delete endpoint' }).click();
  await page.waitForURL(`${env.base}/app/webhooks`);
  await page.getByText('This workspace has no webhook endpoints yet.').waitFor();
});
