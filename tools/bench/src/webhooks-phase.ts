// Webhook deliveries (issue 15): the embedded tier (in this process, PGlite) with endpoints that
// subscribe to `vote.cast`, so each vote is one delivery per endpoint, all to one local receiver
// in its own process; against a raw undici POST loop to the same receiver in the same run, with
// the same body and headers as a delivery and the deliverer's concurrency (16).
//
// Deliveries per second: at the receiver, first to last arrival, (1) while votes go in, (2) with
// four endpoints, (3) draining a replayed backlog with no votes (the deliverer's own ceiling).
// Latency, per delivery: from the vote's commit to its arrival. Nothing stores a commit time, so
// this process listens to the NOTIFY polls sends in each vote transaction (PGlite hands it over as
// the commit returns) and takes the first one heard at or after the payload's castAt (taken inside
// that transaction, while it holds PGlite's only session: no other commit comes between; castAt is
// whole milliseconds, so a commit less than 1 ms before it could be mistaken for it). Beside it,
// from the vote's 201 reaching the client (in-process injection), which starts after the commit.
import { startWebhookPlatform, type WebhookPlatform } from './webhooks-platform.ts';
import {
  burst,
  measureReplay,
  measureVotes,
  type Percentiles,
  paced,
  percentiles,
  votesPerSecond,
  type WebhookRun,
} from './webhooks-runs.ts';
import { rawPostLoop, startSink } from './webhooks-sink.ts';

export type { Percentiles, WebhookRun } from './webhooks-runs.ts';

/** The deliverer's default: deliveries claimed and sent at once by one process. */
export const DELIVERER_CONCURRENCY = 16;

export interface WebhooksResult {
  concurrency: number;
  bodyBytes: number;
  raw: { requests: number; perSecond: number; sentToReceiver: Percentiles; failed: number };
  /** The same burst of votes before any endpoint exists: what delivering costs the vote path. */
  votesWithoutEndpoints: { votes: number; perSecond: number };
  runs: WebhookRun[];
  /** Receiver clock minus this process's, as estimated (already taken off every arrival). */
  clockOffsetMs: number;
  clockStart: string;
}

export interface WebhooksOptions {
  /** Raw POSTs in the baseline. */
  rawRequests: number;
  /** Votes in each burst with one endpoint (and in the burst without any). */
  burstVotes: number;
  /** Votes in the burst with four endpoints (four deliveries each). */
  fanoutVotes: number;
  /** Votes sent at once during a burst. */
  connections: number;
  pacedSeconds: number;
  /** Wait at most this long for the deliveries of one run. */
  drainTimeoutMs: number;
}

/** The loads of `npm run bench` and of `--quick` (CI: this phase in well under 30 s). */
export const webhooksOptions = (quick: boolean): WebhooksOptions =>
  quick
    ? {
        rawRequests: 2_000,
        burstVotes: 200,
        fanoutVotes: 50,
        connections: 32,
        pacedSeconds: 3,
        drainTimeoutMs: 20_000,
      }
    : {
        rawRequests: 20_000,
        burstVotes: 2_000,
        fanoutVotes: 500,
        connections: 32,
        pacedSeconds: 10,
        drainTimeoutMs: 120_000,
      };

const CLOCK_START =
  "the vote's commit: the first NOTIFY of polls' log heard in this process at or after the payload's castAt (taken inside the vote's transaction, which holds PGlite's only session until it commits)";

