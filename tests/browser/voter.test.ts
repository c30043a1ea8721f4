// The voter's side of the web app on a phone, in Chromium: a ballot for every poll type with its
// receipt and results, changing and withdrawing a vote, access codes, the receipt page's proof,
// and the embed inside another origin's iframe (framed by any site, while the other pages and
// the API refuse to be framed). Polls are made over the HTTP API as a guest.
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { assertAccessible } from '../support/accessibility.ts';
import { type Api, eventually, httpApi } from '../support/api.ts';
import { type BrowserPlatform, PHONE, SCREENSHOTS, startBrowserPlatform } from '../support/browser.ts';
import { testMail } from '../support/mail.ts';
import { signInToWebApp, signUpVerified } from '../support/sign-in.ts';

let running: BrowserPlatform;
let browser: Browser;
let base: string;
let api: Api;
const contexts: BrowserContext[] = [];
const mail = testMail();

before(async () => {
  running = await startBrowserPlatform({ mail: mail.transport });
  ({ browser, base } = running);
  api = httpApi(base);
});

after(async () => {
  await Promise.all(contexts.map((context) => context.close()));
  await running?.stop();
});

interface Created {
  id: string;
  manageToken: string;
  options: { id: string; label: string }[];
}

async function createPoll(body: Record<string, unknown>): Promise<Created> {
  const created = await api('POST', '/api/v1/polls', { body });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  return created.body;
}

/** A fresh phone (its own storage, so its own voter token) on the poll's voting page. */
async function phoneAt(path: string): Promise<Page> {
  const context = await browser.newContext(PHONE);
  contexts.push(context);
  const page = await context.newPage();
  await page.goto(`${base}${path}`);
  return page;
}

async function receiptOf(page: Page): Promise<string> {
  const receipt = page.getByText(/Your vote is in\. Receipt:/);
  await receipt.waitFor();
  const id = await receipt.locator('code').textContent();
  assert.ok(id && id.length > 8, 'the receipt id is shown');
  return id;
}

/** A key screen: saved for the docs, and checked for accessibility (WCAG 2.1 AA rules). */
async function shot(page: Page, name: string) {
  await page.screenshot({ path: `${SCREENSHOTS}${name}.png`, animations: 'disabled', fullPage: true });
  await assertAccessible(page, name);
}

test('single choice: one tap votes; the vote can be changed and withdrawn; after_vote results', async () => {
  const poll = await createPoll({
    question: 'Which day suits the offsite?',
    options: [{ label: 'Monday' }, { label: 'Wednesday' }, { label: 'Friday' }],
    settings: { allowVoteChange: true, resultsVisibility: 'after_vote' },
  });
  const page = await phoneAt(`/p/${poll.id}`);
  await page.getByRole('heading', { name: 'Which day suits the offsite?' }).waitFor();
  await page.getByText('Results show once you have voted.').waitFor();
  await page.getByRole('button', { name: 'Friday' }).tap();
  const first = await receiptOf(page);
  const friday = page.locator('.bars li', { hasText: 'Friday' });
  await friday.getByText('100%').waitFor();
  assert.equal(
    await page.locator('.receipt').evaluate((node) => node.matches(':focus')),
    true,
    'the receipt takes the focus from the ballot that went away',
  );

  await page.getByRole('button', { name: 'Change my vote' }).tap();
  // The answer given is marked for screen readers too, not by colour only.
  await page.getByRole('button', { name: 'Friday', pressed: true }).waitFor();
  assert.equal(await page.getByRole('button', { name: 'Monday', pressed: false }).count(), 1);
  await page.getByRole('button', { name: 'Monday' }).tap();
  const second = await receiptOf(page);
  assert.notEqual(second, first, 'a changed vote has a new receipt');
  await page.locator('.bars li', { hasText: 'Monday' }).getByText('100%').waitFor();
  await friday.getByText('0%').waitFor();

  await page.getByRole('button', { name: 'Withdraw my vote' }).tap();
  await page.getByRole('button', { name: 'Withdraw it' }).tap();
  await page.getByText(/Your vote was withdrawn/).waitFor();
  // Without a vote (and so a receipt) this voter no longer sees the after_vote results.
  await page.getByText('Results show once you have voted.').waitFor();
  await page.getByRole('button', { name: 'Wednesday' }).waitFor();
  await eventually(async () => {
    const results = await api('GET', `/api/v1/polls/${poll.id}/results`, {
      headers: { 'manage-token': poll.manageToken },
    });
    assert.equal(results.body.totalVotes, 0, 'the withdrawn vote no longer counts');
  });
});

