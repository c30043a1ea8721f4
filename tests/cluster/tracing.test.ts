// One vote's trace in the cluster tier: every service its own process (two realtime), spans
// gathered by the gateway from each of them; see tests/support/tracing.ts for what is checked.
import { randomUUID } from 'node:crypto';
import { after, before, test } from 'node:test';
import { httpApi } from '../support/api.ts';
import { type ClusterLauncher, startClusterLauncher } from '../support/cluster-launcher.ts';
import { checkVoteTrace } from '../support/tracing.ts';

const adminToken = `admin-${randomUUID()}`;
let launcher: ClusterLauncher;

before(async () => {
  launcher = await startClusterLauncher({ CANVASS_ADMIN_TOKEN: adminToken, OTEL_TRACES_SAMPLER_ARG: '1' });
});
after(() => launcher.stop());

test('a vote’s trace spans the gateway, polls, the relay, analytics and a realtime process', async () => {
  await checkVoteTrace({ base: `127.0.0.1:${launcher.port}`, adminToken, api: httpApi(launcher.url) });
});