export async function webhooksPhase(
  options: WebhooksOptions,
  progress: (text: string) => void,
): Promise<WebhooksResult> {
  const sink = await startSink();
  let canvass: WebhookPlatform | undefined;
  try {
    progress('  embedded tier in this process; a workspace, no endpoint yet');
    canvass = await startWebhookPlatform();
    const platform = canvass;
    const since = new Date();
    const poll = (name: string) => platform.openPoll(`Webhooks: ${name}`);
    const timeoutMs = options.drainTimeoutMs;
    const report = (run: WebhookRun) => {
      const latency = run.commitToReceiver
        ? `; commit → receiver p50 ${run.commitToReceiver.p50Ms} ms, p99 ${run.commitToReceiver.p99Ms} ms`
        : '';
      const votes = run.votesPerSecond === null ? '' : ` (votes ${run.votesPerSecond}/s)`;
      progress(
        `  ${run.endpoints} endpoint(s), ${run.load}${run.offeredPerSecond ? ` at ${run.offeredPerSecond} votes/s` : ''}: ` +
          `${run.delivered}/${run.expected} delivered, ${run.deliveriesPerSecond}/s${latency}${votes}`,
      );
      return run;
    };

    // Warm-up without endpoints, then the vote path's own rate on this box in this run.
    await burst(platform, await poll('warm-up'), 50, 4);
    const bare = await burst(platform, await poll('no endpoint'), options.burstVotes, options.connections);
    const votesWithoutEndpoints = { votes: bare.length, perSecond: votesPerSecond(bare) };
    progress(`  votes with no endpoint: ${votesWithoutEndpoints.perSecond}/s`);

    const first = await platform.addEndpoint(`${sink.url}/e1`);
    // Warm-up of the deliverer (JIT, its connections); a delivery it sends is the baseline's request.
    const warm = await poll('warm-up, one endpoint');
    report(
      await measureVotes(
        platform,
        sink,
        warm,
        { endpoints: 1, load: 'burst', offeredPerSecond: null, timeoutMs },
        () => burst(platform, warm, 50, 4),
      ),
    );
    const sample = await sink.sample();
    if (!sample) throw new Error('webhook phase: no delivery reached the receiver');

    progress(
      `  baseline: raw undici POST loop, ${options.rawRequests} requests, ${DELIVERER_CONCURRENCY} at a time`,
    );
    const raw = await rawPostLoop(sink, {
      requests: options.rawRequests,
      concurrency: DELIVERER_CONCURRENCY,
      body: sample.body,
      headers: sample.headers,
    });
    progress(`  raw POSTs: ${Math.round(raw.perSecond)}/s at the receiver`);

    const runs: WebhookRun[] = [];
    const one = await poll('burst, one endpoint');
    runs.push(
      report(
        await measureVotes(
          platform,
          sink,
          one,
          { endpoints: 1, load: 'burst', offeredPerSecond: null, timeoutMs },
          () => burst(platform, one, options.burstVotes, options.connections),
        ),
      ),
    );
    // Half the burst's rate, so the latency is the path's and not a queue's.
    const rate = Math.max(10, Math.round(runs[0]!.deliveriesPerSecond / 2 / 10) * 10);
    const steady = await poll('paced, one endpoint');
    runs.push(
      report(
        await measureVotes(
          platform,
          sink,
          steady,
          { endpoints: 1, load: 'paced', offeredPerSecond: rate, timeoutMs },
          () => paced(platform, steady, rate, options.pacedSeconds),
        ),
      ),
    );
    for (let endpoint = 2; endpoint <= 4; endpoint++) await platform.addEndpoint(`${sink.url}/e${endpoint}`);
    const four = await poll('burst, four endpoints');
    runs.push(
      report(
        await measureVotes(
          platform,
          sink,
          four,
          { endpoints: 4, load: 'burst', offeredPerSecond: null, timeoutMs },
          () => burst(platform, four, options.fanoutVotes, options.connections),
        ),
      ),
    );
    runs.push(report(await measureReplay(platform, sink, first, since, timeoutMs)));
    return {
      concurrency: DELIVERER_CONCURRENCY,
      bodyBytes: raw.bodyBytes,
      raw: {
        requests: raw.requests,
        perSecond: Math.round(raw.perSecond),
        sentToReceiver: percentiles(raw.latenciesMs),
        failed: raw.failed,
      },
      votesWithoutEndpoints,
      runs,
      clockOffsetMs: Math.round(sink.offsetMs * 100) / 100,
      clockStart: CLOCK_START,
    };
  } finally {
    await canvass?.stop();
    await sink.stop();
  }
}
