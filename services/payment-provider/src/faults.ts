// Faults on demand: queued by tests through the control API, each for the next `times` calls it
// matches. API faults hit requests that are about to execute (a replay or a request refused by
// the idempotency check takes none); `decline` hits the next confirmation; webhook faults hit the
// next events sent to the endpoints.
import Type, { type Static } from 'typebox';
import { objectId } from './ids.ts';

const times = Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 1 }));
/** A route as `METHOD /pattern`, e.g. `POST /v1/payment_intents/:id/confirm`; default: every POST under /v1. */
const route = Type.Optional(Type.String({ pattern: '^(GET|POST|DELETE) /v1/', maxLength: 200 }));

export const FaultSpec = Type.Union([
  Type.Object(
    {
      fault: Type.Literal('timeout'),
      times,
      route,
      /** How long the answer is held: set it above the client's timeout (default 10 s). */
      holdMs: Type.Optional(Type.Integer({ minimum: 0, maximum: 600_000 })),
      /** Whether the operation still happens once the hold ends (default true: the nasty case). */
      apply: Type.Optional(Type.Boolean()),
    },
    { additionalProperties: false },
  ),
  Type.Object(
    {
      fault: Type.Literal('500'),
      times,
      route,
      /** Whether the operation happened before the 500 (default true). */
      apply: Type.Optional(Type.Boolean()),
    },
    { additionalProperties: false },
  ),
  Type.Object(
    {
      fault: Type.Literal('decline'),
      times,
      declineCode: Type.Optional(Type.String({ pattern: '^[a-z_]{1,64}$' })),
    },
    { additionalProperties: false },
  ),
  Type.Object(
    {
      fault: Type.Union([Type.Literal('duplicate'), Type.Literal('out_of_order'), Type.Literal('drop')]),
      times,
      /** Only events of this type (default: any). */
      eventType: Type.Optional(Type.String({ maxLength: 100 })),
    },
    { additionalProperties: false },
  ),
]);

export type FaultSpec = Static<typeof FaultSpec>;
export type QueuedFault = FaultSpec & { id: string; remaining: number };
export type ApiFault = Extract<QueuedFault, { fault: 'timeout' | '500' }>;
export type WebhookFault = Extract<QueuedFault, { fault: 'duplicate' | 'out_of_order' | 'drop' }>;

export function createFaultQueue() {
  let queue: QueuedFault[] = [];

  function take<T extends QueuedFault>(matches: (fault: QueuedFault) => fault is T): T | null {
    const found = queue.find(matches);
    if (!found) return null;
    found.remaining -= 1;
    if (found.remaining === 0) queue = queue.filter((fault) => fault !== found);
    return found;
  }

  return {
    add(spec: FaultSpec): QueuedFault {
      const queued = { ...spec, id: objectId('fault'), remaining: spec.times ?? 1 } as QueuedFault;
      queue.push(queued);
      return { ...queued };
    },
    list: (): QueuedFault[] => queue.map((fault) => ({ ...fault })),
    clear: () => {
      queue = [];
    },
    /** For a request about to execute on `route` (`POST /v1/payment_intents`). */
    takeApiFault: (routeName: string) =>
      take(
        (fault): fault is ApiFault =>
          (fault.fault === 'timeout' || fault.fault === '500') &&
          (fault.route === undefined ? routeName.startsWith('POST /v1/') : fault.route === routeName),
      ),
    /** The decline code a queued `decline` fault forces on this confirmation, or null. */
    takeDecline(): string | null {
      const fault = take(
        (queued): queued is Extract<QueuedFault, { fault: 'decline' }> => queued.fault === 'decline',
      );
      return fault ? (fault.declineCode ?? 'generic_decline') : null;
    },
    takeWebhookFault: (eventType: string) =>
      take(
        (fault): fault is WebhookFault =>
          (fault.fault === 'duplicate' || fault.fault === 'out_of_order' || fault.fault === 'drop') &&
          (fault.eventType === undefined || fault.eventType === eventType),
      ),
  };
}

export type FaultQueue = ReturnType<typeof createFaultQueue>;
