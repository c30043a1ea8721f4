// The plan page in Chromium against the embedded tier and its in-repo payment provider: a new
// workspace is on Free with its meters and no invoices; over a quota the refusal links to the
// plans; an upgrade to Pro with a test card is followed step by step and leaves an invoice with its
// lines; a declined card for Business says nothing was charged and keeps Pro; a downgrade waits for
// the period's end and is taken back. Each step of the saga is slowed a little, so the page's live
// view of the steps can be seen moving.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { BrowserContext, Page } from 'playwright-core';
import { assertAccessible } from '../support/accessibility.ts';
import { type Api, httpApi } from '../support/api.ts';
import { type BrowserPlatform, PHONE, SCREENSHOTS, startBrowserPlatform } from '../support/browser.ts';
import { type LocalMail, openMail, startLocalMail, textVersion } from '../support/mailbox.ts';

const DESKTOP = { viewport: { width: 1280, height: 860 } };
const EMAIL = 'katherine@example.test';
const PASSWORD = 'a very long password';
/** Each saga step waits this long first: the page (reading every 700 ms) sees the steps one by one. */
const STEP_MS = 600;

let env: BrowserPlatform;
let mail: LocalMail;
let desktop: BrowserContext;
let page: Page;

before(async () => {
  mail = await startLocalMail();
  env = await startBrowserPlatform({
    ...mail.options,
    billing: { orchestrator: { beforeStep: () => sleep(STEP_MS) } },
  });
  desktop = await env.browser.newContext(DESKTOP);
  page = await desktop.newPage();
});

after(async () => {
  await desktop?.close();
  await env?.stop();
  await mail?.close();
});

