// Events in Chromium (docs/events.md): an organizer makes an event and its deck in the app, then
// presents it at 1600×900 while three participants on phones join by code (one typing it at
// /join, two from the link), follow the deck, vote, see the reveal, the lock and a countdown;
// then they ask and upvote questions, and the order changes live on every screen.
// Every new screen is checked with axe, and the phones for horizontal overflow.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { BrowserContext, Page } from 'playwright-core';
import { assertAccessible } from '../support/accessibility.ts';
import { httpApi } from '../support/api.ts';
import { type BrowserPlatform, PHONE, SCREENSHOTS, startBrowserPlatform } from '../support/browser.ts';
import { type LocalMail, openMail, startLocalMail, textVersion } from '../support/mailbox.ts';

// biome-ignore lint/suspicious/noExplicitAny: tests read whatever JSON came back.
type Json = any;

const EMAIL = 'presenter@example.test';
const PASSWORD = 'a very long password';

let env: BrowserPlatform;
let mail: LocalMail;
const contexts: BrowserContext[] = [];

before(async () => {
  mail = await startLocalMail();
  env = await startBrowserPlatform(mail.options);
});

after(async () => {
  for (const context of contexts) await context.close();
  await env?.stop();
  await mail?.close();
});

async function newPage(options: Parameters<BrowserPlatform['browser']['newContext']>[0]) {
  const context = await env.browser.newContext(options);
  contexts.push(context);
  return context.newPage();
}

async function shot(page: Page, name: string) {
  await page.screenshot({ path: `${SCREENSHOTS}${name}.png`, animations: 'disabled' });
  await assertAccessible(page, name);
}

async function fitsThePhone(page: Page, screen: string) {
  const overflow = Number(await page.evaluate('document.documentElement.scrollWidth - innerWidth'));
  assert.ok(overflow <= 0, `${screen}: the page is ${overflow}px wider than the phone`);
}

async function signUpAndIn(page: Page) {
  await page.goto(`${env.base}/sign-up`);
  await page.getByLabel('Your name').fill('Pia Presenter');
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
  await page.waitForURL(/\/interaction\//);
  await page.getByLabel('E-mail').fill(EMAIL);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { name: 'Polls' }).waitFor();
}

async function asOrganizer(page: Page, method: string, url: string, body?: unknown) {
  const token = await page.evaluate(
    () => JSON.parse(localStorage.getItem('canvass.session') ?? '{}').accessToken,
  );
  const answer = await httpApi(env.base)(method, url, {
    headers: { authorization: `Bearer ${token}` },
    ...(body !== undefined ? { body } : {}),
  });
  assert.ok(answer.status < 300, JSON.stringify(answer.body));
  return answer.body as Json;
}

// The first test's presenter, phones and event page, for the Q&A test that follows it.
let presenter: Page;
let phones: Page[] = [];
let eventPage = '';

