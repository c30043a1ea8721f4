// The fan-out baseline: a plain `ws` server (no framework, no per-viewer logic) that broadcasts the
// same snapshot message to every connected client, serialized once per update, the way the `ws`
// README broadcasts. Run by the fan-out phase in its own process (fork, IPC): it says its port,
// then broadcasts each `{ sequence, at }` it is sent (`at`: when the update was published, the
// snapshot's updatedAt). Like realtime, a client with more than 256 KiB waiting to go out is
// skipped (realtime would keep only the newest snapshot for it).
import { WebSocket, WebSocketServer } from 'ws';
import { snapshotMessage } from './fanout-payload.ts';

const BUFFER_LIMIT = 256 * 1024;

let current = Buffer.from(snapshotMessage(1));
const server = new WebSocketServer({
  host: '127.0.0.1',
  port: 0,
  perMessageDeflate: false,
  maxPayload: 4096,
});
server.on('connection', (socket) => {
  socket.on('error', () => {});
  socket.send(current, { binary: false });
});
server.on('listening', () => {
  const address = server.address();
  process.send?.({ port: typeof address === 'object' && address ? address.port : 0 });
});

process.on('message', (message: { sequence: number; at: number }) => {
  current = Buffer.from(snapshotMessage(message.sequence, new Date(message.at)));
  for (const client of server.clients) {
    if (client.readyState === WebSocket.OPEN && client.bufferedAmount <= BUFFER_LIMIT) {
      client.send(current, { binary: false });
    }
  }
});
// The phase ends: its IPC channel closes (or it is signalled).
process.on('disconnect', () => process.exit(0));
process.on('SIGTERM', () => process.exit(0));
