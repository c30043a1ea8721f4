// What a live viewer receives. Every snapshot is whole (no deltas), so a client that missed some
// converges on the next one; `sequence` orders them and lets a client resume where it was.
export interface Snapshot {
  sequence: number;
  /** The same body as GET /api/v1/polls/{pollId}/results. */
  results: Record<string, unknown>;
  /** The trace that made it (analytics' batch, linked to the votes it counted), for operators. */
  trace?: string;
}

export type LiveMessage =
  | { type: 'snapshot'; sequence: number; results: Record<string, unknown>; trace?: string }
  | { type: 'viewers'; count: number }
  | { type: 'hidden'; reason: string }
  | { type: 'error'; status: number; title: string; detail: string };

/** One Server-Sent Events frame; snapshots carry their sequence as the event id (Last-Event-ID). */
export function sseFrame(message: LiveMessage): string {
  const id = message.type === 'snapshot' ? `id: ${message.sequence}\n` : '';
  return `event: ${message.type}\n${id}data: ${JSON.stringify(message)}\n\n`;
}

const frames = new WeakMap<LiveMessage, Buffer>();
/**
 * The same frame as bytes, made once per message object: every viewer of a poll is written the
 * same snapshot object (see viewer.ts), so slow readers share one buffer instead of each holding
 * a copy of the whole snapshot.
 */
export function sseFrameBytes(message: LiveMessage): Buffer {
  let frame = frames.get(message);
  if (!frame) {
    frame = Buffer.from(sseFrame(message));
    frames.set(message, frame);
  }
  return frame;
}

/** The sequence a results body carries; bodies from before sequences existed count as 0. */
export function snapshotOf(body: unknown): Snapshot {
  const results = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>;
  const sequence = typeof results.sequence === 'number' ? results.sequence : 0;
  return { sequence, results };
}
