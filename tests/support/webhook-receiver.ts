// A real HTTP receiver for webhook tests: records every request and answers as told.
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Received {
  headers: IncomingHttpHeaders;
  body: string;
  at: number;
}

export interface Receiver {
  url: string;
  received: Received[];
  /** The status to answer the n-th request with (0-based); default 204. */
  answer: (n: number, request: Received) => number;
  /** How long to hold the n-th request before answering (ms); default 0. */
  hold: (n: number) => number;
  /** Resolves once `count` requests came (and `match`, when given, holds for them). */
  waitFor(count: number, match?: (request: Received) => boolean, timeoutMs?: number): Promise<Received[]>;
  close(): Promise<void>;
}

export async function startReceiver(): Promise<Receiver> {
  const receiver: Receiver = {
    url: '',
    received: [],
    answer: () => 204,
    hold: () => 0,
    async waitFor(count, match = () => true, timeoutMs = 15_000) {
      const until = Date.now() + timeoutMs;
      for (;;) {
        const matching = receiver.received.filter(match);
        if (matching.length >= count) return matching;
        if (Date.now() > until)
          throw new Error(`the receiver got ${matching.length} of ${count} requests in ${timeoutMs} ms`);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    },
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk) => chunks.push(chunk));
    request.on('end', () => {
      const got = { headers: request.headers, body: Buffer.concat(chunks).toString('utf8'), at: Date.now() };
      const n = receiver.received.length;
      const status = receiver.answer(n, got);
      receiver.received.push(got);
      setTimeout(() => {
        if (response.destroyed) return;
        response
          .writeHead(status, { 'content-type': 'text/plain' })
          .end(status < 300 ? 'ok' : `failing on purpose (${status})`);
      }, receiver.hold(n));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  receiver.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks`;
  return receiver;
}
