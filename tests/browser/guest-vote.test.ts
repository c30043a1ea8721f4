// The web app in a real browser (Debian's Chromium driven by playwright-core) against the embedded
// tier over HTTP: a guest creates a poll, a phone votes with one tap and sees its receipt, and the
// results bars move live when someone else votes.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Browser } from 'playwright-core';
import { assertAccessible } from '../support/accessibility.ts';
import { httpApi } from '../support/api.ts';
import { type BrowserPlatform, PHONE, SCREENSHOTS, startBrowserPlatform } from '../support/browser.ts';

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

test('a guest creates a poll, a phone votes with one tap and watches results move live', async () => {
  const organizer = await browser.newContext({ viewport: { width: 1024, height: 768 } });
  const landing = await organizer.newPage();
  await landing.goto(`${base}/`);
  await landing.getByLabel('Question').fill('Where should we have lunch?');
  await landing.getByLabel('Option 1', { exact: true }).fill('Pizza');
  await landing.getByLabel('Option 2', { exact: true }).fill('Salad');
  await landing.getByRole('button', { name: '+ Add an option' }).click();
  await landing.getByLabel('Option 3', { exact: true }).fill('Tacos');
  await landing.screenshot({ path: `${SCREENSHOTS}landing.png`, animations: 'disabled' });
  await assertAccessible(landing, 'landing page');
  await landing.getByRole('button', { name: 'Create poll' }).click();
  const shareLink = await landing.getByLabel('Share this link with your voters').inputValue();
  const pollId = /\/p\/([^/]+)$/.exec(shareLink)?.[1];
  assert.ok(pollId, `a share link to the poll, got ${shareLink}`);
  const manageToken = await landing.evaluate(
    (id) => localStorage.getItem(`canvass.manageToken.${id}`),
    pollId,
  );
  assert.ok(manageToken, 'the manage token is kept in this browser');

  const phone = await browser.newContext(PHONE);
  // Layout shifts not caused by the voter's own input add up to the page's CLS.
  await phone.addInitScript(`
    globalThis.layoutShift = 0;
    new PerformanceObserver((list) => {
      for (const entry of list.getEntries()) if (!entry.hadRecentInput) globalThis.layoutShift += entry.value;
    }).observe({ type: 'layout-shift', buffered: true });
  `);
  const voter = await phone.newPage();
  await voter.goto(shareLink);
  await voter.getByRole('heading', { name: 'Where should we have lunch?' }).waitFor();
  await voter.getByRole('button', { name: 'Tacos' }).tap();
  const receipt = voter.getByText(/Your vote is in\. Receipt:/);
  await receipt.waitFor();
  const receiptId = await receipt.locator('code').textContent();
  assert.ok(receiptId && receiptId.length > 8, 'the receipt id is shown');
  const tacos = voter.locator('.bars li', { hasText: 'Tacos' });
  await tacos.getByText('100%').waitFor();

  // Someone else votes through the API: the bars move without a reload.
  const api = httpApi(base);
  const poll = (await api('GET', `/api/v1/polls/${pollId}`)).body;
  const pizza = poll.options.find((option: { label: string }) => option.label === 'Pizza').id;
  const other = await api('POST', `/api/v1/polls/${pollId}/votes`, {
    body: { optionIds: [pizza] },
    headers: { 'voter-token': `browser-test-${crypto.randomUUID()}` },
  });
  assert.equal(other.status, 201);
  await tacos.getByText('50%').waitFor();
  await voter.locator('.bars li', { hasText: 'Pizza' }).getByText('50%').waitFor();
  await voter.getByText('2 votes').waitFor();
  // No layout jumps: loading, voting and a live update together stay under 0.1, the threshold
  // Chrome's Web Vitals call good.
  const shift = Number(await voter.evaluate('globalThis.layoutShift'));
  assert.ok(shift < 0.1, `cumulative layout shift ${shift.toFixed(3)}`);
  await voter.screenshot({ path: `${SCREENSHOTS}voter-after-voting.png`, animations: 'disabled' });
  await assertAccessible(voter, 'voter page after voting');

  // The same browser again: it is the same voter, so the page says it has voted.
  await voter.reload();
  await voter.getByText(/Your vote is in\. Receipt:/).waitFor();
  assert.equal(await voter.getByRole('button', { name: 'Tacos' }).count(), 0);
  // Its own answer is marked again in the results (from the receipt's ballot).
  await voter.locator('.bars li.chosen', { hasText: 'Tacos' }).waitFor();

  // Another phone whose earlier vote this browser does not remember: the 409 reads as words.
  const sameVoter = await browser.newContext(PHONE);
  const again = await sameVoter.newPage();
  await again.goto(`${base}/`);
  const token = await voter.evaluate(() => localStorage.getItem('canvass.voterToken'));
  await again.evaluate((value) => localStorage.setItem('canvass.voterToken', value!), token);
  await again.goto(shareLink);
  await again.getByRole('button', { name: 'Pizza' }).tap();
  await again.getByText('You have already voted.').waitFor();

  await Promise.all([organizer.close(), phone.close(), sameVoter.close()]);
});

test('the voter page says so when a poll does not exist or is closed', async () => {
  const context = await browser.newContext({ viewport: PHONE.viewport! });
  const page = await context.newPage();
  await page.goto(`${base}/p/no-such-poll`);
  await page.getByRole('heading', { name: 'This poll cannot be shown' }).waitFor();
  assert.match((await page.getByRole('alert').textContent()) ?? '', /\w/);

  const api = httpApi(base);
  const created = await api('POST', '/api/v1/polls', {
    body: { question: 'Closed already?', options: [{ label: 'Yes' }, { label: 'No' }] },
  });
  const closed = await api('POST', `/api/v1/polls/${created.body.id}/close`, {
    headers: { 'manage-token': created.body.manageToken },
  });
  assert.equal(closed.status, 200, JSON.stringify(closed.body));
  await page.goto(`${base}/p/${created.body.id}`);
  await page.getByText('This poll is closed.').waitFor();
  assert.equal(await page.getByRole('button', { name: 'Yes' }).count(), 0);
  await context.close();
});

test('the gateway serves the app without shadowing the API or operations', async () => {
  const api = httpApi(base);
  const page = await fetch(`${base}/p/anything`);
  assert.equal(page.status, 200);
  assert.equal(page.headers.get('cache-control'), 'no-cache');
  assert.match(await page.text(), /<div id="app">/);
  const html = await (await fetch(`${base}/`)).text();
  const asset = /src="(\/assets\/[^"]+\.js)"/.exec(html)?.[1];
  assert.ok(asset, 'index.html names a hashed script');
  const script = await fetch(`${base}${asset}`);
  assert.equal(script.status, 200);
  assert.match(script.headers.get('content-type') ?? '', /text\/javascript/);
  assert.match(script.headers.get('cache-control') ?? '', /immutable/);
  assert.equal((await api('GET', '/api/v1/nothing-here')).status, 404);
  assert.match((await api('GET', '/api/v1/nothing-here')).headers['content-type'] ?? '', /problem\+json/);
  assert.equal((await api('GET', '/healthz')).status, 200);
  assert.equal((await api('GET', '/oidc/.well-known/openid-configuration')).status, 200);
  assert.equal((await fetch(`${base}/assets/missing.js`)).status, 404);
  assert.equal((await fetch(`${base}/%2e%2e/package.json`)).status, 404);
});