test('a presenter runs a deck; three phones join by code and follow it live', async () => {
  presenter = await newPage({ viewport: { width: 1600, height: 900 } });
  await signUpAndIn(presenter);
  // Two polls to present: the first a draft (showing it opens it).
  await asOrganizer(presenter, 'POST', '/api/v1/polls', {
    question: 'Which talk next?',
    status: 'draft',
    options: [{ label: 'Queues' }, { label: 'Caches' }],
  });
  await asOrganizer(presenter, 'POST', '/api/v1/polls', {
    question: 'How was the morning?',
    options: [{ label: 'Great' }, { label: 'Fine' }, { label: 'Long' }],
  });

  // The events page, empty, then a new event and its deck.
  await presenter.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Events' }).click();
  await presenter.getByText('This workspace has no events yet.').waitFor();
  await assertAccessible(presenter, 'events, empty');
  await presenter.getByRole('button', { name: 'Create event' }).click();
  await presenter.getByText('Give the event a title').waitFor();
  await presenter.getByLabel('New event').fill('Platform day');
  await presenter.getByRole('button', { name: 'Create event' }).click();
  await presenter.getByRole('heading', { name: 'Platform day' }).waitFor();
  await presenter.getByText('No polls yet.').waitFor();
  for (const question of ['Which talk next?', 'How was the morning?']) {
    await presenter.getByLabel('Add a poll').selectOption({ label: question });
    await presenter.getByRole('button', { name: 'Add', exact: true }).click();
    await presenter.getByRole('link', { name: question }).waitFor();
  }
  const code = (await presenter.locator('.event-share .join-code-big').textContent())!.replace(/\s/g, '');
  assert.match(code, /^[1-9]\d{5}$/);
  await shot(presenter, 'event-detail');

  // Three phones: one types the code at /join, two open the link.
  const first = await newPage(PHONE);
  await first.goto(`${env.base}/join`);
  await first.getByRole('button', { name: 'Join' }).click();
  await first.getByText('A code is six digits').waitFor();
  await first.getByLabel('Event code').fill('999 999');
  await first.getByRole('button', { name: 'Join' }).click();
  await first.getByText(/No live event has the code 999 999/).waitFor();
  await shot(first, 'event-join');
  await first.getByLabel('Event code').fill(`${code.slice(0, 3)} ${code.slice(3)}`);
  await first.getByRole('button', { name: 'Join' }).click();
  await first.waitForURL(`${env.base}/e/${code}`);
  phones = [first];
  for (let i = 0; i < 2; i++) {
    const phone = await newPage(PHONE);
    await phone.goto(`${env.base}/e/${code}`);
    phones.push(phone);
  }
  for (const phone of phones)
    await phone.getByRole('heading', { name: 'Waiting for the presenter' }).waitFor();
  await fitsThePhone(first, 'waiting screen');
  await shot(first, 'event-waiting');

  eventPage = presenter.url();
  // Present: the participants are counted, and → shows the first poll on every phone.
  await presenter.getByRole('link', { name: 'Present', exact: true }).click();
  await presenter.getByText('3 participants').waitFor();
  await assertAccessible(presenter, 'event presenter, waiting');
  await presenter.keyboard.press('ArrowRight');
  for (const phone of phones) await phone.getByRole('heading', { name: 'Which talk next?' }).waitFor();
  await first.getByText('Results show when the presenter reveals them.').waitFor();
  await fitsThePhone(first, 'poll in an event');
  await shot(first, 'event-poll');

  // Two vote; the presenter's count moves; the reveal shows results on the phones.
  await phones[0]!.getByRole('button', { name: 'Queues' }).tap();
  await phones[1]!.getByRole('button', { name: 'Caches' }).tap();
  for (const phone of phones.slice(0, 2)) await phone.getByText(/Your vote is in\. Receipt:/).waitFor();
  await presenter.locator('.stage-status', { hasText: /^2 votes ·/ }).waitFor();
  await presenter.keyboard.press('r');
  await presenter.getByText('Results shown to everyone').waitFor();
  for (const phone of phones) await phone.locator('.results').waitFor();
  await shot(presenter, 'event-presenter');

  // Lock: the third phone can no longer vote.
  await presenter.keyboard.press('l');
  await phones[2]!.getByText('Voting is locked.').waitFor();
  assert.equal(
    await phones[2]!.getByRole('button', { name: 'Queues' }).count(),
    0,
    'no ballot once voting is locked',
  );

  // Next poll, with a countdown on every phone.
  await presenter.keyboard.press('ArrowRight');
  for (const phone of phones) await phone.getByRole('heading', { name: 'How was the morning?' }).waitFor();
  await presenter.keyboard.press('t');
  for (const phone of phones) await phone.getByText(/\d+ s left to vote/).waitFor();
  await phones[2]!.getByRole('button', { name: 'Great' }).tap();
  await phones[2]!.getByText(/Your vote is in\. Receipt:/).waitFor();
  await shot(phones[2]!, 'event-countdown');

  // Back to the waiting screen.
  await presenter.keyboard.press('w');
  for (const phone of phones)
    await phone.getByRole('heading', { name: 'Waiting for the presenter' }).waitFor();

  // The event's page sums it up, and exports it.
  await presenter.goto(eventPage);
  await presenter.getByText('3 ballots in 2 polls; the most-answered poll had 2 voters.').waitFor();
  await presenter.getByRole('cell', { name: 'Great (1)' }).waitFor();
  await presenter.getByRole('cell', { name: 'Queues, Caches (1 each)' }).waitFor();
  const download = presenter.waitForEvent('download');
  await presenter.getByRole('button', { name: 'Export CSV' }).click();
  let text = '';
  for await (const chunk of await (await download).createReadStream()) text += chunk;
  assert.match(text, /"2","How was the morning\?","single_choice","open","1","Great","1"/);
  await shot(presenter, 'event-results');
});

