// CloudEvents 1.0 structured envelope, with the extensions Canvass relies on:
// traceparent (W3C trace context), partitionkey (ordering), streamversion (order within a key),
// workspace (tenant).
import Type, { type Static, type TSchema } from 'typebox';

export const CloudEventEnvelope = Type.Object({
  specversion: Type.Literal('1.0'),
  id: Type.String({ minLength: 1, maxLength: 128 }),
  source: Type.String({ minLength: 1 }),
  type: Type.String({ pattern: '^[a-z]+(\\.[a-z_]+)+\\.v[0-9]+$' }),
  time: Type.String({ format: 'date-time' }),
  subject: Type.Optional(Type.String()),
  datacontenttype: Type.Literal('application/json'),
  dataschema: Type.Optional(Type.String()),
  traceparent: Type.Optional(Type.String({ pattern: '^[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$' })),
  partitionkey: Type.Optional(Type.String({ minLength: 1 })),
  /**
   * The event's place in its partition key's stream (1, 2, 3, … with no gaps): set when the
   * producer keeps such a stream (a poll's events), so consumers apply each key's events once and
   * in order, whatever order and how often they arrive.
   */
  streamversion: Type.Optional(Type.Integer({ minimum: 1 })),
  workspace: Type.Optional(Type.String({ minLength: 1 })),
  data: Type.Unknown(),
});

/** An envelope whose `data` is typed by the event's own schema. */
export type CloudEvent<Data = unknown> = Omit<Static<typeof CloudEventEnvelope>, 'data'> & { data: Data };

/** One published event type: its CloudEvents `type` and the schema of its `data`. */
export interface EventContract<T extends string = string, S extends TSchema = TSchema> {
  readonly type: T;
  readonly data: S;
}

export function defineEvent<const T extends string, S extends TSchema>(
  type: T,
  data: S,
): EventContract<T, S> {
  return { type, data };
}
