// The organizer's side in Chromium against the embedded tier: sign up (the confirmation link from
// the mail, read in the local mailbox at /mailbox), sign in through Canvass's OIDC provider (authorization code + PKCE), create a poll of
// every type and open it, watch the presenter view move without a reload as votes arrive, read
// the analytics, make an API key, invite a member and switch to a new workspace.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { after, before, test } from 'node:test';
import type { BrowserContext, Page } from 'playwright-core';
import { assertAccessible } from '../support/accessibility.ts';
import { httpApi } from '../support/api.ts';
import { type BrowserPlatform, SCREENSHOTS, startBrowserPlatform } from '../support/browser.ts';
import { onPlan } from '../support/entitlements.ts';
import { type LocalMail, openMail, startLocalMail, textVersion } from '../support/mailbox.ts';

const DESKTOP = { viewport: { width: 1280, height: 860 } };
const EMAIL = 'ada@example.test';
const GRACE = 'grace@example.test';
const PASSWORD = 'a very long password';

let env: BrowserPlatform;
let mail: LocalMail;
let context: BrowserContext;
let page: Page;
let graceContext: BrowserContext | undefined;

before(async () => {
  mail = await startLocalMail();
  env = await startBrowserPlatform(mail.options);
  context = await env.browser.newContext(DESKTOP);
  page = await context.newPage();
});

after(async () => {
  await context?.close();
  await env?.stop();
  await mail?.close();
});

/**
 * Signs up on /sign-up, then confirms as a person would: the newest confirmation mail to the
 * address in the local mailbox (/mailbox), and the link in its text version.
 */
async function signUp(on: Page, name: string, email: string, check = false) {
  await on.goto(`${env.base}/sign-up`);
  await on.getByLabel('Your name').fill(name);
  await on.getByLabel('E-mail').fill(email);
  await on.getByLabel('Password').fill(PASSWORD);
  if (check) await assertAccessible(on, 'sign-up');
  await on.getByRole('button', { name: 'Create account' }).click();
  await on.getByRole('heading', { name: 'Check your e-mail' }).waitFor();
  await openMail(on, env.base, email, /Confirm your email/, { check });
  await textVersion(on)
    .getByRole('link', { name: /\/verify-email\?token=/ })
    .click();
  await on.getByRole('heading', { name: 'Your address is confirmed' }).waitFor();
}

