// Ports for processes started side by side (tests, the bench). The cluster tier listens at fixed
// offsets from one port, so a block has to be free, and below the kernel's ephemeral range
// (32768 and up on Linux): a port in that range can be taken meanwhile as the local end of any
// outgoing connection (a database pool's, a NATS client's), which then keeps a service from
// listening until that connection closes.
import { createServer } from 'node:net';

/** Whether 127.0.0.1:port can be listened on right now. */
function canListen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/** The first of `count` ports in a row, all free now, between 20000 and 32000. */
export async function freePortBlock(count: number): Promise<number> {
  for (let tries = 0; tries < 200; tries++) {
    const first = 20_000 + Math.floor(Math.random() * (32_000 - 20_000 - count));
    let free = true;
    for (let offset = 0; offset < count && free; offset++) free = await canListen(first + offset);
    if (free) return first;
  }
  throw new Error(`no ${count} free ports in a row between 20000 and 32000`);
}

/** A port free right now on 127.0.0.1, chosen by the kernel. */
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
