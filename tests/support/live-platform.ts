// An embedded platform whose gateway listens on a free port: live results need a real socket
// (inject() cannot stream or upgrade).
import { after, before } from 'node:test';
import { type EmbeddedPlatform, startEmbeddedPlatform } from '@canvass/launcher';
import { type Api, injectApi } from './api.ts';

export interface ListeningPlatform {
  platform: () => EmbeddedPlatform;
  api: () => Api;
  /** `http://127.0.0.1:<port><path>`, or ws:// with `scheme`. */
  url: (path: string, scheme?: 'http' | 'ws') => string;
}

export function useListeningPlatform(): ListeningPlatform {
  let platform: EmbeddedPlatform;
  let api: Api;
  let port = 0;
  before(async () => {
    platform = await startEmbeddedPlatform({ dataDir: 'memory://', logLevel: 'silent' });
    await platform.gateway.listen({ port: 0, host: '127.0.0.1' });
    const address = platform.gateway.server.address();
    port = typeof address === 'object' && address ? address.port : 0;
    api = injectApi(platform.gateway);
  });
  after(() => platform.stop());
  return {
    platform: () => platform,
    api: () => api,
    url: (path, scheme = 'http') => `${scheme}://127.0.0.1:${port}${path}`,
  };
}
