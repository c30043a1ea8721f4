// Idempotency keys as Stripe's API v1 keeps them: the status and body of the first request with a
// key are saved once its endpoint begins executing, and replayed for every retry with the same
// endpoint and parameters (500s too). A retry while the first is still running gets a 409; a key
// reused for another endpoint or other parameters, a 400 `idempotency_error`. Requests refused by
// validation save nothing, so they may be retried with the same key.
import { StripeApiError } from '../errors.ts';
import { canonical, type Params } from './form.ts';

export interface SavedResponse {
  statusCode: number;
  /** The body as first sent: a replay is byte for byte the same. */
  body: string;
  headers: Record<string, string>;
}

export interface IdempotencyRecord {
  key: string;
  route: string;
  params: string;
  requestId: string;
  response: SavedResponse | null;
  replays: number;
}

export type Admission =
  | { kind: 'execute' }
  | { kind: 'replay'; response: SavedResponse; originalRequest: string }
  | { kind: 'refuse'; error: StripeApiError };

const MAX_KEY_LENGTH = 255;

const idempotencyError = (statusCode: number, message: string, code?: string) =>
  new StripeApiError(statusCode, { type: 'idempotency_error', message, ...(code ? { code } : {}) });

export function createIdempotencyStore() {
  const records = new Map<string, IdempotencyRecord>();

  function admit(key: string, route: string, params: Params, requestId: string): Admission {
    if (key.length === 0 || key.length > MAX_KEY_LENGTH)
      return {
        kind: 'refuse',
        error: idempotencyError(400, `Idempotency keys must be 1 to ${MAX_KEY_LENGTH} characters long.`),
      };
    const digest = canonical(params);
    const record = records.get(key);
    if (!record) {
      records.set(key, { key, route, params: digest, requestId, response: null, replays: 0 });
      return { kind: 'execute' };
    }
    const retry = `Try using a key other than '${key}' if you meant to execute a different request.`;
    if (record.route !== route)
      return {
        kind: 'refuse',
        error: idempotencyError(
          400,
          `Keys for idempotent requests can only be used for the same endpoint they were first used for ('${record.route}' vs '${route}'). ${retry}`,
        ),
      };
    if (record.params !== digest)
      return {
        kind: 'refuse',
        error: idempotencyError(
          400,
          `Keys for idempotent requests can only be used with the same parameters they were first used with. ${retry}`,
        ),
      };
    if (!record.response)
      return {
        kind: 'refuse',
        error: idempotencyError(
          409,
          'There is currently another in-progress request using this Idempotent Key (that probably means you submitted twice, and the other request is still going through): please try again later.',
          'idempotency_key_in_use',
        ),
      };
    record.replays += 1;
    return { kind: 'replay', response: record.response, originalRequest: record.requestId };
  }

  return {
    admit,
    /** The endpoint ran: its answer is what every retry with the key gets. */
    save(key: string, response: SavedResponse): void {
      const record = records.get(key);
      if (record) record.response = response;
    },
    /** Nothing ran (refused before execution began): the key is free again. */
    release(key: string): void {
      if (records.get(key)?.response === null) records.delete(key);
    },
    records: (): IdempotencyRecord[] => [...records.values()],
    clear: () => records.clear(),
  };
}

export type IdempotencyStore = ReturnType<typeof createIdempotencyStore>;
