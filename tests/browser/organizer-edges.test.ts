// Rough edges a new organizer hit, in Chromium against the embedded tier: a guest finds, closes
// and later claims the polls this browser made; the sign-in page looks like the app; the
// votes-per-minute axis spans minutes when every vote fell in one; the editor never clamps or
// defaults behind the organizer's back and shows locked fields as locked; the presenter's open-text
// view fits 1600×900 without the moderation count; an embed takes the height it posts; a closed
// poll says it stays closed and is duplicated into a new one; Delete erases a poll once confirmed.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { BrowserContext, Page } from 'playwright-core';
import { assertAccessible } from '../support/accessibility.ts';
import { httpApi } from '../support/api.ts';
import { type BrowserPlatform, SCREENSHOTS, startBrowserPlatform } from '../support/browser.ts';
import { onPlan } from '../support/entitlements.ts';
import { type LocalMail, openMail, startLocalMail, textVersion } from '../support/mailbox.ts';

// biome-ignore lint/suspicious/noExplicitAny: tests read whatever JSON came back.
type Json = any;

const DESKTOP = { viewport: { width: 1280, height: 860 } };
const EMAIL = 'grace.edges@example.test';
const PASSWORD = 'a very long password';

let env: BrowserPlatform;
let mail: LocalMail;
let context: BrowserContext;
let page: Page;

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

/** The public API as the organizer signed in on `page` (the web app's own access token). */
async function asOrganizer(method: string, url: string, body?: unknown) {
  const token = await page.evaluate(
    () => JSON.parse(localStorage.getItem('canvass.session') ?? '{}').accessToken,
  );
  return httpApi(env.base)(method, url, {
    headers: { authorization: `Bearer ${token}` },
    ...(body !== undefined ? { body } : {}),
  });
}

async function createPoll(body: Record<string, unknown>): Promise<Json> {
  const created = await asOrganizer('POST', '/api/v1/polls', body);
  assert.equal(created.status, 201, JSON.stringify(created.body));
  return created.body;
}

async function vote(pollId: string, body: Record<string, unknown>) {
  const answer = await httpApi(env.base)('POST', `/api/v1/polls/${pollId}/votes`, {
    body,
    headers: { 'voter-token': `organizer-edge-${crypto.randomUUID()}` },
  });
  assert.equal(answer.status, 201, JSON.stringify(answer.body));
  return answer.body;
}

async function createGuestPoll(question: string) {
  await page.getByLabel('Question').fill(question);
  await page.getByLabel('Option 1', { exact: true }).fill('Yes');
  await page.getByLabel('Option 2', { exact: true }).fill('No');
  await page.getByRole('button', { name: 'Create poll' }).click();
  await page.getByLabel('Share this link with your voters').waitFor();
}