/** On Canvass's own sign-in page (the provider's interaction): straight back, no consent step. */
async function signIn(on: Page, email: string, password = PASSWORD, check = false) {
  await on.waitForURL(/\/interaction\//);
  if (check) await assertAccessible(on, 'sign-in');
  await on.getByLabel('E-mail').fill(email);
  await on.getByLabel('Password').fill(password);
  await on.getByRole('button', { name: 'Sign in' }).click();
}

async function pollIdOnPage(): Promise<string> {
  await page.waitForURL(/\/app\/polls\/(?!new$)[^/]+$/);
  return decodeURIComponent(new URL(page.url()).pathname.split('/').at(-1)!);
}

test('an organizer signs up, confirms the address and signs in with PKCE', async () => {
  await signUp(page, 'Ada', EMAIL, true);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await signIn(page, EMAIL, PASSWORD, true);
  await page.getByRole('heading', { name: 'Polls' }).waitFor();
  assert.equal(new URL(page.url()).pathname, '/app');
  await page.getByText('This workspace has no polls yet.').waitFor();
  await assertAccessible(page, 'empty poll list');
  const session = await page.evaluate(() => JSON.parse(localStorage.getItem('canvass.session') ?? 'null'));
  assert.equal(session.role, 'owner', 'the access token carries the owner role');
  assert.ok(session.refreshToken, 'a refresh token is kept');
});

const POLLS = [
  { type: 'Single choice', question: 'Which talk was best?', options: ['Keynote', 'Workshop', 'Panel'] },
  {
    type: 'Multiple choice',
    question: 'Which snacks should we order?',
    options: ['Fruit', 'Cookies', 'Nuts'],
  },
  { type: 'Rating', question: 'Rate the venue', options: [] },
  { type: 'Net Promoter Score', question: 'Would you recommend this event?', options: [] },
  { type: 'Ranking', question: 'Rank the topics', options: ['Testing', 'Security', 'Design'] },
  { type: 'Open text', question: 'What should we improve?', options: [] },
];
const created = new Map<string, string>();

test('the organizer creates a poll of every type and opens it', async () => {
  // Six open polls: more than Free allows (the plan page's upgrade is tests/browser/billing.test.ts).
  const workspace = await page.evaluate(
    () => JSON.parse(localStorage.getItem('canvass.session') ?? '{}').workspace,
  );
  await onPlan(env.platform, workspace, 'pro');
  for (const poll of POLLS) {
    await page.getByRole('link', { name: 'Polls', exact: true }).click();
    await page
      .getByRole('link', { name: /New poll|Create your first poll/ })
      .first()
      .click();
    await page.getByRole('heading', { name: 'New poll' }).waitFor();
    await page.getByLabel('Question').fill(poll.question);
    await page.getByRole('radio', { name: new RegExp(`^${poll.type}`) }).check();
    for (const [i, label] of poll.options.entries()) {
      if (i >= 2) await page.getByRole('button', { name: '+ Add an option' }).click();
      await page.getByRole('textbox', { name: `Option ${i + 1}`, exact: true }).fill(label);
    }
    // The preview is the voter's own ballot, following what is typed.
    const preview = page.getByRole('complementary', { name: 'Preview' });
    await preview.getByText(poll.question).waitFor();
    for (const label of poll.options) await preview.getByText(label, { exact: true }).first().waitFor();
    if (poll.type === 'Ranking') {
      await assertAccessible(page, 'poll editor');
      await page.evaluate('scrollTo(0, 0)');
      await page.screenshot({ path: `${SCREENSHOTS}organizer-editor.png`, animations: 'disabled' });
    }
    await page.getByRole('button', { name: 'Open for voting' }).click();
    const id = await pollIdOnPage();
    await page.getByRole('heading', { name: poll.question }).waitFor();
    await page.locator('.poll-meta .badge', { hasText: 'Open' }).waitFor();
    created.set(poll.type, id);
  }
  const api = httpApi(env.base);
  for (const [type, id] of created) {
    const answer = await api('GET', `/api/v1/polls/${id}`);
    assert.equal(answer.status, 200);
    assert.equal((answer.body as { status: string }).status, 'open', `${type} is open`);
  }

  await page.getByRole('link', { name: 'Polls', exact: true }).click();
  for (const poll of POLLS) await page.getByText(poll.question).waitFor();
  assert.equal(await page.locator('.poll-list li').count(), POLLS.length);
});

test('the presenter view moves as votes arrive, without a reload', async () => {
  const id = created.get('Single choice')!;
  const api = httpApi(env.base);
  const poll = (await api('GET', `/api/v1/polls/${id}`)).body as { options: { id: string }[] };

  const presenter = await context.newPage();
  await presenter.setViewportSize({ width: 1600, height: 900 });
  await presenter.goto(`${env.base}/app/polls/${id}/present`);
  await presenter.getByRole('heading', { name: 'Which talk was best?' }).waitFor();
  await presenter.getByTestId('total-votes').filter({ hasText: '0 votes' }).waitFor();
  await presenter.getByText('Live', { exact: true }).waitFor();
  let navigations = 0;
  presenter.on('framenavigated', () => navigations++);

  const picks = [0, 0, 1, 2, 0];
  for (const [i, pick] of picks.entries()) {
    const vote = await api('POST', `/api/v1/polls/${id}/votes`, {
      headers: { 'voter-token': `presenter-voter-${i}` },
      body: { optionIds: [poll.options[pick]!.id] },
    });
    assert.equal(vote.status, 201);
  }
  await presenter.getByTestId('total-votes').filter({ hasText: '5 votes' }).waitFor();
  await presenter.getByText('60%').waitFor();
  await presenter
    .getByTestId('viewers')
    .filter({ hasText: /\d+ watching/ })
    .waitFor();
  assert.equal(navigations, 0, 'the presenter page never reloaded');
  // The results can stay covered until the reveal: a button, or H on the keyboard.
  await presenter.getByRole('button', { name: 'Hide results' }).click();
  await presenter.getByText('Results are hidden until you show them.').waitFor();
  await presenter.keyboard.press('h');
  await presenter.getByText('60%').waitFor();
  await assertAccessible(presenter, 'presenter');
  await presenter.screenshot({ path: `${SCREENSHOTS}presenter.png`, animations: 'disabled' });
  await presenter.close();

  // The poll's own page: live results, the share panel with its QR code, analytics with the chart.
  await page.goto(`${env.base}/app/polls/${id}`);
  await page.getByRole('img', { name: /^QR code for / }).waitFor();
  const embed = await page.getByLabel('Embed on a website').inputValue();
  assert.match(embed, new RegExp(`<iframe src="${env.base}/embed/${id}"`));
  await page.getByRole('heading', { name: 'Analytics' }).waitFor();
  await page.locator('.chart canvas').first().waitFor();
  await page.getByRole('row', { name: /Direct link 5/ }).waitFor();
  await assertAccessible(page, 'poll page');
  await page.screenshot({ path: `${SCREENSHOTS}organizer-poll.png`, fullPage: true, animations: 'disabled' });

  await page.getByRole('link', { name: 'Polls', exact: true }).click();
  await page.locator('.poll-list li', { hasText: 'Which talk was best?' }).getByText('5 votes').waitFor();
  await assertAccessible(page, 'poll list');
  await page.screenshot({ path: `${SCREENSHOTS}organizer-polls.png`, animations: 'disabled' });
  // Dark mode follows the system, here too.
  await page.emulateMedia({ colorScheme: 'dark' });
  await assertAccessible(page, 'poll list, dark');
  await page.screenshot({ path: `${SCREENSHOTS}organizer-polls-dark.png`, animations: 'disabled' });
  await page.emulateMedia({ colorScheme: 'light' });
});

test('the organizer closes a poll from its page; its presenter view follows', async () => {
  const id = created.get('Rating')!;
  const presenter = await context.newPage();
  await presenter.goto(`${env.base}/app/polls/${id}/present`);
  await presenter.getByText('Vote at').waitFor();
  await page.goto(`${env.base}/app/polls/${id}`);
  page.once('dialog', (dialog) => dialog.accept());
  await page.getByRole('button', { name: 'Close voting' }).click();
  await page.locator('.poll-meta .badge', { hasText: 'Closed' }).waitFor();
  const answer = await httpApi(env.base)('GET', `/api/v1/polls/${id}`);
  assert.equal((answer.body as { status: string }).status, 'closed');
  await presenter.getByText('Voting has closed.').waitFor();
  await presenter.close();
});

test('a scheduled poll is edited, opened on demand, and its votes exported', async () => {
  await page.getByRole('link', { name: 'Polls', exact: true }).click();
  await page.getByRole('link', { name: 'New poll' }).click();
  await page.getByLabel('Question').fill('Where next year?');
  await page.getByRole('textbox', { name: 'Option 1', exact: true }).fill('Lisbon');
  await page.getByRole('textbox', { name: 'Option 2', exact: true }).fill('Oslo');
  const tomorrow = new Date(Date.now() + 86_400_000);
  const local = new Date(tomorrow.getTime() - tomorrow.getTimezoneOffset() * 60_000)
    .toISOString()
    .slice(0, 16);
  await page.getByLabel('Opens').fill(local);
  await page.getByRole('button', { name: 'Schedule' }).click();
  const id = await pollIdOnPage();
  await page.locator('.poll-meta .badge', { hasText: 'Scheduled' }).waitFor();
  await page
    .getByText(/opens /)
    .first()
    .waitFor();

  await page.getByRole('link', { name: 'Edit' }).click();
  await page.getByLabel('Question').fill('Where shall we meet next year?');
  await page.getByRole('button', { name: 'Save changes' }).click();
  await page.getByRole('heading', { name: 'Where shall we meet next year?' }).waitFor();
  await page.getByRole('button', { name: 'Open now' }).click();
  await page.locator('.poll-meta .badge', { hasText: 'Open' }).waitFor();

  const api = httpApi(env.base);
  const poll = (await api('GET', `/api/v1/polls/${id}`)).body as { options: { id: string }[] };
  const vote = await api('POST', `/api/v1/polls/${id}/votes`, {
    headers: { 'voter-token': 'export-voter' },
    body: { optionIds: [poll.options[1]!.id] },
  });
  assert.equal(vote.status, 201);
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.getByRole('button', { name: 'Export CSV' }).click(),
  ]);
  assert.equal(download.suggestedFilename(), `poll-${id}.csv`);
  const csv = await readFile(await download.path(), 'utf8');
  assert.match(csv, /Oslo/, 'the exported vote names its answer');
});

