// Rough edges a new voter or guest hit, in Chromium against the embedded tier: no page asks for a
// favicon in vain; long unbroken text wraps on a phone; a closed poll does not say "Live"; ranking
// ties share a place; refusals read as words and the inputs hold what the API takes; repeated
// options are refused before they are sent; the options limit is said; a wrong access code is
// said before the voter taps, and a tap refused for its code is sent once the code is right.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { assertAccessible } from '../support/accessibility.ts';
import { httpApi } from '../support/api.ts';
import { type BrowserPlatform, PHONE, SCREENSHOTS, startBrowserPlatform } from '../support/browser.ts';

// biome-ignore lint/suspicious/noExplicitAny: tests read whatever JSON came back.
type Json = any;

let running: BrowserPlatform;
let browser: Browser;
let base: string;

before(async () => {
  running = await startBrowserPlatform();
  ({ browser, base } = running);
});

after(async () => {
  await running?.stop();
});

const api = () => httpApi(base);

async function createPoll(body: Record<string, unknown>): Promise<Json> {
  const created = await api()('POST', '/api/v1/polls', { body });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  return created.body;
}

async function vote(pollId: string, body: Record<string, unknown>) {
  const answer = await api()('POST', `/api/v1/polls/${pollId}/votes`, {
    body,
    headers: { 'voter-token': `edge-voter-${crypto.randomUUID()}` },
  });
  assert.equal(answer.status, 201, JSON.stringify(answer.body));
}

/** How many pixels the page is wider than its window (0 when nothing overflows). */
const overflow = async (page: Page) =>
  Number(await page.evaluate('document.documentElement.scrollWidth - innerWidth'));

