// The web app in a real browser: the embedded tier listening on a free port (serving web/dist,
// built first when stale) and Debian's Chromium driven by playwright-core. Browser test files
// share it: `const { base, browser, platform, stop } = await startBrowserPlatform()`.
import { fileURLToPath } from 'node:url';
import {
  buildWebAppIfStale,
  type EmbeddedOptions,
  type EmbeddedPlatform,
  startEmbeddedPlatform,
  WEB_ROOT,
} from '@canvass/launcher';
import { type Browser, type BrowserContextOptions, chromium } from 'playwright-core';
import { freePort } from './cluster.ts';

export const CHROMIUM = process.env.CANVASS_CHROMIUM ?? '/usr/bin/chromium';
export const SCREENSHOTS = fileURLToPath(new URL('../../docs/screenshots/', import.meta.url));
/** A phone: what most voters hold. */
export const PHONE: BrowserContextOptions = {
  viewport: { width: 390, height: 844 },
  isMobile: true,
  hasTouch: true,
};

export interface BrowserPlatform {
  /** Where the gateway listens, e.g. `http://127.0.0.1:40123`. */
  base: string;
  browser: Browser;
  platform: EmbeddedPlatform;
  stop(): Promise<void>;
}

/** `options` go to the embedded platform (a mailer to read, rate limits, …). */
export async function startBrowserPlatform(
  options: Partial<Omit<EmbeddedOptions, 'publicUrl' | 'webRoot'>> = {},
): Promise<BrowserPlatform> {
  buildWebAppIfStale();
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const platform = await startEmbeddedPlatform({
    dataDir: 'memory://',
    logLevel: 'silent',
    ...options,
    publicUrl: base,
    webRoot: WEB_ROOT,
  });
  await platform.gateway.listen({ port, host: '127.0.0.1' });
  let browser: Browser;
  try {
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
      ],
    });
  } catch (error) {
    await platform.stop();
    throw error;
  }
  return {
    base,
    browser,
    platform,
    stop: async () => {
      await browser.close();
      await platform.stop();
    },
  };
}
