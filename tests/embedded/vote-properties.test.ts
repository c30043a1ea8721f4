// The vote hot path's properties on the embedded tier: two polls services over one PGlite
// database (each with its own poll cache and vote batches), and the whole platform for recounts.
import { after, before } from 'node:test';
import { PgliteHost } from '@canvass/database';
import type { ServiceRuntime } from '@canvass/service-kit';
import { useEmbeddedPlatform } from '../support/embedded.ts';
import { startPollsReplicas } from '../support/polls-runtimes.ts';
import {
  awkwardAnswersProperty,
  duplicateVoteProperty,
  recountProperty,
} from '../support/vote-properties.ts';

const host = new PgliteHost('memory://');
const db = host.database('polls');
let runtimes: ServiceRuntime[] = [];

before(async () => {
  runtimes = await startPollsReplicas([db, db]);
});
after(async () => {
  for (const runtime of runtimes) await runtime.stopHttp();
  await host.close();
});

duplicateVoteProperty(
  () => runtimes,
  () => db,
);

awkwardAnswersProperty(
  () => runtimes,
  () => db,
);

const embedded = useEmbeddedPlatform();
recountProperty(embedded.api, () => embedded.platform().host.database('polls'));