test('a guest finds and closes the polls this browser made, then moves one into a new workspace', async () => {
  await page.goto(`${env.base}/`);
  await createGuestPoll('Guest lunch?');
  await page.getByRole('button', { name: 'Create another poll' }).click();
  await createGuestPoll('Guest dinner?');

  await page.goto(`${env.base}/`);
  const mine = page.getByRole('region', { name: 'Your polls' });
  const lunch = mine.getByRole('listitem').filter({ hasText: 'Guest lunch?' });
  await lunch.getByText('Open').waitFor();
  await mine.getByRole('link', { name: 'Guest dinner?' }).waitFor();
  page.once('dialog', (dialog) => dialog.accept());
  await lunch.getByRole('button', { name: 'Close voting' }).click();
  await lunch.getByText('Closed').waitFor();
  await mine.getByText('“Guest lunch?” is closed.').waitFor();
  await assertAccessible(page, 'landing page with the guest’s polls');

  // The guest signs up; this browser still knows the polls.
  await page.goto(`${env.base}/sign-up`);
  await page.getByLabel('Your name').fill('Grace');
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

  // Canvass's own sign-in page looks like the rest of the app: its colours, fields and buttons.
  await page.waitForURL(/\/interaction\//);
  const submit = page.getByRole('button', { name: 'Sign in' });
  assert.equal(
    await page.evaluate('getComputedStyle(document.querySelector("form.sign-in button")).backgroundColor'),
    'rgb(59, 79, 216)',
  );
  assert.equal(await page.evaluate('getComputedStyle(document.getElementById("email")).borderRadius'), '8px');
  await page.getByRole('link', { name: 'Canvass' }).waitFor();
  await assertAccessible(page, 'sign-in page');
  await page.screenshot({ path: `${SCREENSHOTS}sign-in.png`, animations: 'disabled' });
  await page.getByLabel('E-mail').fill(EMAIL);
  await page.getByLabel('Password').fill(PASSWORD);
  await submit.click();

  await page.getByRole('heading', { name: 'Polls', exact: true }).waitFor();
  const guest = page.getByRole('region', { name: 'Polls you made as a guest' });
  const dinner = guest.getByRole('listitem').filter({ hasText: 'Guest dinner?' });
  await dinner.getByRole('button', { name: 'Move into this workspace' }).click();
  await guest.getByText('“Guest dinner?” is now in this workspace.').waitFor();
  await page.locator('.poll-list li', { hasText: 'Guest dinner?' }).waitFor();
  assert.equal(
    await guest.getByRole('listitem').filter({ hasText: 'Guest dinner?' }).count(),
    0,
    'no longer listed as a guest poll',
  );
  // More open polls than Free allows follow (the plan page is tests/browser/billing.test.ts).
  const workspace = await page.evaluate(
    () => JSON.parse(localStorage.getItem('canvass.session') ?? '{}').workspace,
  );
  await onPlan(env.platform, workspace, 'pro');
  await assertAccessible(page, 'poll list with guest polls');
});

test('votes per minute: all in one minute, the time axis spans minutes, not years', async () => {
  const poll = await createPoll({
    question: 'One busy minute?',
    options: [{ label: 'Yes' }, { label: 'No' }],
  });
  for (let i = 0; i < 3; i++) await vote(poll.id, { optionIds: [poll.options[i % 2].id] });
  await page.goto(`${env.base}/app/polls/${poll.id}`);
  const chart = page.locator('.chart[data-span]');
  await chart.waitFor();
  await page.getByRole('img', { name: 'Votes per minute: 3 votes in 1 minute' }).waitFor();
  const span = (await chart.getAttribute('data-span')) ?? '';
  const minutes = Number(/\((\d+) minutes\)/.exec(span)?.[1]);
  assert.ok(minutes >= 30 && minutes <= 32, `the axis spans half an hour, got ${span}`);
});

test('the editor: most choices follows the options until chosen; an out-of-range scale is refused, not clamped; locked fields look locked', async () => {
  await page.goto(`${env.base}/app/polls/new`);
  await page.getByLabel('Question').fill('Which snacks?');
  await page.getByRole('radio', { name: /^Multiple choice/ }).check();
  const labels = ['Fruit', 'Cookies', 'Nuts', 'Crisps'];
  for (const [i, label] of labels.entries()) {
    if (i >= 2) await page.getByRole('button', { name: '+ Add an option' }).click();
    await page.getByRole('textbox', { name: `Option ${i + 1}`, exact: true }).fill(label);
  }
  assert.equal(
    await page.getByLabel('Most choices').inputValue(),
    '4',
    'every option, until the organizer says',
  );
  await page.getByLabel('Most choices').fill('2');
  await page.getByRole('button', { name: '+ Add an option' }).click();
  await page.getByRole('textbox', { name: 'Option 5', exact: true }).fill('Dates');
  assert.equal(await page.getByLabel('Most choices').inputValue(), '2', 'a chosen number stays');

  await page.getByRole('radio', { name: /^Rating/ }).check();
  await page.getByLabel('to', { exact: true }).fill('15');
  assert.equal(await page.getByLabel('to', { exact: true }).inputValue(), '15', 'kept as typed');
  assert.equal(await page.getByLabel('to', { exact: true }).getAttribute('aria-invalid'), 'true');
  await page.getByRole('button', { name: 'Open for voting' }).click();
  await page
    .getByRole('alert')
    .getByText('A rating scale runs from 0 to 10 at most: 15 is outside it.')
    .waitFor();
  assert.match(page.url(), /\/app\/polls\/new$/, 'nothing was created');

  // A poll with votes: its options and rules are locked, and look it; the question still changes.
  const poll = await createPoll({
    question: 'Tea or coffee?',
    options: [{ label: 'Tea' }, { label: 'Coffee' }],
  });
  await vote(poll.id, { optionIds: [poll.options[0].id] });
  await page.goto(`${env.base}/app/polls/${poll.id}/edit`);
  await page.getByText(/This poll has votes, so its options and voting rules are locked/).waitFor();
  assert.ok(await page.getByRole('textbox', { name: 'Option 1', exact: true }).isDisabled());
  assert.ok(await page.getByLabel('Who can vote').isDisabled());
  assert.ok(
    await page.getByLabel('Voters may change or withdraw their vote while the poll is open').isDisabled(),
  );
  assert.equal(await page.getByRole('button', { name: '+ Add an option' }).isDisabled(), true);
  assert.ok(await page.getByLabel('Question').isEnabled());
  assert.ok(await page.getByLabel('Who sees the results').isEnabled());
  await assertAccessible(page, 'editor of a poll with votes');
  await page.getByLabel('Question').fill('Tea, coffee, or both?');
  await page.getByRole('button', { name: 'Save changes' }).click();
  await page.getByRole('heading', { name: 'Tea, coffee, or both?' }).waitFor();
});

test('a closed poll says its results are final, and Duplicate starts a new poll with its options and settings', async () => {
  const poll = await createPoll({
    question: 'Where shall we have lunch?',
    options: [{ label: 'Noodle bar' }, { label: 'Canteen' }, { label: 'Picnic' }],
    settings: { allowVoteChange: true, resultsVisibility: 'after_vote' },
  });
  await vote(poll.id, { optionIds: [poll.options[2].id] });
  assert.equal((await asOrganizer('POST', `/api/v1/polls/${poll.id}/close`)).status, 200);

  await page.goto(`${env.base}/app/polls/${poll.id}`);
  await page.getByText(/Voting has closed and these results are final/).waitFor();
  await page.getByRole('link', { name: 'Duplicate' }).click();
  await page.getByText(/A copy of “Where shall we have lunch\?”/).waitFor();
  assert.equal(await page.getByLabel('Question').inputValue(), 'Where shall we have lunch?');
  for (const [i, label] of ['Noodle bar', 'Canteen', 'Picnic'].entries()) {
    assert.equal(
      await page.getByRole('textbox', { name: `Option ${i + 1}`, exact: true }).inputValue(),
      label,
    );
  }
  await assertAccessible(page, 'a new poll copied from a closed one');
  await page.getByLabel('Question').fill('Where shall we have lunch on Friday?');
  await page.getByRole('button', { name: 'Open for voting' }).click();
  await page.getByRole('heading', { name: 'Where shall we have lunch on Friday?' }).waitFor();

  const copyId = decodeURIComponent(/\/app\/polls\/([^/?]+)$/.exec(page.url())![1]!);
  assert.notEqual(copyId, poll.id);
  const copy = (await asOrganizer('GET', `/api/v1/polls/${copyId}`)).body;
  assert.equal(copy.status, 'open');
  assert.deepEqual(
    copy.options.map((option: { label: string }) => option.label),
    ['Noodle bar', 'Canteen', 'Picnic'],
  );
  assert.equal(copy.settings.allowVoteChange, true);
  assert.equal(copy.settings.resultsVisibility, 'after_vote');
  const original = (await asOrganizer('GET', `/api/v1/polls/${poll.id}`)).body;
  assert.equal(original.status, 'closed', 'the original stays closed');
  assert.equal(original.question, 'Where shall we have lunch?');
});

test('Delete, once confirmed, erases a poll: the list says so and no longer has it; its link says it was deleted', async () => {
  const poll = await createPoll({
    question: 'Which room for the retro?',
    options: [{ label: 'Aquarium' }, { label: 'Library' }],
  });
  await vote(poll.id, { optionIds: [poll.options[0].id] });
  await page.goto(`${env.base}/app/polls/${poll.id}`);
  await page.getByRole('heading', { name: 'Which room for the retro?' }).waitFor();

  // Dismissed, nothing happens.
  let asked = '';
  page.once('dialog', (dialog) => {
    asked = dialog.message();
    void dialog.dismiss();
  });
  await page.getByRole('button', { name: 'Delete' }).click();
  assert.match(
    asked,
    /Delete “Which room for the retro\?”\? Its votes, answers and results are erased for everyone/,
  );
  assert.equal((await asOrganizer('GET', `/api/v1/polls/${poll.id}`)).status, 200, 'still there');

  page.once('dialog', (dialog) => void dialog.accept());
  await page.getByRole('button', { name: 'Delete' }).click();
  await page.getByRole('status').filter({ hasText: '“Which room for the retro?” is deleted.' }).waitFor();
  // The notice is not kept in the address (a reload does not say it again).
  await page.waitForURL((url) => url.pathname === '/app' && url.search === '');
  await page.getByRole('heading', { name: 'Polls', exact: true, level: 1 }).waitFor();
  await page.locator('.poll-list, ul, table').first().waitFor();
  assert.equal(await page.getByRole('link', { name: 'Which room for the retro?' }).count(), 0);
  assert.equal((await asOrganizer('GET', `/api/v1/polls/${poll.id}`)).status, 410);

  const voter = await context.newPage();
  await voter.goto(`${env.base}/p/${poll.id}`);
  await voter.getByRole('heading', { name: 'This poll was deleted' }).waitFor();
  await voter
    .getByRole('alert')
    .filter({ hasText: /Its organizer deleted it on/ })
    .waitFor();
  await assertAccessible(voter, 'a deleted poll’s voter page');
  await voter.close();
});

test('the presenter’s open-text view fits 1600×900, keeps the moderation count from the room, and counts answers', async () => {
  const poll = await createPoll({ question: 'What should we change next year?', type: 'open_text' });
  const texts = [
    'n'.repeat(500),
    ...Array.from(
      { length: 13 },
      (_, i) => `Answer number ${i + 1}: more breaks, better coffee and longer lunches`,
    ),
  ];
  for (const text of texts) await vote(poll.id, { text });
  await vote(poll.id, { text: 'Still waiting for the organizer' });
  const pending = await asOrganizer('GET', `/api/v1/polls/${poll.id}/answers?status=pending&limit=50`);
  for (const answer of pending.body.answers.filter(
    (a: Json) => a.text !== 'Still waiting for the organizer',
  )) {
    const decided = await asOrganizer('POST', `/api/v1/polls/${poll.id}/answers/${answer.voteId}`, {
      decision: 'approved',
    });
    assert.equal(decided.status, 200, JSON.stringify(decided.body));
  }

  const presenter = await context.newPage();
  await presenter.setViewportSize({ width: 1600, height: 900 });
  await presenter.goto(`${env.base}/app/polls/${poll.id}/present`);
  await presenter.getByRole('heading', { name: 'What should we change next year?' }).waitFor();
  await presenter.getByText('n'.repeat(500)).first().waitFor();
  const size = (await presenter.evaluate(
    '({ width: document.documentElement.scrollWidth, height: document.documentElement.scrollHeight })',
  )) as { width: number; height: number };
  assert.ok(size.width <= 1600 && size.height <= 900, `the page is ${size.width}×${size.height}`);
  // The word cloud and the answers stay left of the join panel.
  const qr = (await presenter.getByRole('img', { name: /^QR code to vote at/ }).boundingBox())!;
  for (const item of await presenter.locator('.terms li, ul.answers li').all()) {
    const box = await item.boundingBox();
    if (box && box.height > 0) assert.ok(box.x + box.width <= qr.x, 'text runs under the QR code');
  }
  const text = (await presenter.locator('main').textContent()) ?? '';
  assert.doesNotMatch(text, /review|waits? for/, 'the room does not see the moderation count');
  await presenter
    .getByTestId('total-votes')
    .filter({ hasText: /^\d+ answers$/ })
    .waitFor();
  assert.doesNotMatch(text, /\bvotes?\b/, 'one word for what an open-text poll counts');
  await presenter.screenshot({ path: `${SCREENSHOTS}presenter-open-text.png`, animations: 'disabled' });
  await presenter.close();
});

test('an embed takes the height its page posts: nothing is cut off', async () => {
  const poll = await createPoll({
    question: 'Which city next?',
    options: ['Lisbon', 'Oslo', 'Porto', 'Riga', 'Tallinn', 'Vilnius', 'Krakow', 'Ghent'].map((label) => ({
      label,
    })),
  });
  await page.goto(`${env.base}/app/polls/${poll.id}`);
  const snippet = await page.getByLabel('Embed on a website').inputValue();
  const host = await context.newPage();
  await host.setContent(`<!doctype html><h1>Another site</h1>${snippet}`);
  const frame = host.frameLocator('iframe');
  await frame.getByRole('button', { name: 'Ghent' }).waitFor();
  const heights = async () =>
    ({
      frame: Number(await host.evaluate('document.querySelector("iframe").getBoundingClientRect().height')),
    }) as {
      frame: number;
    };
  const inner = () =>
    host
      .frames()
      .find((f) => f.url().includes('/embed/'))!
      .evaluate('document.body.getBoundingClientRect().height');
  let last = { frame: 0 };
  for (let tries = 0; tries < 50; tries++) {
    last = await heights();
    if (Math.abs(last.frame - Number(await inner())) <= 1) break;
    await host.waitForTimeout(100);
  }
  const content = Number(await inner());
  assert.ok(content > 520, `the poll is taller than the default frame (${content}px)`);
  assert.ok(Math.abs(last.frame - content) <= 1, `the frame is ${last.frame}px for ${content}px of poll`);
  await host.close();
});