test('multiple choice: checkboxes within min and max, then a Vote button with the count', async () => {
  const poll = await createPoll({
    question: 'Which two snacks should we order?',
    type: 'multiple_choice',
    options: [{ label: 'Fruit' }, { label: 'Crisps' }, { label: 'Cookies' }, { label: 'Nuts' }],
    settings: { minSelections: 2, maxSelections: 2 },
  });
  const page = await phoneAt(`/p/${poll.id}`);
  await page.getByText('Choose 2.').waitFor();
  const vote = page.getByRole('button', { name: /^Vote/ });
  assert.equal(await vote.isDisabled(), true, 'too few chosen');
  await page.getByLabel('Fruit').tap();
  await page.getByLabel('Nuts').tap();
  await page.getByRole('button', { name: 'Vote (2 chosen)' }).waitFor();
  // No more than the maximum: the others turn off.
  await page.getByRole('checkbox', { name: 'Crisps', disabled: true }).waitFor();
  await shot(page, 'voter-multiple_choice');
  await vote.tap();
  await receiptOf(page);
  await page.locator('.bars li', { hasText: 'Fruit' }).getByText('100%').waitFor();
  await page.locator('.bars li', { hasText: 'Nuts' }).getByText('100%').waitFor();
  await page.locator('.bars li', { hasText: 'Crisps' }).getByText('0%').waitFor();
});

test('rating: one tap on the scale, the rating given marked as pressed; the average and the spread', async () => {
  const poll = await createPoll({
    question: 'How was the keynote?',
    type: 'rating',
    settings: { allowVoteChange: true },
  });
  const page = await phoneAt(`/p/${poll.id}`);
  await page.getByRole('button', { name: '5, highest' }).waitFor();
  const scale = page.locator('.scale-buttons button');
  assert.deepEqual(await scale.evaluateAll((buttons) => buttons.map((b) => b.ariaPressed)), [
    'false',
    'false',
    'false',
    'false',
    'false',
  ]);
  await page.getByRole('button', { name: '4', exact: true }).tap();
  await receiptOf(page);
  await page.locator('.figure', { hasText: 'average, out of 5' }).getByText('4.0').waitFor();
  // Changing it, the rating given is the pressed one.
  await page.getByRole('button', { name: 'Change my vote' }).tap();
  await page.getByRole('button', { name: '4', exact: true, pressed: true }).waitFor();
  assert.deepEqual(await scale.evaluateAll((buttons) => buttons.map((b) => b.ariaPressed)), [
    'false',
    'false',
    'false',
    'true',
    'false',
  ]);
});

test('nps: 0 to 10 labelled at both ends; the score with promoters, passives, detractors', async () => {
  const poll = await createPoll({ question: 'Would you recommend Canvass to a colleague?', type: 'nps' });
  const page = await phoneAt(`/p/${poll.id}`);
  await page.getByRole('button', { name: '0, not likely' }).waitFor();
  await page.getByRole('button', { name: '10, very likely' }).waitFor();
  await shot(page, 'voter-nps');
  await page.getByRole('button', { name: '9', exact: true }).tap();
  await receiptOf(page);
  await page.locator('.figure', { hasText: 'Net Promoter Score' }).getByText('+100').waitFor();
  await page.locator('.bars li', { hasText: 'Promoters' }).getByText('100%').waitFor();
});

test('ranking: reordered with Move up / Move down (focus follows), then submitted; Borda points', async () => {
  const poll = await createPoll({
    question: 'Rank the talks',
    type: 'ranking',
    options: [{ label: 'Keynote' }, { label: 'Workshop' }, { label: 'Panel' }],
  });
  const page = await phoneAt(`/p/${poll.id}`);
  await page.getByRole('button', { name: 'Move Panel up' }).tap();
  await page.getByRole('button', { name: 'Move Panel up' }).tap();
  // At the top its Move up turns off, and the focus stays with the moved option (on Move down).
  await page.getByRole('button', { name: 'Move Panel up', disabled: true }).waitFor();
  await page.waitForFunction("document.activeElement?.getAttribute('aria-label') === 'Move Panel down'");
  await page.getByText('Panel is now number 1 of 3.').waitFor({ state: 'attached' });
  assert.deepEqual(await page.locator('.ranking .rank-label').allTextContents(), [
    'Panel',
    'Keynote',
    'Workshop',
  ]);
  await shot(page, 'voter-ranking');
  await page.getByRole('button', { name: 'Submit ranking' }).tap();
  await receiptOf(page);
  await page.locator('.bars li').first().getByText('1. Panel').waitFor();
  const figures = await page.locator('.bars .percent').allInnerTexts();
  assert.deepEqual(
    figures.map((figure) => figure.split('\n')[0]),
    ['2 points', '1 point', '0 points'],
  );
});

