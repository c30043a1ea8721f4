// For this package's tests: a provider with the official SDK pointed at it, and a real HTTP
// receiver for webhooks that records every request and answers as told.
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import Stripe from 'stripe';
import {
  type CreatePaymentProviderOptions,
  createPaymentProvider,
  type PaymentProvider,
} from './provider.ts';

export interface TestProvider extends PaymentProvider {
  /** The official SDK, pointed at the provider (no retries unless asked for). */
  stripe(config?: { timeout?: number; maxNetworkRetries?: number }): Stripe;
}

export async function startProvider(options: CreatePaymentProviderOptions = {}): Promise<TestProvider> {
  const provider = await createPaymentProvider(options);
  return {
    ...provider,
    stripe: (config = {}) =>
      new Stripe('sk_test_canvass', {
        host: '127.0.0.1',
        port: provider.port,
        protocol: 'http',
        maxNetworkRetries: 0,
        ...config,
      }),
  };
}

export interface Received {
  headers: IncomingHttpHeaders;
  body: string;
}

export interface Receiver {
  url: string;
  received: Received[];
  /** The status for the n-th request (0-based); default 200. */
  answer: (n: number) => number;
  waitFor(count: number, timeoutMs?: number): Promise<Received[]>;
  close(): Promise<void>;
}

export async function startReceiver(): Promise<Receiver> {
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const status = receiver.answer(receiver.received.length);
      receiver.received.push({ headers: request.headers, body: Buffer.concat(chunks).toString('utf8') });
      response.writeHead(status).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const receiver: Receiver = {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/stripe/webhooks`,
    received: [],
    answer: () => 200,
    async waitFor(count, timeoutMs = 5_000) {
      const until = Date.now() + timeoutMs;
      while (receiver.received.length < count) {
        if (Date.now() > until)
          throw new Error(
            `the receiver got ${receiver.received.length} of ${count} requests in ${timeoutMs} ms`,
          );
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      return receiver.received;
    },
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  return receiver;
}
