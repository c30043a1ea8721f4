// A stand-in service for gateway tests: answers every request according to its current mode and
// counts what it received, so a test can see retries, breakers and ejections from the other side.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export type FakeMode = 'ok' | 'unavailable' | 'reset';

export interface FakeUpstream {
  url: string;
  mode: FakeMode;
  /** Fail the next n requests (with 503), then go back to `mode`. */
  failNext: number;
  /** How long it takes before answering (a slow service, or a long poll). */
  delayMs: number;
  hits: { method: string; url: string; headers: Record<string, unknown> }[];
  close(): Promise<void>;
}

export async function startFakeUpstream(): Promise<FakeUpstream> {
  const fake: FakeUpstream = {
    url: '',
    mode: 'ok',
    failNext: 0,
    delayMs: 0,
    hits: [],
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
  const server: Server = createServer((request, response) => {
    fake.hits.push({ method: request.method ?? '', url: request.url ?? '', headers: request.headers });
    request.resume();
    request.on('end', () => setTimeout(answer, fake.delayMs));
    const answer = () => {
      if (fake.failNext > 0) {
        fake.failNext--;
        response.writeHead(503, { 'content-type': 'application/problem+json' }).end('{"status":503}');
      } else if (fake.mode === 'reset') {
        request.socket.destroy();
      } else if (fake.mode === 'unavailable') {
        response.writeHead(503, { 'content-type': 'application/problem+json' }).end('{"status":503}');
      } else {
        const body = JSON.stringify({ ok: true, url: request.url, padding: 'x'.repeat(2048) });
        response
          .writeHead(request.method === 'POST' ? 201 : 200, { 'content-type': 'application/json' })
          .end(body);
      }
    };
  });
  server.keepAliveTimeout = 1_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  fake.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return fake;
}
