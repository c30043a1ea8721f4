// The operator console in Chromium: signing in with the operator token, finding a vote's trace
// from its receipt and reading its waterfall, and handling dead letters from the page (inspect,
// replay, discard). Tracing records every span here (sampling 1).
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, test } from 'node:test';
import { PollOpenedV1 } from '@canvass/contracts';
import { createEvent } from '@canvass/eventing';
import { startTracing } from '@canvass/telemetry';
import type { Page } from 'playwright-core';
import { assertAccessible } from '../support/accessibility.ts';
import { type Api, httpApi } from '../support/api.ts';
import { type BrowserPlatform, SCREENSHOTS, startBrowserPlatform } from '../support/browser.ts';

const tracing = startTracing('canvass', { OTEL_TRACES_SAMPLER_ARG: '1' });
const ADMIN = `operator-${randomUUID()}`;
let env: BrowserPlatform;
let api: Api;
let page: Page;

before(async () => {
  env = await startBrowserPlatform({ adminToken: ADMIN });
  api = httpApi(env.base);
  const context = await env.browser.newContext({ viewport: { width: 1280, height: 900 } });
  page = await context.newPage();
});
after(async () => {
  await env.stop();
  await tracing?.shutdown();
});

async function openPoll() {
  const created = await api('POST', '/api/v1/polls', {
    body: { question: 'Traced?', options: [{ label: 'Yes' }, { label: 'No' }] },
  });
  assert.equal(created.status, 201);
  return created.body as { id: string; options: { id: string }[] };
}

test('the console asks for the operator token and refuses a wrong one', async () => {
  await page.goto(`${env.base}/ops`);
  await page.getByLabel('Operator token').fill('not-the-operator-token');
  await page.getByRole('button', { name: 'Open the console' }).click();
  await page.getByRole('alert').filter({ hasText: 'not this platform’s operator token' }).waitFor();
  await page.getByLabel('Operator token').fill(ADMIN);
  await page.getByRole('button', { name: 'Open the console' }).click();
  await page.getByRole('heading', { name: 'Overview' }).waitFor();
  await page.getByRole('table', { name: 'Services' }).getByRole('rowheader', { name: 'polls' }).waitFor();
  await page.getByText(/Requests per service over the last/).waitFor({ timeout: 15_000 });
  await page
    .getByText('No alert is firing or pending.')
    .or(page.locator('.ops-alert'))
    .first()
    .waitFor({ timeout: 20_000 });
  await assertAccessible(page, 'operator console overview');
  await page.screenshot({ path: `${SCREENSHOTS}ops-overview.png`, fullPage: true });
});

test('an operator finds a vote’s trace from its receipt and reads its waterfall', async () => {
  const poll = await openPoll();
  const voted = await api('POST', `/api/v1/polls/${poll.id}/votes`, {
    body: { optionIds: [poll.options[0]!.id] },
    headers: { 'voter-token': `voter-${randomUUID()}` },
  });
  assert.equal(voted.status, 201);
  const receipt = voted.body.receiptId as string;

  await page.getByRole('link', { name: 'Traces' }).click();
  await page.getByRole('heading', { name: 'Traces', level: 1 }).waitFor();
  await page.getByRole('radio', { name: 'Vote receipt' }).check();
  await page.getByRole('textbox', { name: 'Vote receipt' }).fill(receipt);
  // Analytics counts the vote a moment later: the batch traces link to it once it has.
  for (let tries = 0; ; tries++) {
    await page.getByRole('button', { name: 'Show the trace' }).click();
    await page.waitForURL(/\/ops\/traces\/[0-9a-f]{32}$/, { timeout: 5_000 }).catch(() => {});
    if (/\/ops\/traces\/[0-9a-f]{32}$/.test(page.url())) break;
    assert.ok(tries < 10, 'the vote’s trace is found');
    await page.waitForTimeout(500);
  }
  const waterfall = page.getByRole('region', { name: 'This trace' });
  await waterfall.getByRole('button', { name: /gateway request/ }).waitFor();
  await waterfall.getByRole('button', { name: /polls request/ }).click();
  await waterfall.getByText('canvass.vote.receipt_hash').waitFor();
  await page.getByRole('region', { name: /Linked: polls write votes/ }).waitFor();
  await page.getByRole('region', { name: /Linked: relay publish/ }).waitFor();
  await page.screenshot({ path: `${SCREENSHOTS}ops-trace.png`, fullPage: true });
  await assertAccessible(page, 'operator console trace');

  // A receipt nobody holds says so in words.
  await page.getByRole('link', { name: 'All traces' }).click();
  await page.getByRole('radio', { name: 'Vote receipt' }).check();
  await page.getByRole('textbox', { name: 'Vote receipt' }).fill('no-such-receipt');
  await page.getByRole('button', { name: 'Show the trace' }).click();
  await page.getByRole('alert').filter({ hasText: 'No process keeps a trace of the vote' }).waitFor();
});

