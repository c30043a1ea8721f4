// The `next` / `after` cursor of the poll list: opaque to clients (base64url), a poll's creation
// time and id inside. created_at is always written from a JavaScript Date, so milliseconds carry
// it exactly.
import { HttpProblem } from '@canvass/service-kit';
import type { PollCursor } from './poll-store.ts';

const INSIDE = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z)~([A-Za-z0-9]{1,64})$/;

export const encodeCursor = (cursor: PollCursor): string =>
  Buffer.from(`${cursor.createdAt.toISOString()}~${cursor.id}`).toString('base64url');

/** The cursor, or a 400 problem naming `after` when it is not one this service handed out. */
export function decodeCursor(text: string): PollCursor {
  const match = INSIDE.exec(Buffer.from(text, 'base64url').toString('utf8'));
  const createdAt = new Date(match?.[1] ?? Number.NaN);
  if (!match || Number.isNaN(createdAt.getTime())) {
    throw new HttpProblem(
      400,
      'invalid-cursor',
      'The request is not valid',
      'after must be the `next` value of an earlier page, unchanged.',
      { errors: [{ in: 'querystring', field: '/after', message: 'is not a cursor from `next`' }] },
    );
  }
  return { createdAt, id: match[2]! };
}
