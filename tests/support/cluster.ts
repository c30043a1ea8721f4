// What cluster-tier tests share: the local PostgreSQL, NATS and Redis (defaults: 127.0.0.1 and
// their standard ports; POSTGRES_URL and NATS_URL override), in databases of their own.
import { createServer } from 'node:net';
import { provisionDatabases } from '@canvass/launcher';

export const POSTGRES_URL = process.env.POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
export const NATS_URL = process.env.NATS_URL ?? 'nats://127.0.0.1:4222';
export const TEST_DB_PREFIX = 'canvass_test_';

export function testDatabases(services: string[]): Promise<Record<string, string>> {
  return provisionDatabases({ adminUrl: POSTGRES_URL, prefix: TEST_DB_PREFIX, services });
}

/** Whether 127.0.0.1:port can be listened on right now. */
function canListen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/**
 * The first of `count` ports in a row, all free now, below the kernel's ephemeral range (32768 and
 * up): the cluster tier's processes listen at fixed offsets from one port, and a port in the
 * ephemeral range can be taken meanwhile by any outgoing connection (a database pool's), which
 * then keeps a service from listening until it closes.
 */
export async function freePortBlock(count: number): Promise<number> {
  for (let tries = 0; tries < 200; tries++) {
    const first = 20_000 + Math.floor(Math.random() * (32_000 - 20_000 - count));
    let free = true;
    for (let offset = 0; offset < count && free; offset++) free = await canListen(first + offset);
    if (free) return first;
  }
  throw new Error(`no ${count} free ports in a row between 20000 and 32000`);
}

/** A port free right now on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}
