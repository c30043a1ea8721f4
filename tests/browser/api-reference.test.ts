// The API reference at /api/docs (Scalar, services/gateway/src/api-reference.ts) in Chromium:
// drawn from /api/openapi.json with nothing fetched from another origin and no Content Security
// Policy violation, and its console sends a request and shows the answer.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { type BrowserPlatform, SCREENSHOTS, startBrowserPlatform } from '../support/browser.ts';

let env: BrowserPlatform;

before(async () => {
  env = await startBrowserPlatform();
});

after(async () => {
  await env?.stop();
});

test('the API reference is drawn from this origin alone, and its console sends a request and shows the answer', async () => {
  const context = await env.browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  const elsewhere: string[] = [];
  const failed: string[] = [];
  page.on('request', (request) => {
    const url = request.url();
    if (!url.startsWith(env.base) && !url.startsWith('data:')) elsewhere.push(url);
  });
  page.on('console', (message) => {
    // A policy violation, or a resource that failed (the favicon's 404 was one).
    if (message.type() === 'error') failed.push(`${message.text()} ${message.location().url}`);
  });
  await page.goto(`${env.base}/api/docs`);
  assert.match(page.url(), /\/api\/docs\/$/);
  await page.getByRole('heading', { name: 'Canvass API', level: 1 }).waitFor({ timeout: 30_000 });
  for (const tag of ['Polls', 'Votes', 'Results', 'Webhooks', 'Billing', 'Documentation']) {
    await page.getByRole('button', { name: new RegExp(`Group - ${tag}$`) }).waitFor();
  }
  await page.getByText('Create a poll').first().waitFor();
  await page.screenshot({ path: `${SCREENSHOTS}/api-reference.png` });

  // The console: "Create a poll" with the example body as it comes (an empty question), sent for
  // real; the answer shown is the API's own problem.
  await page.getByRole('button', { name: /Test Request\s*\(post \/api\/v1\/polls\)/ }).click();
  const sent = page.waitForResponse(
    (response) => response.url() === `${env.base}/api/v1/polls` && response.request().method() === 'POST',
  );
  await page.getByRole('button', { name: /^Send/ }).first().click();
  const answer = await sent;
  assert.equal(answer.status(), 400);
  assert.match(answer.headers()['content-type'] ?? '', /^application\/problem\+json/);
  await page.getByText('The request is not valid').first().waitFor();
  await page.screenshot({ path: `${SCREENSHOTS}/api-reference-console.png` });

  assert.deepEqual(elsewhere, [], 'nothing is fetched from another origin');
  const unexpected = failed.filter((line) => !line.endsWith(`${env.base}/api/v1/polls`));
  assert.deepEqual(unexpected, [], 'no policy violation and no failed resource but the 400 asked for');
  await context.close();
});
