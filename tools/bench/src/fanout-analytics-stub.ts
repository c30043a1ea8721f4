// Stands in for analytics' results endpoint, which realtime asks before admitting a viewer: every
// poll's results are public and read at `sequence`. No database, no other service.
import { createServer } from 'node:http';
import { resultsBody } from './fanout-payload.ts';

export interface AnalyticsStub {
  url: string;
  /** The sequence the results are read at (the newest update published). */
  sequence: number;
  /** Results requests answered. */
  readonly requests: number;
  close(): Promise<void>;
}

export async function startAnalyticsStub(sequence: number): Promise<AnalyticsStub> {
  let requests = 0;
  const stub = {
    url: '',
    sequence,
    get requests() {
      return requests;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
  const server = createServer((request, response) => {
    if (request.method !== 'GET' || !/^\/api\/v1\/polls\/[^/]+\/results$/.test(request.url ?? '')) {
      response.writeHead(404).end();
      return;
    }
    requests++;
    const body = JSON.stringify(resultsBody(stub.sequence));
    response.writeHead(200, {
      'content-type': 'application/json',
      'content-length': Buffer.byteLength(body),
    });
    response.end(body);
  });
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  stub.url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  return stub;
}
