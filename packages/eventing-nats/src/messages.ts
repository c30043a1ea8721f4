// What the NATS bus puts on the wire: one event per message, or a run of an ordered log's events
// in one message (`messagesFor`), with the headers each carries; and reading a message back into
// the events it carries (`payloadsOf`).
import {
  defaultPartitions,
  type EventBus,
  isStoredEvent,
  logOf,
  type PartitionMap,
  subjectFor,
} from '@canvass/eventing';
import { headers, type MsgHdrs } from '@nats-io/transport-node';

/** The header a snapshot off the ordered logs carries its partition key in (see `wants`). */
export const KEY_HEADER = 'Canvass-Key';
/** On a message that carries a run of an ordered log's events: how many (its payload is their JSON array). */
export const EVENTS_HEADER = 'Canvass-Events';
/** A run of one partition's events goes in messages of at most this many events… */
export const MAX_EVENTS_PER_MESSAGE = 256;
/** …and at most this many bytes (NATS refuses payloads above its max_payload, 1 MiB by default). */
const MAX_MESSAGE_BYTES = 256 * 1024;

type CloudEvent = Parameters<EventBus['publish']>[0][number];

export interface OutgoingMessage {
  subject: string;
  payload: string;
  headers: MsgHdrs;
}

/**
 * The messages that carry these events. Events of an ordered log travel in runs: consecutive
 * events on one partition subject go as one message whose payload is their JSON array (the relay
 * publishes a partition's batch in one publish), so the broker stores, delivers and acknowledges
 * one message per run instead of one per event: most of what a vote cost NATS and the consumers
 * (docs/performance.md). A run of one is sent as a plain event. Events off the ordered logs
 * (superseding snapshots, filtered by their key header) always go one per message.
 */
export function messagesFor(
  events: readonly CloudEvent[],
  partitions: PartitionMap = defaultPartitions,
  runs = true,
): OutgoingMessage[] {
  const messages: OutgoingMessage[] = [];
  let run:
    | { subject: string; texts: string[]; first: CloudEvent; last: CloudEvent; bytes: number }
    | undefined;
  const flush = () => {
    if (!run) return;
    if (run.texts.length === 1)
      messages.push({
        subject: run.subject,
        payload: run.texts[0]!,
        headers: eventHeaders(run.first, run.subject, partitions),
      });
    else messages.push(runMessage(run.subject, run.texts, run.first, run.last));
    run = undefined;
  };
  for (const event of events) {
    const subject = subjectFor(event, partitions);
    // A stored event (the relay's) goes as the log keeps it.
    const text = isStoredEvent(event) ? event.json : JSON.stringify(event);
    if (!runs || !logOf(event.type, partitions)) {
      flush();
      messages.push({ subject, payload: text, headers: eventHeaders(event, subject, partitions) });
      continue;
    }
    const bytes = Buffer.byteLength(text);
    if (
      run &&
      (run.subject !== subject ||
        run.texts.length >= MAX_EVENTS_PER_MESSAGE ||
        run.bytes + bytes > MAX_MESSAGE_BYTES)
    )
      flush();
    if (run) {
      run.texts.push(text);
      run.last = event;
      run.bytes += bytes + 1;
    } else run = { subject, texts: [text], first: event, last: event, bytes: bytes + 2 };
  }
  flush();
  return messages;
}

/**
 * A run's message. Its de-duplication id names its first and last event: the same run published
 * twice (a relay that crashed before its checkpoint moved) is stored once; a longer run read
 * after a takeover is stored again, and consumers drop the events they have (stream versions,
 * inbox). Each event carries its own `traceparent` in the payload.
 */
function runMessage(subject: string, texts: string[], first: CloudEvent, last: CloudEvent): OutgoingMessage {
  const h = headers();
  h.set('Nats-Msg-Id', `${subject}:${first.id}..${last.id}`);
  h.set(EVENTS_HEADER, String(texts.length));
  return { subject, payload: `[${texts.join(',')}]`, headers: h };
}

/** How many events a message carries (for batch sizes): a run's count, else one. */
export function eventCount(message: { headers?: MsgHdrs | undefined }): number {
  const count = Number(message.headers?.get(EVENTS_HEADER));
  return Number.isInteger(count) && count > 1 ? count : 1;
}

/**
 * The payloads a message carries, each to be checked as an event: a run's elements, or the message
 * itself. A payload that is not JSON (or a run that is not an array) comes back as its text, one
 * payload, so a consumer dead-letters it whole.
 */
export function payloadsOf(message: { string(): string; headers?: MsgHdrs | undefined }): unknown[] {
  const text = message.string();
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return [text];
  }
  return message.headers?.get(EVENTS_HEADER) && Array.isArray(parsed) ? parsed : [parsed];
}

/**
 * The de-duplication id; W3C trace context (NATS has no OpenTelemetry instrumentation, so we
 * carry it); and for an event off the ordered logs its partition key, so a subscriber can drop it
 * without decoding it.
 */
function eventHeaders(
  event: { id: string; type: string; traceparent?: string | undefined; partitionkey?: string | undefined },
  subject: string,
  partitions: PartitionMap,
): MsgHdrs {
  const h = headers();
  // The subject is part of the de-duplication id: JetStream de-duplicates across the whole
  // stream, and the upgrade to the ordered log republishes events the previous layout had
  // published on other subjects minutes before (they would all be dropped).
  h.set('Nats-Msg-Id', `${subject}:${event.id}`);
  if (event.traceparent) h.set('traceparent', event.traceparent);
  if (event.partitionkey && !logOf(event.type, partitions)) h.set(KEY_HEADER, event.partitionkey);
  return h;
}