test('no page asks for a favicon that is not there', async () => {
  const poll = await createPoll({ question: 'Favicon?', options: [{ label: 'Yes' }, { label: 'No' }] });
  const context = await browser.newContext();
  const page = await context.newPage();
  const missing: string[] = [];
  context.on('response', (response) => {
    if (response.status() >= 400) missing.push(`${response.status()} ${response.url()}`);
  });
  const icons: string[] = [];
  context.on('request', (request) => {
    if (/favicon/.test(request.url())) icons.push(request.url());
  });
  for (const path of ['/', `/p/${poll.id}`, `/embed/${poll.id}`, '/app']) {
    await page.goto(`${base}${path}`);
    await page.locator('main h1').first().waitFor();
  }
  // Canvass's own sign-in page (served by identity, not the app) has the icon too.
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL(/\/interaction\//);
  await page.getByLabel('E-mail').waitFor();
  await page.waitForLoadState('networkidle');
  assert.ok(icons.length > 0, 'the pages name an icon');
  assert.deepEqual(
    missing.filter((line) => /favicon/.test(line)),
    [],
  );
  const icon = await fetch(`${base}/favicon.svg`);
  assert.equal(icon.status, 200);
  assert.match(icon.headers.get('content-type') ?? '', /image\/svg\+xml/);
  await context.close();
});

test('long unbroken text wraps on a phone: questions, options, results and a 500-character answer', async () => {
  const question = `Q${'u'.repeat(299)}`;
  const choice = await createPoll({
    question,
    options: [{ label: 'A'.repeat(200) }, { label: 'B'.repeat(200) }, { label: 'Short' }],
  });
  const text = await createPoll({
    question: 'Tell us anything',
    type: 'open_text',
    settings: { moderation: false },
  });
  await vote(text.id, { text: 'w'.repeat(500) });
  await vote(text.id, { text: 'Shorter words, ordinary answer' });

  const phone = await browser.newContext(PHONE);
  const page = await phone.newPage();
  await page.goto(`${base}/p/${choice.id}`);
  await page.getByRole('heading', { name: question }).waitFor();
  assert.equal(await overflow(page), 0, 'the ballot fits the phone');
  await page.getByRole('button', { name: 'A'.repeat(200) }).tap();
  await page.getByText(/Your vote is in\. Receipt:/).waitFor();
  await page.locator('.bars li.chosen').waitFor();
  assert.equal(await overflow(page), 0, 'the results fit the phone');

  await page.goto(`${base}/p/${text.id}`);
  await page.getByText('w'.repeat(500)).first().waitFor();
  assert.equal(await overflow(page), 0, 'the answers and word cloud fit the phone');
  const answer = await page.locator('ul.answers li', { hasText: 'w'.repeat(500) }).boundingBox();
  assert.ok(answer && answer.x + answer.width <= 390, 'the long answer wraps inside the screen');
  await page.screenshot({
    path: `${SCREENSHOTS}voter-long-text.png`,
    fullPage: true,
    animations: 'disabled',
  });
  await phone.close();
});

test('a closed poll’s page says voting has closed, never "Live"', async () => {
  const poll = await createPoll({ question: 'Closed now?', options: [{ label: 'Yes' }, { label: 'No' }] });
  const closed = await api()('POST', `/api/v1/polls/${poll.id}/close`, {
    headers: { 'manage-token': poll.manageToken },
  });
  assert.equal(closed.status, 200);
  const phone = await browser.newContext(PHONE);
  const page = await phone.newPage();
  await page.goto(`${base}/p/${poll.id}`);
  await page.getByRole('heading', { name: /Final results/ }).waitFor();
  const line = page.locator('.live-line');
  await line.getByText('Voting has closed').waitFor();
  // The live connection is up (results would follow a change), and still it does not say Live.
  await page.waitForTimeout(500);
  assert.doesNotMatch((await line.textContent()) ?? '', /\bLive\b/);
  await phone.close();
});

test('ranking ties share their place', async () => {
  const poll = await createPoll({
    question: 'Rank the snacks',
    type: 'ranking',
    options: [{ label: 'Apples' }, { label: 'Bagels' }, { label: 'Crisps' }],
  });
  const [a, b, c] = poll.options.map((option: Json) => option.id);
  await vote(poll.id, { ranking: [a, b, c] });
  await vote(poll.id, { ranking: [b, a, c] });
  const phone = await browser.newContext(PHONE);
  const page = await phone.newPage();
  await page.goto(`${base}/p/${poll.id}`);
  await page.getByText('2 votes').waitFor();
  const labels = await page.locator('.bars .bar-label > span:first-child').allTextContents();
  assert.deepEqual(labels.sort(), ['1. Apples', '1. Bagels', '3. Crisps']);
  await page
    .locator('.bars li', { hasText: 'Apples' })
    .getByText(/tied for place 1/)
    .waitFor({
      state: 'attached',
    });
  await phone.close();
});

test('the guest form holds what the API takes, says refusals in words, and refuses repeated options', async () => {
  const context = await browser.newContext({ viewport: { width: 1024, height: 768 } });
  const page = await context.newPage();
  await page.goto(`${base}/`);
  const question = page.getByLabel('Question');
  await question.fill('x'.repeat(400));
  assert.equal((await question.inputValue()).length, 300, 'the question input stops where the API does');

  // Past the input's own limit (a pasted value in an old page, say), the API's refusal reads as
  // words a person can act on, not as validator output.
  await question.evaluate((input) => input.removeAttribute('maxlength'));
  await question.fill('x'.repeat(400));
  await page.getByLabel('Option 1', { exact: true }).fill('Pizza');
  await page.getByLabel('Option 2', { exact: true }).fill('Salad');
  await page.getByRole('button', { name: 'Create poll' }).click();
  const alert = page.getByRole('alert');
  await alert.getByText('The question is too long: at most 300 characters.').waitFor();
  assert.doesNotMatch((await alert.textContent()) ?? '', /body\/|must not/);

  await question.fill('Where should we have lunch?');
  await page.getByLabel('Option 2', { exact: true }).fill('  pizza ');
  await page.getByRole('button', { name: 'Create poll' }).click();
  await alert.getByText('Each option must be different: option 2 (“pizza”) repeats option 1.').waitFor();
  assert.equal(await page.getByLabel('Option 2', { exact: true }).getAttribute('aria-invalid'), 'true');
  assert.equal(await page.getByLabel('Share this link with your voters').count(), 0, 'nothing was created');

  // One limit on options everywhere (the API's), and the form says it once it is reached.
  const add = page.getByRole('button', { name: '+ Add an option' });
  for (let i = 2; i < 50; i++) await add.click();
  assert.equal(await page.getByRole('textbox', { name: /^Option \d+$/ }).count(), 50);
  assert.equal(await add.count(), 0);
  await page.getByText('A poll has at most 50 options, so voters can still read them all.').waitFor();
  await assertAccessible(page, 'landing page with many options');
  await context.close();
});

test('a wrong access code is said before the voter taps, and a tap refused for its code is not lost', async () => {
  const poll = await createPoll({
    question: 'Coffee or tea?',
    options: [{ label: 'Coffee' }, { label: 'Tea' }],
    settings: { voters: 'access_code' },
    accessCode: 'room-42',
  });
  const phone = await browser.newContext(PHONE);
  const page = await phone.newPage();
  await page.goto(`${base}/p/${poll.id}`);
  const code = page.getByLabel('Access code');
  await code.fill('room-41');
  await page.getByRole('button', { name: 'Continue' }).tap();
  await page
    .getByRole('alert')
    .getByText(/That access code is not right/)
    .waitFor();
  assert.equal(
    await page.getByRole('button', { name: 'Coffee' }).count(),
    0,
    'no ballot behind a wrong code',
  );
  await code.fill('room-42');
  await page.getByRole('button', { name: 'Continue' }).tap();
  await page.getByRole('button', { name: 'Coffee' }).waitFor();

  // The organizer changes the code while the ballot is open: the tap is refused for its code,
  // kept, and sent once the new code is given.
  const changed = await api()('PATCH', `/api/v1/polls/${poll.id}`, {
    headers: { 'manage-token': poll.manageToken },
    body: { accessCode: 'room-43' },
  });
  assert.equal(changed.status, 200, JSON.stringify(changed.body));
  await page.getByRole('button', { name: 'Tea' }).tap();
  await page.getByText('Your answer is kept: enter the right code and it is sent.').waitFor();
  await code.fill('room-43');
  await page.getByRole('button', { name: 'Continue' }).tap();
  await page.getByText(/Your vote is in\. Receipt:/).waitFor();
  await page.locator('.bars li.chosen', { hasText: 'Tea' }).waitFor();
  await assertAccessible(page, 'voter page after an access code');
  await phone.close();
});
