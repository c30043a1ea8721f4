// Events (issue 19): how long the presenter's "next" takes to reach every participant's screen,
// and how many upvotes one question takes per second. The embedded tier runs in its own process
// (events-server.ts); the participants are WebSocket clients in the bench process on the event's
// stage (GET /api/v1/events/{eventId}/live, through the gateway). Each "next" is a PUT of the stage
// with the presenter's API key, timed from just before it is sent to the moment each participant
// holds a stage at least that new. Baselines in the same run: the same crowd on a raw `ws`
// broadcast (fanout-raw-server.ts), timed from the broadcast order; and votes per second on one
// poll of the same server against upvotes per second on one question.
import { type ChildProcess, fork } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import WebSocket from 'ws';
import { startRawServer, stopChild } from './fanout-processes.ts';
import { repositoryRoot } from './processes.ts';

export interface Reach {
  /** Participant × press pairs measured, and those that never saw the press within the timeout. */
  samples: number;
  missed: number;
  /** Press → participant, over every pair. */
  p50Ms: number;
  p99Ms: number;
  /** Press → the last participant, per press. */
  everyoneP50Ms: number;
  everyoneP99Ms: number;
}

export interface LoadFigures {
  connections: number;
  seconds: number;
  perSecond: number;
  p99Ms: number;
  failed: number;
}

export interface EventsResult {
  participants: number;
  connected: number;
  presses: number;
  nextToScreen: Reach;
  rawBroadcast: Reach;
  /** The product's p99 ÷ the raw broadcast's, press → every participant. */
  everyoneRatio: number;
  upvotes: LoadFigures & {
    /** The question's count once the load stopped, and the 200 answers (each a new participant). */
    counted: number;
    accepted: number;
    /** counted is the accepted plus at most the requests in flight when the load stopped. */
    consistent: boolean;
  };
  votesOnePoll: LoadFigures;
  /** Upvotes per second ÷ votes per second on one poll. */
  upvoteRatio: number;
  note?: string;
}

const PREFIX = '{"type":"snapshot","sequence":';

function percentile(values: number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return Math.round(sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]! * 10) / 10;
}

/** Participants that note when each first holds a snapshot at least as new as the one awaited. */
async function crowd(url: string, count: number, progress: (text: string) => void) {
  const arrivals = new Float64Array(count).fill(Number.NaN);
  let target = Number.POSITIVE_INFINITY;
  let reached = 0;
  let wake: (() => void) | undefined;
  const sockets: WebSocket[] = [];
  const open = (i: number) =>
    new Promise<boolean>((resolve) => {
      const socket = new WebSocket(url, { perMessageDeflate: false, skipUTF8Validation: true });
      let first = true;
      socket.on('message', (data: Buffer) => {
        if (data.toString('latin1', 0, PREFIX.length) !== PREFIX) return;
        let sequence = 0;
        for (let at = PREFIX.length; at < data.length; at++) {
          const digit = data[at]! - 48;
          if (digit < 0 || digit > 9) break;
          sequence = sequence * 10 + digit;
        }
        if (sequence >= target && Number.isNaN(arrivals[i]!)) {
          arrivals[i] = performance.now();
          if (++reached === sockets.length) wake?.();
        }
        if (first) {
          first = false;
          resolve(true);
        }
      });
      socket.on('error', () => resolve(false));
      sockets.push(socket);
    });
  for (let i = 0; i < count; i += 200) {
    await Promise.all(Array.from({ length: Math.min(200, count - i) }, (_, j) => open(i + j)));
    if ((i / 200) % 10 === 9) progress(`    ${i + 200} participants connected`);
  }
  const connected = sockets.filter((socket) => socket.readyState === WebSocket.OPEN).length;
  return {
    connected,
    /** Sends the press, then waits for everyone to hold `sequence` (or the timeout): ms per participant. */
    async press(sequence: number, send: () => unknown, timeoutMs: number) {
      arrivals.fill(Number.NaN);
      reached = 0;
      target = sequence;
      const done = new Promise<void>((resolve) => {
        wake = resolve;
        setTimeout(resolve, timeoutMs);
      });
      const sentAt = performance.now();
      await send();
      // Whoever already holds it (the answer came after the push) counted when it arrived.
      await done;
      target = Number.POSITIVE_INFINITY;
      return Array.from(arrivals, (at) => at - sentAt);
    },
    close() {
      for (const socket of sockets) socket.terminate();
    },
  };
}

function reachOf(presses: number[][]): Reach {
  const all = presses.flat();
  const seen = all.filter((ms) => Number.isFinite(ms));
  const everyone = presses.map((times) => Math.max(...times.map((ms) => (Number.isFinite(ms) ? ms : 0))));
  return {
    samples: all.length,
    missed: all.length - seen.length,
    p50Ms: percentile(seen, 50),
    p99Ms: percentile(seen, 99),
    everyoneP50Ms: percentile(everyone, 50),
    everyoneP99Ms: percentile(everyone, 99),
  };
}