test('open-text answers wait for the organizer, who approves them on the poll page', async () => {
  const id = created.get('Open text')!;
  await page.goto(`${env.base}/app/polls/${id}`);
  await page.getByRole('heading', { name: 'Answers waiting for you' }).waitFor();
  await page.getByText('Nothing to approve.').waitFor();
  const answer = await httpApi(env.base)('POST', `/api/v1/polls/${id}/votes`, {
    headers: { 'voter-token': 'text-voter' },
    body: { text: 'More coffee breaks' },
  });
  assert.equal(answer.status, 201);
  // The live count of waiting answers brings it in without a reload.
  const waiting = page.locator('.answer', { hasText: 'More coffee breaks' });
  await waiting.waitFor();
  await waiting.getByRole('button', { name: 'Approve' }).click();
  await page.getByText('Nothing to approve.').waitFor();
  // Approved, it shows among the poll's latest answers (the live results).
  await page.locator('ul.answers li', { hasText: 'More coffee breaks' }).waitFor();
});

test('API keys are made, shown once, work, and are revoked', async () => {
  await page.getByRole('link', { name: 'API keys' }).click();
  await page.getByLabel('Name').fill('Reporting script');
  await page.getByRole('button', { name: 'Create key' }).click();
  const key = await page.getByLabel('New API key').inputValue();
  assert.match(key, /^cvk_/);
  await assertAccessible(page, 'API keys');
  const api = httpApi(env.base);
  const listed = await api('GET', '/api/v1/polls', { headers: { authorization: `Bearer ${key}` } });
  assert.equal(listed.status, 200, 'the new key reads the workspace’s polls');
  page.once('dialog', (dialog) => dialog.accept());
  await page
    .getByRole('row', { name: /Reporting script/ })
    .getByRole('button', { name: 'Revoke' })
    .click();
  await page
    .getByRole('row', { name: /Reporting script/ })
    .getByText(/^Revoked/)
    .waitFor();
});