test('participants ask and upvote; the order changes live on every phone and the big screen', async () => {
  assert.ok(phones.length === 3, 'the first test joined three phones');
  const [ann, bo, cy] = phones as [Page, Page, Page];
  const qaTab = (page: Page) =>
    page.getByRole('navigation', { name: 'Event' }).getByRole('button', { name: /^Q&A/ });
  const order = (page: Page) => page.locator('.question-list .question-text').allTextContents();

  await qaTab(ann).click();
  await ann.getByText('No questions yet. Ask the first one.').waitFor();
  await ann.getByRole('button', { name: 'Ask' }).click();
  await ann.getByText('Write your question first.').waitFor();
  await ann.getByLabel('Your question').fill('Will the slides be shared?');
  await ann.getByRole('button', { name: 'Ask' }).click();
  await ann.getByText('Sent. Your question is on the list.').waitFor();
  await qaTab(bo).click();
  await bo.getByLabel('Your question').fill('Is lunch provided?');
  await bo.getByLabel('Your name (optional)').fill('Bo');
  await bo.getByRole('button', { name: 'Ask' }).click();
  // Equal upvotes: the newest first, on every phone.
  await qaTab(cy).click();
  for (const phone of phones) await phone.getByText('Is lunch provided?').waitFor();
  assert.deepEqual(await order(cy), ['Is lunch provided?', 'Will the slides be shared?']);

  // Two upvotes move the older question to the top on Bo's phone, who did nothing.
  for (const phone of [ann, cy]) {
    const slides = phone.locator('.question-list li', { hasText: 'Will the slides be shared?' });
    await slides.getByRole('button', { name: /upvotes/ }).click();
  }
  await bo.locator('.question-list li', { hasText: 'Will the slides be shared?' }).getByText('2').waitFor();
  await bo.waitForFunction(
    "document.querySelector('.question-list .question-text')?.textContent === 'Will the slides be shared?'",
  );
  // Tapping again takes the upvote back.
  const mine = cy.locator('.question-list li', { hasText: 'Will the slides be shared?' }).getByRole('button');
  assert.equal(await mine.getAttribute('aria-pressed'), 'true');
  await mine.click();
  await cy.locator('.question-list li', { hasText: 'Will the slides be shared?' }).getByText('1').waitFor();
  await fitsThePhone(bo, 'questions');
  await shot(bo, 'event-questions');

  // On the big screen: Q shows the Q&A, the top question large, and every phone opens its Q&A.
  await qaTab(ann).click();
  await ann.getByRole('navigation', { name: 'Event' }).getByRole('button', { name: 'Now' }).click();
  await presenter.goto(`${eventPage}/present`);
  await presenter.getByText(/\d+ participants?/).waitFor();
  await presenter.keyboard.press('q');
  await presenter.locator('.top-question', { hasText: 'Will the slides be shared?' }).waitFor();
  await ann.getByRole('heading', { name: 'Questions' }).waitFor();
  await shot(presenter, 'event-presenter-questions');

  // The organizer marks it answered: it leaves the top of the big screen, and says so on the phones.
  await presenter.goto(eventPage);
  const answered = presenter
    .locator('.question-queue li', { hasText: 'Will the slides be shared?' })
    .getByRole('button', { name: 'Answered' });
  await answered.click();
  await bo
    .locator('.question-list li', { hasText: 'Will the slides be shared?' })
    .getByText(/Answered/)
    .waitFor();
  assert.deepEqual(await order(bo), ['Is lunch provided?', 'Will the slides be shared?']);
  await assertAccessible(presenter, 'event page with questions');
});