async function startServer(): Promise<{ child: ChildProcess; url: string; key: string }> {
  const child = fork(fileURLToPath(new URL('./events-server.ts', import.meta.url)), [], {
    cwd: repositoryRoot,
    execArgv: [],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const ready = await new Promise<{ url: string; key: string }>((resolve, reject) => {
    child.once('message', (message) => resolve(message as { url: string; key: string }));
    child.once('exit', (code) => reject(new Error(`the events server exited (${code})`)));
  });
  return { child, ...ready };
}

async function load(options: {
  url: string;
  method: 'PUT' | 'POST';
  body?: string;
  connections: number;
  seconds: number;
}): Promise<LoadFigures & { ok: number }> {
  const result = await autocannon({
    url: options.url,
    method: options.method,
    connections: options.connections,
    duration: options.seconds,
    // An upvote has no body (and a JSON content type without one is refused).
    ...(options.body ? { body: options.body, headers: { 'content-type': 'application/json' } } : {}),
    // A new participant for every request: each upvote (or vote) counts.
    requests: [
      {
        setupRequest: (request) => {
          request.headers = { ...request.headers, 'voter-token': `bench-${randomUUID()}` };
          return request;
        },
      },
    ],
  });
  const ok = result['2xx'];
  return {
    connections: options.connections,
    seconds: options.seconds,
    perSecond: Math.round(ok / options.seconds),
    p99Ms: result.latency.p99,
    failed: result.non2xx + result.errors + result.timeouts,
    ok,
  };
}

export async function eventsPhase(
  options: { participants: number; presses: number; loadSeconds: number; connections: number },
  progress: (text: string) => void,
): Promise<EventsResult> {
  const server = await startServer();
  const raw = await startRawServer();
  try {
    const api = async (
      method: string,
      path: string,
      body?: unknown,
      headers: Record<string, string> = {},
    ) => {
      const response = await fetch(`${server.url}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${server.key}`,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
          ...headers,
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      const text = await response.text();
      if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${text}`);
      return text ? JSON.parse(text) : undefined;
    };
    const polls = [];
    for (const question of ['First?', 'Second?'])
      polls.push(
        await api('POST', '/api/v1/polls', {
          question,
          options: [{ label: 'Yes' }, { label: 'No' }],
          settings: { votesPerAddressPerMinute: 0, votesPerAddressPerHour: 0 },
        }),
      );
    const event = await api('POST', '/api/v1/events', {
      title: 'Bench',
      pollIds: polls.map((poll) => poll.id),
    });

    progress(`  ${options.participants} participants on the event's stage`);
    const wsBase = server.url.replace(/^http/, 'ws');
    const participants = await crowd(
      `${wsBase}/api/v1/events/${event.id}/live`,
      options.participants,
      progress,
    );
    const timeoutMs = 30_000;
    let sequence = (await api('GET', `/api/v1/events/${event.id}/stage`)).sequence as number;
    const product: number[][] = [];
    for (let i = 0; i < options.presses; i++) {
      sequence++;
      const pollId = polls[i % 2].id;
      product.push(
        await participants.press(
          sequence,
          () => api('PUT', `/api/v1/events/${event.id}/stage`, { screen: 'poll', pollId }),
          timeoutMs,
        ),
      );
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    participants.close();

    progress(`  the same crowd on a raw ws broadcast`);
    const rawCrowd = await crowd(`ws://127.0.0.1:${raw.port}`, options.participants, progress);
    const broadcast: number[][] = [];
    for (let i = 0; i < options.presses; i++) {
      const next = 2 + i;
      broadcast.push(
        await rawCrowd.press(next, () => raw.child.send({ sequence: next, at: Date.now() }), timeoutMs),
      );
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    rawCrowd.close();

    progress(`  upvotes on one question, ${options.connections} connections, ${options.loadSeconds} s`);
    const asked = await api(
      'POST',
      `/api/v1/events/${event.id}/questions`,
      { text: 'How fast can this go?' },
      { 'voter-token': `asker-${randomUUID()}` },
    );
    const upvoteUrl = `${server.url}/api/v1/events/${event.id}/questions/${asked.question.id}/upvote`;
    const upvotes = await load({
      url: upvoteUrl,
      method: 'PUT',
      connections: options.connections,
      seconds: options.loadSeconds,
    });
    const listed = await api('GET', `/api/v1/events/${event.id}/questions`);
    const counted = listed.questions.find((q: { id: string }) => q.id === asked.question.id)?.upvotes ?? 0;

    progress(`  votes on one poll, the same load`);
    const votes = await load({
      url: `${server.url}/api/v1/polls/${polls[0].id}/votes`,
      method: 'POST',
      body: JSON.stringify({ optionIds: [polls[0].options[0].id] }),
      connections: options.connections,
      seconds: options.loadSeconds,
    });

    const nextToScreen = reachOf(product);
    const rawBroadcast = reachOf(broadcast);
    const { ok: accepted, ...upvoteLoad } = upvotes;
    const { ok: _votes, ...voteLoad } = votes;
    return {
      participants: options.participants,
      connected: participants.connected,
      presses: options.presses,
      nextToScreen,
      rawBroadcast,
      everyoneRatio:
        Math.round((nextToScreen.everyoneP99Ms / Math.max(0.1, rawBroadcast.everyoneP99Ms)) * 100) / 100,
      upvotes: {
        ...upvoteLoad,
        counted,
        accepted,
        consistent: counted >= accepted && counted <= accepted + options.connections,
      },
      votesOnePoll: voteLoad,
      upvoteRatio: Math.round((upvotes.perSecond / Math.max(1, votes.perSecond)) * 100) / 100,
    };
  } finally {
    await stopChild(raw.child);
    await stopChild(server.child);
  }
}
