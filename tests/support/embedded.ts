import { after, before } from 'node:test';
import { type EmbeddedPlatform, startEmbeddedPlatform } from '@canvass/launcher';
import { type Api, injectApi } from './api.ts';

/** Starts an in-memory embedded platform for this test file; the getters work inside tests. */
export function useEmbeddedPlatform(): { platform: () => EmbeddedPlatform; api: () => Api } {
  let platform: EmbeddedPlatform;
  let api: Api;
  before(async () => {
    platform = await startEmbeddedPlatform({ dataDir: 'memory://', logLevel: 'silent' });
    api = injectApi(platform.gateway);
  });
  after(() => platform.stop());
  return { platform: () => platform, api: () => api };
}
