// The voter page as a phone on a mobile network meets it: Debian's Chromium (playwright-core) with
// the CPU slowed 4× and a Slow-4G network (150 ms round trips, 1.6 Mbit/s down, 750 kbit/s up),
// cold cache each time, opening /p/<pollId> from the embedded tier until the ballot can be tapped.
// The baseline, under the same throttling in the same run: a page without any JavaScript that
// shows the same question and options, from a bare node:http server (what any page costs there).
// Figures are the page's own clock (performance.now() from navigation start).

import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildWebAppIfStale } from '@canvass/launcher';
import { type Browser, chromium, type Page } from 'playwright-core';
import { startEmbedded } from './embedded-phase.ts';
import { freePort, stopChild } from './processes.ts';

export interface WebResult {
  loads: number;
  /** Navigation start → the first option can be tapped (the poll fetched and drawn). */
  voterReadyMs: { p50: number; p90: number };
  /** Navigation start → first contentful paint of the voter page. */
  voterFcpMs: number;
  /** The no-JavaScript page: navigation start → its options are in place. */
  baselineReadyMs: { p50: number; p90: number };
  /** Bytes over the wire for one cold voter page load (compressed, every request but the socket). */
  voterTransferKb: number;
  note?: string;
}

const CHROMIUM = process.env.CANVASS_CHROMIUM ?? '/usr/bin/chromium';
const SLOW_4G = {
  offline: false,
  latency: 150,
  downloadThroughput: (1.6 * 1024 * 1024) / 8,
  uploadThroughput: (750 * 1024) / 8,
};
const QUESTION = 'Which session should we add tomorrow?';
const OPTIONS = ['Testing in production', 'Accessible forms', 'Edge caching', 'Incident reviews'];

const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return Math.round(sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0);
};

function plainPage(): string {
  const items = OPTIONS.map((o) => `<li><button type="button">${o}</button></li>`).join('');
  return `<!doctype html><html lang="en"><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${QUESTION}</title><main><h1>${QUESTION}</h1><ul id="options">${items}</ul></main></html>`;
}

/** One cold load on a throttled phone: ms until `ready` is on the page, FCP, bytes received. */
async function load(browser: Browser, url: string, ready: string) {
  const context = await browser.newContext({
    viewport: { width: 390, height: 844 },
    isMobile: true,
    hasTouch: true,
  });
  try {
    const page: Page = await context.newPage();
    const cdp = await context.newCDPSession(page);
    await cdp.send('Network.enable');
    await cdp.send('Network.emulateNetworkConditions', SLOW_4G);
    await cdp.send('Emulation.setCPUThrottlingRate', { rate: 4 });
    let bytes = 0;
    cdp.on('Network.loadingFinished', (event: { encodedDataLength: number }) => {
      bytes += event.encodedDataLength;
    });
    await page.goto(url, { waitUntil: 'commit' });
    await page.waitForSelector(ready, { timeout: 60_000 });
    const readyMs = Number(await page.evaluate('performance.now()'));
    const fcp = Number(
      await page.evaluate(
        "performance.getEntriesByName('first-contentful-paint')[0]?.startTime ?? performance.now()",
      ),
    );
    return { readyMs, fcp, bytes };
  } finally {
    await context.close();
  }
}

export async function webPhase(
  options: { loads: number },
  progress: (text: string) => void,
): Promise<WebResult> {
  buildWebAppIfStale(progress);
  const folder = await mkdtemp(join(tmpdir(), 'canvass-bench-web-'));
  const platform = await startEmbedded(folder);
  const port = await freePort();
  const plain: Server = createServer((_request, response) => {
    response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(plainPage());
  });
  await new Promise<void>((resolve) => plain.listen(port, '127.0.0.1', resolve));
  let browser: Browser | undefined;
  try {
    const created = await fetch(`${platform.url}/api/v1/polls`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ question: QUESTION, options: OPTIONS.map((label) => ({ label })) }),
    });
    if (!created.ok) throw new Error(`creating the poll answered ${created.status}`);
    const { id } = (await created.json()) as { id: string };
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
    });
    const voter: Awaited<ReturnType<typeof load>>[] = [];
    const baseline: Awaited<ReturnType<typeof load>>[] = [];
    for (let i = 0; i < options.loads; i++) {
      // Alternating, so drift on a noisy machine hits both alike.
      baseline.push(await load(browser, `http://127.0.0.1:${port}/`, '#options li:last-child button'));
      voter.push(await load(browser, `${platform.url}/p/${id}`, `button:has-text("${OPTIONS.at(-1)}")`));
      progress(`  load ${i + 1}/${options.loads}: voter page ${Math.round(voter.at(-1)!.readyMs)} ms`);
    }
    const at = (loads: typeof voter, key: 'readyMs' | 'fcp' | 'bytes', q: number) =>
      percentile(
        loads.map((l) => l[key]),
        q,
      );
    return {
      loads: options.loads,
      voterReadyMs: { p50: at(voter, 'readyMs', 50), p90: at(voter, 'readyMs', 90) },
      voterFcpMs: at(voter, 'fcp', 50),
      baselineReadyMs: { p50: at(baseline, 'readyMs', 50), p90: at(baseline, 'readyMs', 90) },
      voterTransferKb: Math.round(at(voter, 'bytes', 50) / 1024),
    };
  } catch (error) {
    // No Chromium here (it is a CI and test dependency): say so in the report instead of failing.
    // (playwright-core says "Executable doesn't exist" or "executable doesn't exist" by version.)
    if (/executable doesn.t exist/i.test(String(error))) {
      return {
        loads: 0,
        voterReadyMs: { p50: 0, p90: 0 },
        voterFcpMs: 0,
        baselineReadyMs: { p50: 0, p90: 0 },
        voterTransferKb: 0,
        note: `no Chromium at ${CHROMIUM} (set CANVASS_CHROMIUM)`,
      };
    }
    throw error;
  } finally {
    await browser?.close();
    plain.close();
    await stopChild(platform.child, 'SIGINT');
    await rm(folder, { recursive: true, force: true });
  }
}
