// One measured run of the webhook phase: votes sent (a burst, or paced), the deliveries they cause
// collected at the receiver and matched back to their votes; or a replayed backlog drained.
import { percentile } from './open-loop.ts';
import type { TimedVote, WebhookPlatform } from './webhooks-platform.ts';
import { type Arrival, collect, type Sink, wallNow } from './webhooks-sink.ts';

export interface Percentiles {
  p50Ms: number;
  p99Ms: number;
}

export interface WebhookRun {
  endpoints: number;
  /**
   * burst: votes sent `connections` at a time, each as soon as the last was answered; paced: one
   * every 1/offeredPerSecond s; replay: a backlog the deliverer drains alone (no votes).
   */
  load: 'burst' | 'paced' | 'replay';
  offeredPerSecond: number | null;
  /** Votes answered 201 (0 for a replay). */
  votes: number;
  /** 201 answers per second while the votes went in. */
  votesPerSecond: number | null;
  expected: number;
  delivered: number;
  /** At the receiver, first to last arrival. */
  deliveriesPerSecond: number;
  /**
   * The vote's commit → the delivery's arrival; null for a replay. The commit: the first NOTIFY
   * of polls' log heard at or after the payload's castAt, which is taken inside the vote's
   * transaction while it holds PGlite's only session (no other commit can come between).
   */
  commitToReceiver: Percentiles | null;
  /** The vote's 201 reaching the client → arrival: a 201-based clock, which starts late. */
  answerToReceiver: Percentiles | null;
  /** Deliveries whose commit came after their vote's 201 (a mismatch; expected 0). */
  commitAfterAnswer: number;
  /** The last vote's 201 (or the replay's 202) → the last arrival: what was left queued. */
  drainMs: number;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const round = (ms: number) => Math.round(ms * 10) / 10;

export function percentiles(samples: number[]): Percentiles {
  const sorted = [...samples].sort((a, b) => a - b);
  return { p50Ms: round(percentile(sorted, 50)), p99Ms: round(percentile(sorted, 99)) };
}

/** `votes` votes, `connections` at a time, each sent once the one before it is answered. */
export async function burst(
  canvass: WebhookPlatform,
  poll: { id: string; optionId: string },
  votes: number,
  connections: number,
): Promise<TimedVote[]> {
  const answers: TimedVote[] = [];
  let next = 0;
  const worker = async () => {
    while (next < votes) {
      next++;
      answers.push(await canvass.vote(poll.id, poll.optionId));
    }
  };
  await Promise.all(Array.from({ length: connections }, worker));
  return answers;
}

/** Open loop: one vote every 1000/rate ms for `seconds`, not waiting for answers. */
export async function paced(
  canvass: WebhookPlatform,
  poll: { id: string; optionId: string },
  rate: number,
  seconds: number,
): Promise<TimedVote[]> {
  const started = performance.now();
  const pending: Promise<TimedVote>[] = [];
  for (let i = 0; i < Math.round(rate * seconds); i++) {
    const due = started + (i * 1000) / rate;
    if (due > performance.now()) await sleep(due - performance.now());
    pending.push(canvass.vote(poll.id, poll.optionId));
  }
  return Promise.all(pending);
}

export const accepted = (answers: readonly TimedVote[]) => answers.filter((answer) => answer.status === 201);

/** 201 answers per second, from the first vote sent to the last answer. */
export function votesPerSecond(answers: readonly TimedVote[]): number {
  const ok = accepted(answers);
  if (ok.length === 0) return 0;
  const seconds =
    (Math.max(...ok.map((answer) => answer.answeredAt)) - Math.min(...ok.map((answer) => answer.sentAt))) /
    1000;
  return Math.round(ok.length / seconds);
}

/** The first of ascending `times` at or after `at`. */
function firstAtOrAfter(times: readonly number[], at: number): number | undefined {
  let low = 0;
  let high = times.length;
  while (low < high) {
    const middle = (low + high) >> 1;
    if (times[middle]! < at) low = middle + 1;
    else high = middle;
  }
  return times[low];
}

function arrivalsPerSecond(arrivals: readonly Arrival[]): { perSecond: number; last: number } {
  const times = arrivals.map((arrival) => arrival.at).sort((a, b) => a - b);
  const span = ((times.at(-1) ?? 0) - (times[0] ?? 0)) / 1000;
  return { perSecond: Math.round(span > 0 ? (times.length - 1) / span : 0), last: times.at(-1) ?? 0 };
}

/** Votes on `poll` (by `send`), each delivered to `endpoints` endpoints; timed at the receiver. */
export async function measureVotes(
  canvass: WebhookPlatform,
  sink: Sink,
  poll: { id: string; optionId: string },
  run: { endpoints: number; load: 'burst' | 'paced'; offeredPerSecond: number | null; timeoutMs: number },
  send: () => Promise<TimedVote[]>,
): Promise<WebhookRun> {
  const answers = await send();
  const ok = accepted(answers);
  const expected = ok.length * run.endpoints;
  const arrivals = await collect(sink, expected, run.timeoutMs);
  const voteIdOf = await canvass.voteIdFinder(poll.id);
  const byVoteId = new Map<string, TimedVote>();
  for (const answer of ok) {
    const voteId = voteIdOf(answer.receiptId!);
    if (voteId) byVoteId.set(voteId, answer);
  }
  const fromCommit: number[] = [];
  const fromAnswer: number[] = [];
  let commitAfterAnswer = 0;
  for (const arrival of arrivals) {
    const vote = byVoteId.get(arrival.voteId ?? '');
    if (vote) fromAnswer.push(arrival.at - vote.answeredAt);
    if (arrival.castAt === null) continue;
    const commit = firstAtOrAfter(canvass.commits, arrival.castAt - canvass.dateOffsetMs);
    if (commit === undefined) continue;
    fromCommit.push(arrival.at - commit);
    if (vote && commit > vote.answeredAt) commitAfterAnswer++;
  }
  const { perSecond, last } = arrivalsPerSecond(arrivals);
  return {
    endpoints: run.endpoints,
    load: run.load,
    offeredPerSecond: run.offeredPerSecond,
    votes: ok.length,
    votesPerSecond: votesPerSecond(answers),
    expected,
    delivered: arrivals.length,
    deliveriesPerSecond: perSecond,
    commitToReceiver: percentiles(fromCommit),
    answerToReceiver: percentiles(fromAnswer),
    commitAfterAnswer,
    drainMs: Math.round(last - Math.max(...ok.map((answer) => answer.answeredAt))),
  };
}

/** Every message since `since` replayed to one endpoint: the deliverer draining a backlog alone. */
export async function measureReplay(
  canvass: WebhookPlatform,
  sink: Sink,
  endpointId: string,
  since: Date,
  timeoutMs: number,
): Promise<WebhookRun> {
  const queued = await canvass.replay(endpointId, since);
  const queuedAt = wallNow();
  const arrivals = await collect(sink, queued, timeoutMs);
  const { perSecond, last } = arrivalsPerSecond(arrivals);
  return {
    endpoints: 1,
    load: 'replay',
    offeredPerSecond: null,
    votes: 0,
    votesPerSecond: null,
    expected: queued,
    delivered: arrivals.length,
    deliveriesPerSecond: perSecond,
    commitToReceiver: null,
    answerToReceiver: null,
    commitAfterAnswer: 0,
    drainMs: Math.round(last - queuedAt),
  };
}
