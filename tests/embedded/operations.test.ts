import { after, before } from 'node:test';
import { type EmbeddedPlatform, startEmbeddedPlatform } from '@canvass/launcher';
import { httpApi } from '../support/api.ts';
import { type OperatedPlatform, operationsTests } from '../support/operations.ts';

const token = `test-operator-${crypto.randomUUID()}`;
let platform: EmbeddedPlatform;
let operated: OperatedPlatform;

before(async () => {
  platform = await startEmbeddedPlatform({ dataDir: 'memory://', logLevel: 'silent', adminToken: token });
  await platform.gateway.listen({ port: 0, host: '127.0.0.1' });
  const address = platform.gateway.server.address();
  const url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  operated = { api: httpApi(url), url, token, pollsDb: platform.host.database('polls') };
});
after(() => platform.stop());

operationsTests(() => operated);
