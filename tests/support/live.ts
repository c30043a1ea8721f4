// Live results clients for tests: Node's global WebSocket, an SSE reader that can stop reading
// (to play a slow client), and a raw WebSocket over TCP that can stop reading too. Plus
// publishing results updates the way analytics does.
import { request } from 'node:http';
import { connect, type Socket } from 'node:net';
import { ResultsUpdatedV1 } from '@canvass/contracts';
import { createEvent, type EventBus } from '@canvass/eventing';
import { type Api, eventually } from './api.ts';

// biome-ignore lint/suspicious/noExplicitAny: tests read whatever JSON came back.
export type LiveMessage = { type: string; [field: string]: any };

export interface LiveClient {
  readonly messages: LiveMessage[];
  /** The next message from where the last `next` stopped that matches (others are skipped). */
  next(match?: (message: LiveMessage) => boolean, timeoutMs?: number): Promise<LiveMessage>;
  close(): void;
  /** WebSocket: the close code and reason; SSE: status 0 once the stream ended. */
  readonly closed: Promise<{ code: number; reason: string }>;
}

function messageQueue() {
  const messages: LiveMessage[] = [];
  let cursor = 0;
  let wake: (() => void) | undefined;
  return {
    messages,
    push(message: LiveMessage) {
      messages.push(message);
      wake?.();
    },
    async next(match: (message: LiveMessage) => boolean = () => true, timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        while (cursor < messages.length) {
          const message = messages[cursor++]!;
          if (match(message)) return message;
        }
        const left = deadline - Date.now();
        if (left <= 0) throw new Error(`no matching message; got ${JSON.stringify(messages).slice(0, 2000)}`);
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, left);
          wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
        wake = undefined;
      }
    },
  };
}

/** A WebSocket as a browser opens one; `protocol` is the subprotocol the server selected. */
export async function openWebSocket(
  url: string,
  protocols: string[] = [],
): Promise<LiveClient & { protocol: string }> {
  const socket = new WebSocket(url, protocols);
  const queue = messageQueue();
  socket.addEventListener('message', (event) => queue.push(JSON.parse(String(event.data))));
  const closed = new Promise<{ code: number; reason: string }>((resolve) =>
    socket.addEventListener('close', (event) => resolve({ code: event.code, reason: event.reason })),
  );
  await new Promise<void>((resolve, reject) => {
    socket.addEventListener('open', () => resolve());
    socket.addEventListener('error', () => reject(new Error(`WebSocket ${url} failed`)));
  });
  return {
    messages: queue.messages,
    next: queue.next,
    close: () => socket.close(),
    closed,
    protocol: socket.protocol,
  };
}

/** How the server answers an upgrade request with these headers: 101, or a refusal's status and body. */
export function upgradeAnswer(
  url: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; headers: Record<string, unknown>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url.replace(/^ws/, 'http'), {
      headers: {
        connection: 'Upgrade',
        upgrade: 'websocket',
        'sec-websocket-version': '13',
        'sec-websocket-key': Buffer.from('0123456789abcdef').toString('base64'),
        ...headers,
      },
    });
    req.on('upgrade', (response, socket) => {
      socket.destroy();
      resolve({ status: response.statusCode ?? 0, headers: response.headers, body: '' });
    });
    req.on('response', (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => {
        body += chunk;
      });
      response.on('end', () =>
        resolve({ status: response.statusCode ?? 0, headers: response.headers, body }),
      );
    });
    req.on('error', reject);
    req.end();
  });
}

/** Parses SSE frames; `onEvent` gets each message with its `id` line, if any. */
function sseParser(onEvent: (message: LiveMessage, id: string | undefined) => void) {
  let buffer = '';
  return (chunk: string) => {
    buffer += chunk;
    for (let end = buffer.indexOf('\n\n'); end >= 0; end = buffer.indexOf('\n\n')) {
      const frame = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      let data: string | undefined;
      let id: string | undefined;
      for (const line of frame.split('\n')) {
        if (line.startsWith('data: ')) data = line.slice(6);
        else if (line.startsWith('id: ')) id = line.slice(4);
      }
      if (data !== undefined) onEvent(JSON.parse(data), id);
    }
  };
}

export interface EventStreamClient extends LiveClient {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  /** The raw body of a response that is not a stream (a problem). */
  body(): Promise<string>;
  /** Stops reading from the socket (TCP back-pressure reaches the server), and starts again. */
  pause(): void;
  resume(): void;
  /** The id of the newest event that had one (what EventSource sends back as Last-Event-ID). */
  lastEventId(): string | undefined;
}