/** On Canvass's own sign-in page (the provider's interaction), back to where sign-in started. */
async function signIn(on: Page) {
  await on.waitForURL(/\/interaction\//);
  await on.getByLabel('E-mail').fill(EMAIL);
  await on.getByLabel('Password').fill(PASSWORD);
  await on.getByRole('button', { name: 'Sign in' }).click();
}

/** The public API as the organizer signed in on `on` (the web app's own access token). */
async function asOrganizer(
  on: Page,
): Promise<(method: string, url: string, body?: unknown) => ReturnType<Api>> {
  const token = await on.evaluate(
    () => JSON.parse(localStorage.getItem('canvass.session') ?? '{}').accessToken,
  );
  return (method, url, body) =>
    httpApi(env.base)(method, url, {
      headers: { authorization: `Bearer ${token}` },
      ...(body !== undefined ? { body } : {}),
    });
}

const meter = (on: Page, name: string | RegExp) => on.getByRole('meter', { name });
const currentPlan = (on: Page) => on.getByRole('region', { name: 'Current plan' });
const invoices = (on: Page) => on.getByRole('region', { name: 'Invoices' });

async function meterText(on: Page, name: string | RegExp, expected: string) {
  const found = meter(on, name);
  for (let tries = 0; (await found.getAttribute('aria-valuetext')) !== expected; tries++) {
    // Usage is counted from events: the page reads it again, as a person would reload.
    assert.ok(tries < 20, `${name}: ${await found.getAttribute('aria-valuetext')}, not ${expected}`);
    await sleep(250);
    await on.reload();
    await on.getByRole('heading', { name: 'Plan & billing', level: 1 }).waitFor();
  }
}

/** Nothing on the page is wider than the phone's screen. */
async function assertFits(on: Page, what: string) {
  await on.locator('[aria-busy="true"]').first().waitFor({ state: 'detached' });
  const overflow = Number(await on.evaluate('document.documentElement.scrollWidth - innerWidth'));
  assert.ok(overflow <= 0, `${what} is ${overflow}px wider than the phone`);
}

test('a new workspace is on Free, with its usage meters and no invoices yet', async () => {
  await page.goto(`${env.base}/sign-up`);
  await page.getByLabel('Your name').fill('Katherine');
  await page.getByLabel('E-mail').fill(EMAIL);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Create account' }).click();
  await page.getByRole('heading', { name: 'Check your e-mail' }).waitFor();
  await openMail(page, env.base, EMAIL, /Confirm your email/);
  await textVersion(page)
    .getByRole('link', { name: /\/verify-email\?token=/ })
    .click();
  await page.getByRole('button', { name: 'Sign in' }).click();
  await signIn(page);
  await page.getByText('This workspace has no polls yet.').waitFor();

  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Plan & billing' }).click();
  await page.getByRole('heading', { name: 'Plan & billing', level: 1 }).waitFor();
  assert.equal(new URL(page.url()).pathname, '/app/billing');
  assert.equal(await page.title(), 'Plan & billing · Canvass');
  await currentPlan(page).getByText('Free', { exact: true }).waitFor();
  await currentPlan(page).getByText('Active').waitFor();
  await meterText(page, 'Members', '1 of 3 members');
  assert.equal(await meter(page, /^Votes in /).getAttribute('aria-valuetext'), '0 of 5,000 votes');
  assert.equal(await meter(page, 'Open polls').getAttribute('aria-valuetext'), '0 of 3 open polls');
  await page.getByText('A soft limit: votes are never refused').waitFor();

  const plans = page
    .getByRole('region', { name: 'Plans' })
    .getByRole('listitem')
    .filter({ has: page.getByRole('heading') });
  assert.equal(await plans.count(), 3);
  await plans.filter({ hasText: 'Current plan' }).getByRole('heading', { name: /^Free/ }).waitFor();
  await page.getByRole('button', { name: 'Upgrade to Pro' }).waitFor();
  await page.getByRole('button', { name: 'Upgrade to Business' }).waitFor();
  assert.equal(await page.getByRole('button', { name: /^Downgrade/ }).count(), 0, 'nothing below Free');
  await invoices(page).getByText('No invoices yet.').waitFor();
  await assertAccessible(page, 'plan page on Free');
});

test('over a quota the refusal says so and links to the plans', async () => {
  const call = await asOrganizer(page);
  const pollIds: string[] = [];
  for (const question of ['Coffee or tea?', 'Stand-up at 9 or 10?', 'Pizza on Friday?']) {
    const made = await call('POST', '/api/v1/polls', {
      question,
      type: 'single_choice',
      options: [{ label: 'Yes' }, { label: 'No' }],
      status: 'open',
    });
    assert.equal(made.status, 201, JSON.stringify(made.body));
    pollIds.push(made.body.id);
  }
  const poll = (await call('GET', `/api/v1/polls/${pollIds[0]}`)).body as { options: { id: string }[] };
  for (const voter of ['billing-voter-1', 'billing-voter-2', 'billing-voter-3']) {
    const vote = await httpApi(env.base)('POST', `/api/v1/polls/${pollIds[0]}/votes`, {
      headers: { 'voter-token': voter },
      body: { optionIds: [poll.options[0]!.id] },
    });
    assert.equal(vote.status, 201, JSON.stringify(vote.body));
  }

  await page.goto(`${env.base}/app/polls/new`);
  await page.getByLabel('Question').fill('A fourth poll?');
  await page.getByRole('textbox', { name: 'Option 1', exact: true }).fill('Yes');
  await page.getByRole('textbox', { name: 'Option 2', exact: true }).fill('No');
  await page.getByRole('button', { name: 'Open for voting' }).click();
  const refusal = page.getByRole('alert').filter({ hasText: /Pro/ });
  await refusal.waitFor();
  await refusal.getByRole('link', { name: 'See plans' }).click();
  await page.getByRole('heading', { name: 'Plan & billing', level: 1 }).waitFor();
  await meterText(page, 'Open polls', '3 of 3 open polls');
  await meterText(page, /^Votes in /, '3 of 5,000 votes');
});

test('an upgrade to Pro with a test card is followed step by step and leaves an invoice', async () => {
  await page.getByRole('button', { name: 'Upgrade to Pro' }).click();
  const form = page.getByRole('form', { name: 'Upgrade to Pro' });
  await form.getByText('a real deployment shows the provider’s own card form').waitFor();
  const cards = form.getByRole('group', { name: 'Pay with a test card' }).getByRole('radio');
  assert.equal(await cards.count(), 3);
  await form.getByRole('radio', { name: /^Visa test card/ }).check();
  await assertAccessible(page, 'upgrade form');
  await form.getByRole('button', { name: 'Confirm upgrade to Pro' }).click();

  const change = page.getByRole('region', { name: 'Upgrade to Pro' });
  await change.getByRole('status').getByText('Upgrading to Pro…').waitFor();
  // Seen while it runs: the charge done, the rest still to come.
  await change.getByRole('listitem').filter({ hasText: 'Charge the payment method: done' }).waitFor();
  assert.ok(await change.getByText('Working on the next step').isVisible(), 'the steps show as they happen');
  await change.getByRole('status').getByText('You are on Pro now.').waitFor({ timeout: 15_000 });
  for (const step of ['Check the change is allowed', 'Activate the plan', 'Send the receipt'])
    await change
      .getByRole('listitem')
      .filter({ hasText: `${step}: done` })
      .waitFor();

  await currentPlan(page).getByText('Pro', { exact: true }).waitFor();
  await currentPlan(page)
    .getByText(/paid until .*, then renews monthly/)
    .waitFor();
  await currentPlan(page).getByText('Pays with: Visa test card').waitFor();
  // The quota follows the plan (entitlements): three open polls of fifty now.
  await meterText(page, 'Open polls', '3 of 50 open polls');

  const invoice = invoices(page).getByRole('listitem');
  await invoice.first().waitFor();
  assert.equal(await invoice.count(), 1);
  await invoice.getByText('Paid', { exact: true }).waitFor();
  await invoice.getByText('$29.00').first().waitFor();
  await invoice.locator('summary').click();
  const lines = invoice.getByRole('table', { name: /^Lines of invoice / });
  await lines
    .getByRole('row')
    .filter({ hasText: /^Pro plan, / })
    .filter({ hasText: '$29.00' })
    .waitFor();
  await lines.getByRole('row', { name: /Total/ }).getByText('$29.00').waitFor();
});

test('a declined card for Business says nothing was charged, and the workspace stays on Pro', async () => {
  await page.getByRole('button', { name: 'Upgrade to Business' }).click();
  const form = page.getByRole('form', { name: 'Upgrade to Business' });
  await form.getByText('less a credit for the unused part of your Pro month').waitFor();
  await form.getByRole('radio', { name: /^Declined test card/ }).check();
  await form.getByRole('button', { name: 'Confirm upgrade to Business' }).click();

  const change = page.getByRole('region', { name: 'Upgrade to Business' });
  const failure = change.getByRole('alert');
  await failure.getByText('The upgrade to Business did not go through.').waitFor({ timeout: 15_000 });
  await failure.getByText('Your card was declined.').waitFor();
  await failure.getByText('You were not charged, and the workspace is still on Pro.').waitFor();
  await change
    .getByRole('listitem')
    .filter({ hasText: 'Charge the payment method: this is where it went wrong' })
    .waitFor();
  await change.getByRole('listitem').filter({ hasText: 'Release the reservation' }).waitFor();

  await currentPlan(page).getByText('Pro', { exact: true }).waitFor();
  // The reserved invoice is void; the paid one stays.
  const listed = invoices(page).getByRole('listitem');
  await listed.filter({ hasText: 'Void' }).waitFor();
  assert.equal(await listed.count(), 2);
  assert.equal(await listed.filter({ hasText: 'Paid' }).count(), 1);
  // The provider's own ledger agrees: one charge went through, Pro's.
  const succeeded = env.platform.payments!.control.ledger().charges.filter((c) => c.status === 'succeeded');
  assert.deepEqual(
    succeeded.map((c) => c.amount),
    [2_900],
  );
  await assertAccessible(page, 'declined upgrade');
});

test('a downgrade waits for the end of the period and can be taken back', async () => {
  let asked = '';
  page.once('dialog', (dialog) => {
    asked = dialog.message();
    void dialog.accept();
  });
  await page.getByRole('button', { name: 'Downgrade to Free' }).click();
  await currentPlan(page)
    .getByText(/^Moves to Free on /)
    .waitFor();
  assert.match(asked, /at the end of the paid period/);
  assert.match(asked, /you keep Pro for the time paid/);
  await page
    .getByRole('region', { name: 'Plans' })
    .getByText(/^Starts /)
    .waitFor();
  await currentPlan(page).getByText('Pro', { exact: true }).waitFor();
  await assertAccessible(page, 'downgrade pending');
  await page.screenshot({ path: `${SCREENSHOTS}billing.png`, fullPage: true, animations: 'disabled' });

  await currentPlan(page).getByRole('button', { name: 'Keep Pro' }).click();
  await currentPlan(page)
    .getByText(/then renews monthly/)
    .waitFor();
  assert.equal(
    await currentPlan(page)
      .getByText(/^Moves to/)
      .count(),
    0,
  );
  await page.reload();
  await currentPlan(page)
    .getByText(/then renews monthly/)
    .waitFor();
  assert.equal(await page.getByText(/^Starts /).count(), 0, 'kept for good');
});

test('on a phone the plan page fits the screen', async () => {
  const phoneContext = await env.browser.newContext(PHONE);
  try {
    const phone = await phoneContext.newPage();
    await phone.goto(`${env.base}/app/billing`);
    await phone.getByRole('button', { name: 'Sign in' }).click();
    await signIn(phone);
    await phone.getByRole('heading', { name: 'Plan & billing', level: 1 }).waitFor();
    await currentPlan(phone).getByText('Pro', { exact: true }).waitFor();
    await invoices(phone).getByRole('listitem').first().locator('summary').click();
    await invoices(phone).getByRole('table').first().waitFor();
    await assertFits(phone, 'the plan page');
    await assertAccessible(phone, 'plan page on a phone');
    // The top of the page: the plan, the last change and the meters.
    await phone.evaluate('scrollTo(0, 0)');
    await phone.screenshot({ path: `${SCREENSHOTS}billing-phone.png`, animations: 'disabled' });
  } finally {
    await phoneContext.close();
  }
});