test('dead letters are inspected, replayed and discarded from the page', async () => {
  const poll = await openPoll();
  // One event analytics refused at once (it breaks its contract), through the real consumer…
  const broken = { ...createEvent(PollOpenedV1, { source: '/polls', data: { pollId: poll.id } as never }) };
  await env.platform.bus.publish([broken]);
  // …and one that failed earlier and applies now (a poll opening again changes nothing).
  const fixable = createEvent(PollOpenedV1, {
    source: '/polls',
    data: { pollId: poll.id, openedAt: new Date().toISOString(), by: 'test' },
  });
  await env.platform.host
    .database('analytics')
    .kysely.insertInto('dead_letters' as never)
    .values({
      consumer: 'analytics-tallies',
      event_id: fixable.id,
      type: fixable.type,
      payload: JSON.stringify(fixable),
      error: 'the database was away',
      attempts: 5,
    } as never)
    .execute();

  await page.goto(`${env.base}/ops/events`);
  await page.getByRole('heading', { name: 'Events' }).waitFor();
  // Every consumer of poll events refused it; this test handles analytics' letters.
  const brokenRow = page
    .locator('.ops-letter')
    .filter({ hasText: 'has invalid data' })
    .filter({ hasText: 'analytics-tallies' });
  await brokenRow.waitFor({ timeout: 15_000 });
  await brokenRow.getByRole('button', { name: 'Inspect' }).click();
  await brokenRow.getByText(broken.id).first().waitFor();
  await page.screenshot({ path: `${SCREENSHOTS}ops-events.png`, fullPage: true });
  await assertAccessible(page, 'operator console events');
  // Replaying it fails again, and the page says why; discarding it resolves it.
  await brokenRow.getByRole('button', { name: 'Replay' }).click();
  await brokenRow.getByRole('alert').waitFor();
  page.once('dialog', (dialog) => dialog.accept());
  await brokenRow.getByRole('button', { name: 'Discard' }).click();
  await page.getByRole('status').filter({ hasText: 'was discarded' }).waitFor();
  await brokenRow.waitFor({ state: 'detached' });

  const fixableRow = page.locator('.ops-letter').filter({ hasText: 'the database was away' });
  await fixableRow.getByRole('button', { name: 'Replay' }).click();
  await page.getByRole('status').filter({ hasText: 'analytics-tallies applied its event' }).waitFor();
  await fixableRow.waitFor({ state: 'detached' });
  assert.equal(await page.locator('.ops-letter').filter({ hasText: 'analytics-tallies' }).count(), 0);
  const letters = await api('GET', '/admin/v1/analytics/dead-letters?state=all', {
    headers: { authorization: `Bearer ${ADMIN}` },
  });
  const states = Object.fromEntries(
    (letters.body as { eventId: string; state: string }[]).map((letter) => [letter.eventId, letter.state]),
  );
  assert.equal(states[broken.id], 'discarded');
  assert.equal(states[fixable.id], 'replayed');
});