export function openEventStream(
  url: string,
  headers: Record<string, string> = {},
): Promise<EventStreamClient> {
  return new Promise((resolve, reject) => {
    const queue = messageQueue();
    let lastId: string | undefined;
    const req = request(url, { headers: { accept: 'text/event-stream', ...headers } }, (response) => {
      response.setEncoding('utf8');
      const closed = new Promise<{ code: number; reason: string }>((done) =>
        response.once('close', () => done({ code: 0, reason: '' })),
      );
      const streaming = String(response.headers['content-type']).startsWith('text/event-stream');
      const parse = sseParser((message, id) => {
        if (id !== undefined) lastId = id;
        queue.push(message);
      });
      let text = '';
      response.on('data', (chunk: string) => {
        if (streaming) parse(chunk);
        else text += chunk;
      });
      resolve({
        status: response.statusCode ?? 0,
        headers: response.headers,
        messages: queue.messages,
        next: queue.next,
        close: () => req.destroy(),
        closed,
        body: async () => {
          await closed;
          return text;
        },
        pause: () => response.pause(),
        resume: () => response.resume(),
        lastEventId: () => lastId,
      });
    });
    req.on('error', reject);
    req.end();
  });
}

/** A WebSocket client over a plain TCP socket, so a test can stop reading (a stuck phone). */
export async function openRawWebSocket(url: string): Promise<LiveClient & { pause(): void; resume(): void }> {
  const target = new URL(url);
  const socket: Socket = connect(Number(target.port), target.hostname);
  await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
  socket.write(
    `GET ${target.pathname}${target.search} HTTP/1.1\r\nhost: ${target.host}\r\nupgrade: websocket\r\n` +
      `connection: Upgrade\r\nsec-websocket-version: 13\r\nsec-websocket-key: ${Buffer.from('0123456789abcdef').toString('base64')}\r\n\r\n`,
  );
  const queue = messageQueue();
  let buffer: Buffer = Buffer.alloc(0);
  let upgraded = false;
  let resolveClosed: (value: { code: number; reason: string }) => void = () => {};
  const closed = new Promise<{ code: number; reason: string }>((resolve) => {
    resolveClosed = resolve;
  });
  socket.on('close', () => resolveClosed({ code: 1006, reason: '' }));
  const opened = new Promise<void>((resolve, reject) => {
    socket.on('data', (chunk: Buffer) => {
      buffer = Buffer.concat([buffer, chunk]);
      if (!upgraded) {
        const end = buffer.indexOf('\r\n\r\n');
        if (end < 0) return;
        const head = buffer.subarray(0, end).toString();
        if (!head.startsWith('HTTP/1.1 101')) return reject(new Error(head));
        upgraded = true;
        buffer = buffer.subarray(end + 4);
        resolve();
      }
      buffer = readFrames(buffer, (opcode, payload) => {
        if (opcode === 1) queue.push(JSON.parse(payload.toString()));
        if (opcode === 8)
          resolveClosed({ code: payload.readUInt16BE(0), reason: payload.subarray(2).toString() });
      });
    });
  });
  await opened;
  return {
    messages: queue.messages,
    next: queue.next,
    close: () => socket.destroy(),
    closed,
    pause: () => socket.pause(),
    resume: () => socket.resume(),
  };
}

/** Server frames are unmasked: FIN/opcode, a 7-bit length or 16/64-bit extended one, payload. */
function readFrames(buffer: Buffer, onFrame: (opcode: number, payload: Buffer) => void): Buffer {
  for (;;) {
    if (buffer.length < 2) return buffer;
    let length = buffer[1]! & 0x7f;
    let offset = 2;
    if (length === 126) {
      if (buffer.length < 4) return buffer;
      length = buffer.readUInt16BE(2);
      offset = 4;
    } else if (length === 127) {
      if (buffer.length < 10) return buffer;
      length = Number(buffer.readBigUInt64BE(2));
      offset = 10;
    }
    if (buffer.length < offset + length) return buffer;
    onFrame(buffer[0]! & 0x0f, buffer.subarray(offset, offset + length));
    buffer = buffer.subarray(offset + length);
  }
}

/** Publishes a results update the way analytics does: straight on the bus. */
export async function publishResults(
  bus: EventBus,
  update: { pollId: string; sequence: number; public?: boolean; results?: Record<string, unknown> },
): Promise<void> {
  const isPublic = update.public ?? true;
  await bus.publish([
    createEvent(ResultsUpdatedV1, {
      source: 'tests',
      partitionkey: update.pollId,
      data: {
        pollId: update.pollId,
        sequence: update.sequence,
        status: 'open',
        visibility: isPublic ? 'live' : 'hidden',
        public: isPublic,
        results: { pollId: update.pollId, sequence: update.sequence, ...update.results },
      },
    }),
  ]);
}

/** A guest poll that analytics knows (its results answer 200, or 403 when they are not public). */
// biome-ignore lint/suspicious/noExplicitAny: tests read whatever JSON came back.
export async function createWatchedPoll(api: Api, extra: Record<string, unknown> = {}): Promise<any> {
  const created = await api('POST', '/api/v1/polls', {
    body: { question: 'Live?', options: [{ label: 'Yes' }, { label: 'No' }], ...extra },
  });
  if (created.status !== 201) throw new Error(JSON.stringify(created.body));
  await eventually(async () => {
    const results = await api('GET', `/api/v1/polls/${created.body.id}/results`);
    if (results.status === 404) throw new Error('analytics does not know the poll yet');
  });
  return created.body;
}