test('open text: a counted answer; moderated answers show once approved, live', async () => {
  const poll = await createPoll({ question: 'What should we improve?', type: 'open_text' });
  const page = await phoneAt(`/p/${poll.id}`);
  await page.getByText('The organizer reads answers before they are shown to everyone.').waitFor();
  const answer = 'More coffee breaks between the sessions';
  await page.getByLabel('Your answer').fill(answer);
  await page.getByText(`${answer.length} of 500 characters`).waitFor();
  await shot(page, 'voter-open_text');
  await page.getByRole('button', { name: 'Submit answer' }).tap();
  await receiptOf(page);
  // How many answers wait for moderation is the organizer's business, not the voters'.
  await page.getByRole('heading', { name: /Results · 1 answer/ }).waitFor();
  assert.equal(await page.getByText(/waits? for the organizer’s review/).count(), 0);

  const manage = { 'manage-token': poll.manageToken };
  const pending = await api('GET', `/api/v1/polls/${poll.id}/answers?status=pending`, { headers: manage });
  assert.equal(pending.status, 200, JSON.stringify(pending.body));
  const decided = await api('POST', `/api/v1/polls/${poll.id}/answers/${pending.body.answers[0].voteId}`, {
    body: { decision: 'approved' },
    headers: manage,
  });
  assert.ok(decided.status < 300, JSON.stringify(decided.body));
  await page.locator('.answers li', { hasText: answer }).waitFor();
  await page.locator('.terms li', { hasText: 'coffee' }).waitFor();
});

test('an access-code poll asks for the code, refuses a wrong one in plain words, takes the right one', async () => {
  const poll = await createPoll({
    question: 'Team lunch: where?',
    options: [{ label: 'Noodles' }, { label: 'Burgers' }],
    accessCode: 'LUNCH-42',
    settings: { voters: 'access_code' },
  });
  const page = await phoneAt(`/p/${poll.id}`);
  const code = page.getByLabel('Access code');
  await code.fill('LUNCH-41');
  await page.getByRole('button', { name: 'Continue' }).tap();
  // Checked before the ballot shows: no answer is tapped in vain.
  await page.getByRole('alert').getByText('That access code is not right').waitFor();
  assert.equal(await page.getByRole('button', { name: 'Noodles' }).count(), 0);
  assert.equal(await code.evaluate((node) => node.matches(':focus')), true, 'back at the code');
  assert.equal(await code.getAttribute('aria-invalid'), 'true');
  await code.fill('LUNCH-42');
  await page.getByRole('button', { name: 'Continue' }).tap();
  await page.getByRole('button', { name: 'Noodles' }).tap();
  await receiptOf(page);
  await page.locator('.bars li', { hasText: 'Noodles' }).getByText('100%').waitFor();
});

test('a signed_in poll says that signing in is needed, and the sign-in link comes back to it', async () => {
  const poll = await createPoll({
    question: 'Members only?',
    options: [{ label: 'Yes' }, { label: 'No' }],
    settings: { voters: 'signed_in' },
  });
  const page = await phoneAt(`/p/${poll.id}`);
  await page.getByText('Only signed-in people can vote in this poll.').waitFor();
  assert.equal(
    await page.getByRole('link', { name: 'Sign in to vote' }).getAttribute('href'),
    `/sign-in?returnTo=%2Fp%2F${poll.id}`,
  );
  assert.equal(await page.getByRole('button', { name: 'Yes' }).count(), 0);
});

/** A phone holding a signed-in session (as organizer/auth.ts keeps it) whose access token ran out. */
async function phoneWithSession(path: string, refreshToken: string): Promise<Page> {
  const context = await browser.newContext(PHONE);
  contexts.push(context);
  const session = {
    accessToken: 'an access token that ran out',
    refreshToken,
    expiresAt: Date.now() - 60_000,
    workspace: '',
    role: 'viewer',
    scopes: [],
    name: null,
    email: null,
  };
  // Once per context: the page's own refresh replaces it, and a reload must not bring it back.
  await context.addInitScript(`if (!sessionStorage.getItem('seeded')) {
    sessionStorage.setItem('seeded', '1');
    localStorage.setItem('canvass.session', ${JSON.stringify(JSON.stringify(session))});
  }`);
  const page = await context.newPage();
  await page.goto(`${base}${path}`);
  return page;
}

