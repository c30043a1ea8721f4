// Keyset cursors (`next` / `after`): a row's time and id. The poll list's is opaque to clients
// (base64url); the moderation list's is the plain `<time>~<id>` it has always handed out. Times
// are always written from a JavaScript Date, so milliseconds carry them exactly.
import { HttpProblem } from '@canvass/service-kit';
import type { PollCursor } from './poll-store.ts';

const INSIDE = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z)~([A-Za-z0-9]{1,64})$/;

export const encodeCursor = (cursor: PollCursor): string =>
  Buffer.from(`${cursor.createdAt.toISOString()}~${cursor.id}`).toString('base64url');

/** Times a cursor may carry: none before 2000 or after 9999 was ever written. */
const EARLIEST = Date.UTC(2000, 0, 1);
const LATEST = Date.UTC(9999, 11, 31);

const invalidCursor = () =>
  new HttpProblem(
    400,
    'invalid-cursor',
    'The request is not valid',
    'after must be the `next` value of an earlier page, unchanged.',
    { errors: [{ in: 'querystring', field: '/after', message: 'is not a cursor from `next`' }] },
  );

/**
 * `<time>~<id>` as this service writes it, or a 400 problem naming `after`. The time must read
 * back exactly as written (no 30 February rolled into March) and lie where PostgreSQL takes it
 * (year 0000 is no timestamp to it): a tampered cursor is the client's error, never a 500.
 */
export function decodePlainCursor(text: string): { at: Date; id: string } {
  const match = INSIDE.exec(text);
  const at = new Date(match?.[1] ?? Number.NaN);
  const time = at.getTime();
  if (!match || Number.isNaN(time) || time < EARLIEST || time > LATEST || at.toISOString() !== match[1])
    throw invalidCursor();
  return { at, id: match[2]! };
}

/** The poll list's cursor, or a 400 problem naming `after` when it is not one this service handed out. */
export function decodeCursor(text: string): PollCursor {
  if (!/^[A-Za-z0-9_-]*$/.test(text)) throw invalidCursor();
  const { at, id } = decodePlainCursor(Buffer.from(text, 'base64url').toString('utf8'));
  return { createdAt: at, id };
}
