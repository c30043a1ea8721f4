import { after, before } from 'node:test';
import { type EmbeddedPlatform, startEmbeddedPlatform } from '@canvass/launcher';
import { type Api, injectApi } from '../support/api.ts';
import { sliceTests } from '../support/slice.ts';

let platform: EmbeddedPlatform;
let api: Api;

before(async () => {
  platform = await startEmbeddedPlatform({ dataDir: 'memory://', logLevel: 'silent' });
  api = injectApi(platform.gateway);
});
after(() => platform.stop());

sliceTests(() => api);