test('a signed-in voter votes long after signing in (the token is refreshed); an ended session asks to sign in again', async () => {
  const email = 'member@example.test';
  await signUpVerified(
    {
      base,
      mailedToken: (to) => mail.token(to),
    },
    email,
    'a very long password',
    'Member',
  );
  const { tokens } = await signInToWebApp(base, email, 'a very long password');
  assert.ok(tokens?.refresh_token, 'signed in, with a refresh token');
  const poll = await createPoll({
    question: 'Members only: Friday drinks?',
    options: [{ label: 'Yes' }, { label: 'No' }],
    settings: { voters: 'signed_in' },
  });

  const page = await phoneWithSession(`/p/${poll.id}`, tokens.refresh_token);
  await page.getByRole('button', { name: 'Yes' }).tap();
  await receiptOf(page);
  const kept = JSON.parse(String(await page.evaluate("localStorage.getItem('canvass.session')")));
  assert.notEqual(kept.accessToken, 'an access token that ran out', 'a fresh access token was fetched');
  assert.ok(kept.expiresAt > Date.now(), 'and kept for the next request');
  await eventually(async () => {
    const results = await api('GET', `/api/v1/polls/${poll.id}/results`);
    assert.equal(results.body.totalVotes, 1);
  });

  // The refresh token was rotated by that refresh: the old one no longer works.
  const ended = await phoneWithSession(`/p/${poll.id}`, tokens.refresh_token);
  await ended.getByRole('button', { name: 'No' }).tap();
  await ended.getByRole('alert').getByText('Your sign-in has ended. Sign in again').waitFor();
  await ended.getByRole('link', { name: 'Sign in to vote' }).waitFor();
  assert.equal(await ended.getByRole('button', { name: 'No' }).count(), 0, 'no ballot without a session');
});

test('the receipt page verifies the vote, and after closing that the final count includes it', async () => {
  const poll = await createPoll({
    question: 'Is the receipt convincing?',
    options: [{ label: 'Very' }, { label: 'Somewhat' }],
  });
  const page = await phoneAt(`/p/${poll.id}`);
  await page.getByRole('button', { name: 'Very' }).tap();
  const receipt = await receiptOf(page);
  await page.getByRole('link', { name: 'Verify your vote' }).tap();
  await page.waitForURL(`${base}/receipts/${encodeURIComponent(receipt)}`);
  await page.getByRole('heading', { name: 'Your vote counts' }).waitFor();
  await page.getByText('Checked in this browser: the hash matches the recorded vote.').waitFor();
  await page.locator('.facts dd', { hasText: 'Very' }).first().waitFor();

  const closed = await api('POST', `/api/v1/polls/${poll.id}/close`, {
    headers: { 'manage-token': poll.manageToken },
  });
  assert.equal(closed.status, 200, JSON.stringify(closed.body));
  await page.reload();
  await page.getByText(/The final count, published when the poll closed .*, includes this vote\./).waitFor();
  await page.getByText('Final head').waitFor();
  await shot(page, 'receipt');

  await page.goto(`${base}/receipts/not-a-real-receipt-id`);
  await page.getByRole('heading', { name: 'This receipt cannot be checked' }).waitFor();
  await page.getByRole('alert').getByText('No vote has this receipt.').waitFor();
});

