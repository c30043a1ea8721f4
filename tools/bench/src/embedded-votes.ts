// Votes per second through the embedded tier's gateway, all on one poll, a new voter token per
// request; then a check that the results count exactly the votes that were stored. Requests still
// in flight when the load stops have no answer; each is sent again with its voter token (201: it
// was not stored, now it is; 409: it was stored), so the results must hold the 201 answers plus
// those, no more and no fewer.
import { randomUUID } from 'node:crypto';
import autocannon from 'autocannon';

export interface EmbeddedVotes {
  connections: number;
  seconds: number;
  /** 201 answers per second of load. */
  perSecond: number;
  p50Ms: number;
  p99Ms: number;
  p999Ms: number;
  /** 201 answers during the load. */
  accepted: number;
  /** 429 answers (the gateway's per-IP limit: the load comes from one IP). */
  rateLimited: number;
  /** Other errors, non-2xx answers and timeouts. */
  failed: number;
  /** Sent but not answered when the load stopped. */
  inFlightAtStop: number;
  /** The results' totalVotes once the tally caught up (or gave up waiting). */
  totalVotes: number;
  /** totalVotes equals the 201 answers plus the in-flight votes that were stored. */
  consistent: boolean;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** fetch that waits out 429 answers (their Retry-After) until `deadline` (performance.now()). */
async function patientFetch(url: string, init: RequestInit, deadline: number): Promise<Response> {
  for (;;) {
    const response = await fetch(url, init);
    if (response.status !== 429 || performance.now() > deadline) return response;
    await response.arrayBuffer();
    await sleep(Math.max(1, Number(response.headers.get('retry-after')) || 1) * 1000);
  }
}

export async function embeddedVotes(
  url: string,
  options: { seconds: number; connections: number },
  progress: (text: string) => void,
): Promise<EmbeddedVotes> {
  const deadline = () => performance.now() + 90_000; // past a spent per-IP window (60 s)
  const created = await patientFetch(
    `${url}/api/v1/polls`,
    {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      // One address by design: without the per-address limits (docs/polls.md).
      body: JSON.stringify({
        question: 'Load',
        options: [{ label: 'A' }, { label: 'B' }, { label: 'C' }],
        settings: { votesPerAddressPerMinute: 0, votesPerAddressPerHour: 0 },
      }),
    },
    deadline(),
  );
  if (created.status !== 201)
    throw new Error(`cannot create a poll: ${created.status} ${await created.text()}`);
  const poll = (await created.json()) as { id: string; options: { id: string }[] };
  const path = `/api/v1/polls/${poll.id}/votes`;
  const body = JSON.stringify({ optionIds: [poll.options[1]!.id] });
  const run = randomUUID().slice(0, 8);
  let voter = 0;
  let accepted = 0;
  let rateLimited = 0;
  const unanswered = new Set<string>();

  progress(`  votes: POST …/votes on one poll, ${options.connections} connections, ${options.seconds} s`);
  const result = await autocannon({
    url,
    connections: options.connections,
    duration: options.seconds,
    requests: [
      {
        method: 'POST',
        path,
        // One connection has one request out at a time: its context names the token it carries.
        setupRequest: (request, context) => {
          const token = `bench-${run}-${voter++}`;
          (context as { token?: string }).token = token;
          unanswered.add(token);
          return { ...request, headers: { 'content-type': 'application/json', 'voter-token': token }, body };
        },
        onResponse: (status, _body, context) => {
          unanswered.delete((context as { token?: string }).token ?? '');
          if (status === 201) accepted++;
          else if (status === 429) rateLimited++;
        },
      },
    ],
  });

  let stored = 0;
  for (const token of unanswered) {
    const answer = await patientFetch(
      `${url}${path}`,
      { method: 'POST', headers: { 'content-type': 'application/json', 'voter-token': token }, body },
      deadline(),
    );
    await answer.arrayBuffer();
    if (answer.status === 201 || answer.status === 409) stored++;
  }
  const expected = accepted + stored;
  const inFlightAtStop = unanswered.size;
  progress(
    `  ${accepted} votes answered 201, ${inFlightAtStop} in flight at the stop; waiting for the tally`,
  );
  let totalVotes = -1;
  const until = performance.now() + 30_000;
  while (performance.now() < until) {
    const answer = await patientFetch(`${url}/api/v1/polls/${poll.id}/results`, {}, deadline());
    if (answer.status === 200) totalVotes = ((await answer.json()) as { totalVotes: number }).totalVotes;
    else await answer.arrayBuffer();
    if (totalVotes === expected) break;
    await sleep(250);
  }
  const seconds = result.duration || options.seconds;
  return {
    connections: options.connections,
    seconds: options.seconds,
    perSecond: accepted / seconds,
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    p999Ms: result.latency.p99_9,
    accepted,
    rateLimited,
    failed: result.non2xx - rateLimited + result.errors + result.timeouts,
    inFlightAtStop,
    totalVotes,
    consistent: totalVotes === expected && stored === inFlightAtStop,
  };
}