test('members: an invitation link, and a second workspace in the switcher', async () => {
  await page.getByRole('link', { name: 'Members' }).click();
  await page.getByRole('row', { name: /Ada/ }).waitFor();
  await page.getByLabel('Role', { exact: true }).selectOption('editor');
  await page.getByRole('button', { name: 'Create invitation' }).click();
  const invitation = await page.getByLabel(/^Invitation link/).inputValue();
  assert.match(invitation, /\/invite\?token=/);
  await assertAccessible(page, 'members');

  // Someone new opens the link: they sign up, sign in, and join as an editor.
  const grace = await (await env.browser.newContext(DESKTOP)).newPage();
  await signUp(grace, 'Grace', GRACE);
  await grace.goto(invitation);
  await grace.getByRole('button', { name: 'Sign in' }).click();
  await signIn(grace, GRACE);
  await grace.getByRole('heading', { name: 'You joined the workspace' }).waitFor();
  await grace.getByRole('link', { name: 'Go to your polls' }).click();
  await grace.getByText('Which talk was best?').waitFor();
  assert.equal(await grace.getByRole('link', { name: 'API keys' }).count(), 0, 'an editor manages no keys');
  await grace.getByRole('link', { name: 'New poll' }).waitFor();
  await page.reload();
  await page.getByRole('row', { name: /Grace/ }).getByRole('combobox').waitFor();
  assert.equal(await page.getByRole('combobox', { name: 'Role of Grace' }).inputValue(), 'editor');
  graceContext = grace.context();

  const menu = page.getByRole('button', { name: /^Workspace:/ });
  await menu.click();
  await page.getByRole('button', { name: '+ New workspace' }).click();
  await page.getByLabel('Name of the new workspace').fill('Conference team');
  await page.getByRole('button', { name: 'Create workspace' }).click();
  await page.getByText('This workspace has no polls yet.').waitFor();
  await page.getByRole('button', { name: /^Workspace:\s*Conference team/ }).waitFor();
  type Kept = { workspace: string; accessToken: string };
  const kept = async () =>
    (await page.evaluate('JSON.parse(localStorage.getItem("canvass.session"))')) as Kept;
  const { workspace, accessToken } = await kept();

  // A silent refresh (the access token about to run out) stays in the workspace switched to.
  await page.evaluate(
    'localStorage.setItem("canvass.session", JSON.stringify({ ...JSON.parse(localStorage.getItem("canvass.session")), expiresAt: 0 }))',
  );
  await page.reload();
  await page.getByText('This workspace has no polls yet.').waitFor();
  const refreshed = await kept();
  assert.notEqual(refreshed.accessToken, accessToken, 'a new access token');
  assert.equal(refreshed.workspace, workspace, 'still the workspace switched to');

  // Back to the first workspace: its polls are there again.
  await menu.click();
  await page.getByRole('button', { name: /Ada's workspace/ }).click();
  await page.getByText('Which talk was best?').waitFor();
});

test('the organizer pages fit a phone: nothing wider than the screen', async () => {
  await page.setViewportSize({ width: 390, height: 844 });
  for (const path of [
    '/app',
    `/app/polls/${created.get('Single choice')}`,
    '/app/polls/new',
    '/app/keys',
    '/app/members',
  ]) {
    await page.goto(`${env.base}${path}`);
    await page.locator('main h1').first().waitFor();
    await page.locator('[aria-busy="true"]').first().waitFor({ state: 'detached' });
    const overflow = Number(await page.evaluate('document.documentElement.scrollWidth - innerWidth'));
    assert.ok(overflow <= 0, `${path} is ${overflow}px wider than the phone`);
  }
  await page.goto(`${env.base}/app/polls/${created.get('Single choice')}`);
  await page.getByRole('img', { name: /^QR code for / }).waitFor();
  await page.screenshot({ path: `${SCREENSHOTS}organizer-phone.png`, animations: 'disabled' });
  await page.setViewportSize(DESKTOP.viewport);
});

test('signing in comes back only to Canvass pages', async () => {
  await page.goto(`${env.base}/sign-in?returnTo=${encodeURIComponent('//example.org/phish')}`);
  await page.waitForURL(`${env.base}/app`);
  await page.goto(`${env.base}/sign-in?returnTo=${encodeURIComponent('/app/keys')}`);
  await page.waitForURL(`${env.base}/app/keys`);
  await page.getByRole('heading', { name: 'API keys' }).waitFor();
});

test('account: a new password works at the next sign-in; deleting an account takes it out of the workspace', async () => {
  const grace = graceContext!.pages()[0]!;
  await grace.getByRole('link', { name: /Grace/ }).click();
  await grace.getByRole('heading', { name: 'Your account', exact: true }).waitFor();
  await grace.getByLabel('Current password').fill(PASSWORD);
  await grace.getByLabel('New password').fill('another long password');
  await grace.getByRole('button', { name: 'Change password' }).click();
  await grace.getByText('Your password is changed.').waitFor();
  await assertAccessible(grace, 'account');

  // The change ended every session of the account, the provider's too: signing out goes straight
  // to the signed-out page (with a session left, the provider would ask to confirm first).
  await grace.getByRole('button', { name: 'Sign out' }).click();
  await grace.getByRole('heading', { name: 'You are signed out' }).waitFor();
  await grace.goto(`${env.base}/app/account`);
  await grace.getByRole('button', { name: 'Sign in' }).click();
  await signIn(grace, GRACE, 'another long password');
  await grace.getByRole('heading', { name: 'Your account', exact: true }).waitFor();

  await grace.getByLabel('Your password, to confirm').fill('another long password');
  grace.once('dialog', (dialog) => dialog.accept());
  await grace.getByRole('button', { name: 'Delete my account' }).click();
  await grace.waitForURL(/\/oidc\/session\/end/);
  await page.goto(`${env.base}/app/members`);
  await page.getByRole('row', { name: /Ada/ }).waitFor();
  assert.equal(await page.getByRole('row', { name: /Grace/ }).count(), 0, 'Grace left with her account');
  await graceContext!.close();
});

test('a poll page shows its history', async () => {
  await page.goto(`${env.base}/app/polls/${created.get('Rating')}`);
  await page.getByText('History').click();
  await page.getByText('Created').waitFor();
  await page.getByText('Closed; the results are final').waitFor();
});