/** Pages on another origin (their own server, another port): `/` frames the poll's embed, `/full` its full page. */
async function hostSite(pollId: string): Promise<{ url: string; server: Server }> {
  const page = (body: string) => `<!doctype html><html><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>A blog</title></head>
<body style="font-family: serif; background: #f3efe6; margin: 0; padding: 16px">${body}</body></html>`;
  const embed = page(`<h1>A blog post with a poll</h1>
<iframe id="poll" title="Poll" src="${base}/embed/${pollId}" style="width: 100%; height: 300px; border: 0"></iframe>
<p>The rest of the post.</p>
<script>
  addEventListener('message', (event) => {
    if (event.origin === ${JSON.stringify(base)} && event.data?.type === 'canvass:embed-height')
      document.getElementById('poll').style.height = event.data.height + 'px';
  });
</script>`);
  const full = page(`<iframe name="full" title="Full page" src="${base}/p/${pollId}"></iframe>`);
  const server = createServer((request, response) => {
    response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    response.end(request.url === '/full' ? full : embed);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`, server };
}

test('the embed votes inside another origin’s iframe, tagged as the embed segment', async () => {
  const poll = await createPoll({
    question: 'Did this post help you?',
    options: [{ label: 'Yes, a lot' }, { label: 'Not really' }],
  });
  const host = await hostSite(poll.id);
  try {
    const context = await browser.newContext(PHONE);
    contexts.push(context);
    const page = await context.newPage();
    await page.goto(host.url);
    const frame = page.frameLocator('#poll');
    await frame.getByRole('heading', { name: 'Did this post help you?' }).waitFor();
    // Its own background, so its text stays readable whatever colours the host page has.
    const framed = page.frames().find((candidate) => candidate.url().includes('/embed/'));
    assert.equal(
      await framed?.evaluate('getComputedStyle(document.documentElement).backgroundColor'),
      'rgb(251, 251, 253)',
    );
    await frame.getByRole('button', { name: 'Yes, a lot' }).tap();
    await frame.getByText(/Your vote is in\. Receipt:/).waitFor();
    await frame.locator('.bars li', { hasText: 'Yes, a lot' }).getByText('100%').waitFor();
    const verify = frame.getByRole('link', { name: 'Verify your vote' });
    assert.equal(await verify.getAttribute('target'), '_blank', 'the receipt opens outside the frame');
    // The host page sizes the frame from the height the embed posts.
    await page.waitForFunction("document.getElementById('poll').style.height !== '300px'");
    await page.screenshot({ path: `${SCREENSHOTS}embed.png`, animations: 'disabled' });

    // The full voting page is not for framing: Chromium refuses to show it there.
    await page.goto(`${host.url}full`);
    const full = page.frame({ name: 'full' });
    assert.ok(full, 'the frame exists');
    assert.match(full.url(), /^chrome-error:/, 'the framed /p/ page was blocked');

    await eventually(async () => {
      const results = await api('GET', `/api/v1/polls/${poll.id}/results`);
      const rows: { segment: string | null; totalVotes: number }[] = results.body.breakdown;
      assert.equal(rows.find((row) => row.segment === 'embed')?.totalVotes, 1, JSON.stringify(rows));
    });
  } finally {
    await new Promise((resolve) => host.server.close(resolve));
  }
});

test('an embed lets the host page show through only when asked to (?transparent=1)', async () => {
  const poll = await createPoll({ question: 'See-through?', options: [{ label: 'Yes' }, { label: 'No' }] });
  const background = (page: Page) =>
    page.evaluate(
      '[document.documentElement, document.body].map((node) => getComputedStyle(node).backgroundColor)',
    );
  const transparent = await phoneAt(`/embed/${poll.id}?transparent=1`);
  await transparent.getByRole('heading', { name: 'See-through?' }).waitFor();
  assert.deepEqual(await background(transparent), ['rgba(0, 0, 0, 0)', 'rgba(0, 0, 0, 0)']);
  const opaque = await phoneAt(`/embed/${poll.id}`);
  await opaque.getByRole('heading', { name: 'See-through?' }).waitFor();
  assert.equal(((await background(opaque)) as string[])[0], 'rgb(251, 251, 253)');
});

test('framing: embeds by any site, other pages by Canvass only, the API never', async () => {
  const embed = await fetch(`${base}/embed/any`);
  assert.doesNotMatch(embed.headers.get('content-security-policy') ?? '', /frame-ancestors/);
  assert.equal(embed.headers.get('x-frame-options'), null);
  for (const path of ['/', '/p/any', '/receipts/any-receipt-id']) {
    const page = await fetch(`${base}${path}`);
    assert.match(page.headers.get('content-security-policy') ?? '', /frame-ancestors 'self'/, path);
    assert.equal(page.headers.get('x-frame-options'), 'SAMEORIGIN', path);
  }
  const data = await fetch(`${base}/api/v1/polls/nope`);
  assert.match(data.headers.get('content-security-policy') ?? '', /frame-ancestors 'none'/);
  assert.equal(data.headers.get('x-frame-options'), 'DENY');
});

test('dark mode follows the system, and stays readable', async () => {
  const poll = await createPoll({
    question: 'Which track next year?',
    options: [{ label: 'Frontend' }, { label: 'Backend' }, { label: 'Operations' }],
  });
  const context = await browser.newContext({ ...PHONE, colorScheme: 'dark' });
  contexts.push(context);
  const page = await context.newPage();
  await page.goto(`${base}/p/${poll.id}`);
  const background = String(await page.evaluate('getComputedStyle(document.body).backgroundColor'));
  const [red = 255, green = 255, blue = 255] = (background.match(/\d+/g) ?? []).map(Number);
  assert.ok(red + green + blue < 150, `a dark background, got ${background}`);
  await page.getByRole('button', { name: 'Backend' }).tap();
  await receiptOf(page);
  await page.locator('.bars li', { hasText: 'Backend' }).getByText('100%').waitFor();
  await shot(page, 'voter-dark');
});