test('a three-question quiz with a timer: nicknames, answers, the reveal, and the podium', async () => {
  // Three questions, each 5 seconds; the first made a quiz question in the app, the others by API.
  const questions = [
    ['Largest planet?', ['Jupiter', 'Mars']],
    ['Closest star?', ['Sirius', 'The Sun']],
    ['Red planet?', ['Mars', 'Venus']],
  ] as const;
  // The free plan has three open polls: close the first test's, as an organizer would.
  const open = await asOrganizer(presenter, 'GET', '/api/v1/polls?status=open');
  for (const poll of open.polls) await asOrganizer(presenter, 'POST', `/api/v1/polls/${poll.id}/close`);
  const made: Json[] = [];
  for (const [question, labels] of questions)
    made.push(
      await asOrganizer(presenter, 'POST', '/api/v1/polls', {
        question,
        status: 'draft',
        options: labels.map((label) => ({ label })),
      }),
    );
  const event = await asOrganizer(presenter, 'POST', '/api/v1/events', {
    title: 'Quiz night',
    pollIds: made.map((poll) => poll.id),
  });
  const right = [made[0].options[0], made[1].options[1], made[2].options[0]];
  for (const i of [1, 2])
    await asOrganizer(presenter, 'PUT', `/api/v1/events/${event.id}/quiz/${made[i].id}`, {
      correctOptionIds: [right[i].id],
      seconds: 5,
    });
  await presenter.goto(`${env.base}/app/events/${event.id}`);
  await presenter.getByRole('button', { name: 'Quiz settings of “Largest planet?”' }).click();
  await presenter.getByRole('radio', { name: 'Jupiter' }).check();
  await presenter.getByLabel('Seconds to answer').fill('5');
  await assertAccessible(presenter, 'quiz settings');
  await presenter.getByRole('button', { name: 'Save quiz question' }).click();
  await presenter
    .locator('ol.deck li', { hasText: 'Largest planet?' })
    .getByText(/Quiz, 5 s/)
    .waitFor();
  assert.equal(await presenter.getByText(/Quiz, 5 s/).count(), 3);

  const [ann, bo, cy] = phones as [Page, Page, Page];
  for (const phone of phones) await phone.goto(`${env.base}/e/${event.joinCode}`);
  await presenter.goto(`${env.base}/app/events/${event.id}/present`);
  await presenter.getByText('3 participants').waitFor();

  // Question 1: everyone picks a nickname; Ann is right, Bo wrong, Cy too late.
  await presenter.keyboard.press('ArrowRight');
  for (const [phone, nickname] of [
    [ann, 'Ann'],
    [bo, 'Bo'],
    [cy, 'Cy'],
  ] as const) {
    await phone.getByLabel('Your nickname for the quiz').fill(nickname);
    await phone.getByRole('button', { name: 'Play' }).click();
    await phone.getByRole('heading', { name: 'Largest planet?' }).waitFor();
  }
  await ann.getByText(/\d+ s left/).waitFor();
  await fitsThePhone(ann, 'quiz question');
  await shot(ann, 'quiz-question');
  await ann.getByRole('button', { name: 'Jupiter' }).click();
  await bo.getByRole('button', { name: 'Mars' }).click();
  await ann.getByText('Answer received.').waitFor();
  await cy.getByText('Time is up.').waitFor({ timeout: 10_000 });
  assert.ok(await cy.getByRole('button', { name: 'Jupiter' }).isDisabled(), 'no answer once time is up');
  await presenter.keyboard.press('r');
  await presenter.getByText('Right answer: Jupiter').waitFor();
  await ann.getByText(/Right! \+\d+ points/).waitFor();
  await bo.getByText('Not this time: no points').waitFor();
  await cy.getByText('Time was up before you answered: no points').waitFor();
  await shot(ann, 'quiz-reveal');

  // The leaderboard between questions.
  await presenter.keyboard.press('b');
  await ann.getByRole('heading', { name: 'Leaderboard' }).waitFor();
  await ann.getByText(/You are 1st of 3 with \d+ points\./).waitFor();
  await bo.getByText(/You are 2nd of 3 with 0 points\./).waitFor();

  // Questions 2 and 3: Bo is right on both and quick; Ann right on one.
  for (const [index, annPick] of [
    [1, 'Sirius'],
    [2, 'Mars'],
  ] as const) {
    await presenter.keyboard.press('ArrowRight');
    const question = questions[index]![0];
    for (const phone of phones) await phone.getByRole('heading', { name: question }).waitFor();
    await bo.getByRole('button', { name: right[index].label }).click();
    await ann.getByRole('button', { name: annPick }).click();
    await bo.getByText('Answer received.').waitFor();
    await cy.getByText('Time is up.').waitFor({ timeout: 10_000 });
  }

  // The podium: Bo (two right) over Ann (two right, one slower... or one): ranks come from points.
  await presenter.keyboard.press('b');
  await presenter.getByRole('heading', { name: 'Final results' }).waitFor();
  for (const phone of phones) await phone.getByRole('heading', { name: 'Final results' }).waitFor();
  await bo.getByText(/You are 1st of 3/).waitFor();
  await cy.getByText(/You are 3rd of 3 with 0 points\./).waitFor();
  await fitsThePhone(bo, 'final results');
  await shot(bo, 'quiz-podium');
  await shot(presenter, 'quiz-podium-presenter');
});
