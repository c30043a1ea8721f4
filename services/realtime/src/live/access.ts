// Whether a viewer may see a poll's results is analytics' decision, not ours: realtime asks the
// results endpoint with the viewer's own credentials and reads the answer. Concurrent identical
// questions (a crowd of anonymous viewers arriving at once) share one call.
import type { Logger } from '@canvass/service-kit';
import { type Snapshot, snapshotOf } from './messages.ts';

/** Headers to forward to the results endpoint: the gateway's identity, a manage token, a receipt. */
export type Credentials = Readonly<Record<string, string>>;

export interface ResultsAnswer {
  status: number;
  body: unknown;
}

/** The port to analytics: GET /api/v1/polls/{pollId}/results with these headers. Throws when unreachable. */
export type FetchResults = (pollId: string, credentials: Credentials) => Promise<ResultsAnswer>;

export type AccessOutcome =
  | { kind: 'allowed'; snapshot: Snapshot }
  | { kind: 'hidden'; reason: string }
  | {
      kind: 'refused';
      status: number;
      /** Problem type slug, as analytics gave it (`poll-not-found`). */
      type: string;
      title: string;
      detail: string;
      /** WebSocket close code: 4000 + status when retrying cannot help, 1013 (try again later) otherwise. */
      closeCode: number;
    };

/**
 * `patient`: a 404 is asked again over about three seconds before it counts (see fetchPatiently);
 * otherwise the first answer is the answer.
 */
export type CheckAccess = (
  pollId: string,
  credentials: Credentials,
  patient?: boolean,
) => Promise<AccessOutcome>;

const problemText = (body: unknown, field: 'type' | 'title' | 'detail'): string | undefined => {
  const value = (body as Record<string, unknown> | null)?.[field];
  return typeof value === 'string' ? value : undefined;
};

export function outcomeOf(answer: ResultsAnswer): AccessOutcome {
  if (answer.status === 200) return { kind: 'allowed', snapshot: snapshotOf(answer.body) };
  if (answer.status === 403) {
    return {
      kind: 'hidden',
      reason: problemText(answer.body, 'detail') ?? 'The results are not visible to you right now.',
    };
  }
  if (answer.status >= 400 && answer.status < 500) {
    return {
      kind: 'refused',
      status: answer.status,
      type: problemText(answer.body, 'type')?.replace(/^\/problems\//, '') ?? 'live-refused',
      title: problemText(answer.body, 'title') ?? 'Live results refused',
      detail: problemText(answer.body, 'detail') ?? `The results endpoint answered ${answer.status}.`,
      closeCode: 4000 + answer.status,
    };
  }
  return unavailable;
}

const unavailable: AccessOutcome = {
  kind: 'refused',
  status: 503,
  type: 'live-unavailable',
  title: 'Live results are unavailable',
  detail: 'The results cannot be read right now. Reconnect in a few seconds.',
  closeCode: 1013,
};

/**
 * Results of a poll created a moment ago reach analytics a moment later: a WebSocket that connects
 * at once (the web app's organizer screen, right after creating it, which does not reconnect after
 * a 44xx close) would get 404. For those, ask again a few times over about three seconds before
 * saying the poll does not exist. An SSE request is answered at once (a plain 404 problem), so an
 * unknown poll never holds a request open.
 */
const NOT_YET_RETRIES_MS = [100, 200, 400, 800, 1600];

async function fetchPatiently(fetchResults: FetchResults, pollId: string, credentials: Credentials) {
  let answer = await fetchResults(pollId, credentials);
  for (const delay of NOT_YET_RETRIES_MS) {
    if (answer.status !== 404) break;
    await new Promise((resolve) => setTimeout(resolve, delay));
    answer = await fetchResults(pollId, credentials);
  }
  return answer;
}

export function createAccessCheck(fetchResults: FetchResults, logger: Logger): CheckAccess {
  const inFlight = new Map<string, Promise<AccessOutcome>>();
  return (pollId, credentials, patient = false) => {
    const key = `${patient ? 'patient' : 'once'}\n${pollId}\n${JSON.stringify(Object.entries(credentials).sort())}`;
    let outcome = inFlight.get(key);
    if (!outcome) {
      outcome = (
        patient ? fetchPatiently(fetchResults, pollId, credentials) : fetchResults(pollId, credentials)
      )
        .then(outcomeOf, (error: unknown) => {
          logger.warn({ err: error, pollId }, 'cannot check access to live results');
          return unavailable;
        })
        .finally(() => inFlight.delete(key));
      inFlight.set(key, outcome);
    }
    return outcome;
  };
}
