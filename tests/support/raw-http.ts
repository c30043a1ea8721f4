// HTTP/1.1 over a bare TCP socket, for what no HTTP client sends: unresolved dot-segments,
// malformed requests, oversized headers, bodies trickled a byte at a time.
import { connect, type Socket } from 'node:net';

export interface RawAnswer {
  /** 0 when the connection closed without an answer. */
  status: number;
  headers: Record<string, string>;
  body: string;
  /** Whether the server closed the connection (rather than the answer being complete). */
  closed: boolean;
  elapsedMs: number;
}

/** Parses what arrived; undefined while the head (or a body of known length) is incomplete. */
function parseAnswer(data: string): Omit<RawAnswer, 'closed' | 'elapsedMs'> | undefined {
  const headEnd = data.indexOf('\r\n\r\n');
  if (headEnd === -1) return undefined;
  const [statusLine = '', ...lines] = data.slice(0, headEnd).split('\r\n');
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const colon = line.indexOf(':');
    headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  const body = data.slice(headEnd + 4);
  const length = headers['content-length'];
  if (length !== undefined && Buffer.byteLength(body) < Number(length)) return undefined;
  return { status: Number(statusLine.split(' ')[1] ?? 0), headers, body };
}

export interface RawConnection {
  socket: Socket;
  /** The first answer, or what there was when the server closed; rejects after `timeoutMs`. */
  answer(timeoutMs: number): Promise<RawAnswer>;
}

/** Opens a connection and sends `head` (more may be written to `socket`). */
export async function openRaw(port: number, head: string | Buffer = ''): Promise<RawConnection> {
  const socket = connect({ port, host: '127.0.0.1' });
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  const started = Date.now();
  let data = '';
  let closed = false;
  const waiters: (() => void)[] = [];
  const wake = () => {
    for (const waiter of waiters.splice(0)) waiter();
  };
  socket.on('data', (chunk) => {
    data += chunk.toString('latin1');
    wake();
  });
  // The server may reset a connection it refused while bytes were still coming: keep what came.
  socket.on('error', () => {});
  socket.on('close', () => {
    closed = true;
    wake();
  });
  if (head.length > 0) socket.write(head);
  return {
    socket,
    answer: (timeoutMs) =>
      new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          reject(
            new Error(`no answer within ${timeoutMs} ms; received: ${JSON.stringify(data.slice(0, 200))}`),
          );
        }, timeoutMs);
        const check = () => {
          const parsed = parseAnswer(data);
          if (parsed || closed) {
            clearTimeout(timer);
            resolve({
              ...(parsed ?? { status: 0, headers: {}, body: data }),
              closed,
              elapsedMs: Date.now() - started,
            });
            return;
          }
          waiters.push(check);
        };
        check();
      }),
  };
}

/** Sends one request and returns its answer (closing the connection after). */
export async function rawRequest(
  port: number,
  request: string | Buffer,
  timeoutMs = 5_000,
): Promise<RawAnswer> {
  const connection = await openRaw(port, request);
  try {
    return await connection.answer(timeoutMs);
  } finally {
    connection.socket.destroy();
  }
}

/** Waits until the server closes the connection; rejects after `timeoutMs`. */
export function closedWithin(connection: RawConnection, timeoutMs: number): Promise<number> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    if (connection.socket.destroyed || connection.socket.readyState === 'closed') {
      resolve(0);
      return;
    }
    const timer = setTimeout(
      () => reject(new Error(`the server kept the connection open for ${timeoutMs} ms`)),
      timeoutMs,
    );
    connection.socket.once('close', () => {
      clearTimeout(timer);
      resolve(Date.now() - started);
    });
  });
}

/** A GET request line and headers, with the target sent exactly as given. */
export const rawGet = (target: string, headers: Record<string, string> = {}): string =>
  `GET ${target} HTTP/1.1\r\nHost: 127.0.0.1\r\n${Object.entries(headers)
    .map(([name, value]) => `${name}: ${value}\r\n`)
    .join('')}Connection: close\r\n\r\n`;
