// The webhook phase's receiver, in its own process (fork, IPC) so its clock reads arrivals without
// waiting on the platform's event loop: node:http on 127.0.0.1 answering 204 as soon as a request's
// body has arrived, noting when (performance.timeOrigin + now, a wall clock comparable across
// processes) and which request it was. It says its port, then answers IPC messages:
// `{ take: true }` hands back every arrival since the last take; `{ clock: n }` echoes its clock;
// `{ sample: true }` hands back the first request (headers and body) since the last sample.
import { createServer } from 'node:http';

export interface Arrival {
  /** Wall-clock ms (performance.timeOrigin + performance.now()) when the whole body had arrived. */
  at: number;
  path: string;
  webhookId: string | null;
  /** data.voteId of a vote.cast payload, if the body is one. */
  voteId: string | null;
  /** data.castAt of a vote.cast payload (ms): taken before the vote's transaction commits. */
  castAt: number | null;
  bytes: number;
}

const now = () => performance.timeOrigin + performance.now();
let pending: { at: number; path: string; webhookId: string | null; body: Buffer }[] = [];
/** The first request since the last sample, as sent: the baseline sends the same bytes. */
let sample: { headers: Record<string, string>; body: string } | undefined;

const server = createServer((request, response) => {
  const chunks: Buffer[] = [];
  request.on('data', (chunk: Buffer) => chunks.push(chunk));
  request.on('end', () => {
    const webhookId = request.headers['webhook-id'];
    pending.push({
      at: now(),
      path: request.url ?? '/',
      webhookId: typeof webhookId === 'string' ? webhookId : null,
      body: Buffer.concat(chunks),
    });
    response.writeHead(204).end();
    if (!sample)
      sample = { headers: headersOf(request.headersDistinct), body: Buffer.concat(chunks).toString() };
  });
});
server.keepAliveTimeout = 60_000;

const hopHeaders = new Set(['host', 'connection', 'content-length', 'transfer-encoding', 'keep-alive']);
function headersOf(distinct: Record<string, string[] | undefined>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(distinct)
      .filter(([name]) => !hopHeaders.has(name))
      .map(([name, values]) => [name, (values ?? []).join(', ')]),
  );
}

/** Parsed on take, not on arrival: the receiver's only work while measured is to answer. */
function voteOf(body: Buffer): { voteId: string | null; castAt: number | null } {
  try {
    const { data } = JSON.parse(body.toString('utf8')) as { data?: { voteId?: unknown; castAt?: unknown } };
    return {
      voteId: typeof data?.voteId === 'string' ? data.voteId : null,
      castAt: typeof data?.castAt === 'string' ? Date.parse(data.castAt) : null,
    };
  } catch {
    return { voteId: null, castAt: null };
  }
}

server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  process.send?.({ port: typeof address === 'object' && address ? address.port : 0 });
});

process.on('message', (message: { take?: boolean; clock?: number; sample?: boolean }) => {
  if (message.clock !== undefined) {
    process.send?.({ clock: message.clock, at: now() });
    return;
  }
  if (message.sample) {
    process.send?.({ sample: sample ?? null });
    sample = undefined;
    return;
  }
  if (!message.take) return;
  const taken = pending;
  pending = [];
  const arrivals: Arrival[] = taken.map(({ at, path, webhookId, body }) => ({
    at,
    path,
    webhookId,
    ...voteOf(body),
    bytes: body.length,
  }));
  process.send?.({ arrivals });
});
process.on('disconnect', () => process.exit(0));
process.on('SIGTERM', () => process.exit(0));
