import type { CloudEvent, EventContract } from '@canvass/contracts';
import type { Static, TSchema } from 'typebox';

/** Narrows an event to a contract's data (consumers validated it against the contract already). */
export const is = <S extends TSchema>(
  contract: EventContract<string, S>,
  event: CloudEvent,
): event is CloudEvent<Static<S>> => event.type === contract.type;

/** Notices and account mails are about now: a backlog older than this is applied but not told. */
export const STALE_NOTICE_MS = 6 * 3600_000;
export const isStale = (event: CloudEvent, now = Date.now()) =>
  now - Date.parse(event.time) > STALE_NOTICE_MS;
