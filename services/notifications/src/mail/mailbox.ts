// The embedded tier's local mailbox: an SMTP server on 127.0.0.1 that keeps what it receives in
// memory (the newest `limit` mails), so mails Canvass sends can be read at /mailbox without any
// mail leaving the machine. No auth, no TLS: it never listens beyond the loopback interface.
import { newId } from '@canvass/service-kit';
import { simpleParser } from 'mailparser';
import { SMTPServer, type SMTPServerDataStream, type SMTPServerSession } from 'smtp-server';

export interface MailboxMessage {
  id: string;
  receivedAt: string;
  from: string;
  to: string[];
  subject: string;
  text: string;
  html: string | null;
  /** Header names in lower case; a header that occurs more than once has its values joined by ", ". */
  headers: Record<string, string>;
}

export interface Mailbox {
  /** smtp://127.0.0.1:<port> */
  readonly smtpUrl: string;
  /** Newest first. */
  messages(): MailboxMessage[];
  message(id: string): MailboxMessage | undefined;
  waitFor(match: (m: MailboxMessage) => boolean, timeoutMs?: number): Promise<MailboxMessage>;
  close(): Promise<void>;
}

const MAX_BYTES = 2 * 1024 * 1024;

async function readMessage(stream: SMTPServerDataStream, session: SMTPServerSession) {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size <= MAX_BYTES) chunks.push(chunk); // past the limit: drain, smtp-server answers 552
  }
  if (stream.sizeExceeded || size > MAX_BYTES) return undefined;
  const parsed = await simpleParser(Buffer.concat(chunks));
  // The raw lines keep every header, including the List-* ones mailparser folds into one object.
  const headers: Record<string, string> = {};
  for (const { key, line } of parsed.headerLines) {
    // A plain text header is taken decoded (a Subject in UTF-8), the others as they came.
    const decoded = parsed.headers.get(key);
    const value =
      typeof decoded === 'string'
        ? decoded
        : line
            .slice(line.indexOf(':') + 1)
            .replace(/\r?\n[ \t]+/g, ' ')
            .trim();
    headers[key] = headers[key] === undefined ? value : `${headers[key]}, ${value}`;
  }
  const mailFrom = session.envelope.mailFrom;
  const message: MailboxMessage = {
    id: newId(),
    receivedAt: new Date().toISOString(),
    from: parsed.from?.text || (mailFrom ? mailFrom.address : ''),
    to: session.envelope.rcptTo.map((r) => r.address),
    subject: parsed.subject ?? '',
    text: parsed.text ?? '',
    html: parsed.html || null,
    headers,
  };
  return message;
}

export async function startMailbox(
  options: { host?: string; port?: number; limit?: number } = {},
): Promise<Mailbox> {
  const { host = '127.0.0.1', port = 0, limit = 500 } = options;
  const stored: MailboxMessage[] = [];
  const waiters = new Set<(m: MailboxMessage) => void>();

  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['AUTH', 'STARTTLS'],
    size: MAX_BYTES,
    rejectOversized: true,
    banner: 'Canvass local mailbox',
    logger: false,
    closeTimeout: 2_000,
    onData(stream, session, callback) {
      readMessage(stream, session).then((message) => {
        if (!message) return callback();
        stored.unshift(message);
        if (stored.length > limit) stored.length = limit;
        for (const waiter of waiters) waiter(message);
        callback();
      }, callback);
    },
  });
  server.on('error', () => {}); // a client that drops mid-session is its own problem

  await new Promise<void>((resolve, reject) => {
    server.server.once('error', reject);
    server.listen(port, host, () => {
      server.server.off('error', reject);
      resolve();
    });
  });
  const address = server.server.address();
  const bound = typeof address === 'object' && address ? address.port : port;

  return {
    smtpUrl: `smtp://${host.includes(':') ? `[${host}]` : host}:${bound}`,
    messages: () => [...stored],
    message: (id) => stored.find((m) => m.id === id),
    waitFor(match, timeoutMs = 5_000) {
      const found = stored.find(match);
      if (found) return Promise.resolve(found);
      return new Promise((resolve, reject) => {
        const waiter = (m: MailboxMessage) => {
          if (!match(m)) return;
          waiters.delete(waiter);
          clearTimeout(timer);
          resolve(m);
        };
        const timer = setTimeout(() => {
          waiters.delete(waiter);
          reject(new Error(`No matching mail arrived within ${timeoutMs} ms`));
        }, timeoutMs);
        waiters.add(waiter);
      });
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
