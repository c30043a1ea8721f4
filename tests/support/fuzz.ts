// A schema-driven fuzzer for the public API. For each operation in the gateway's OpenAPI document
// it draws, with fast-check and a seed, valid-ish requests from the operation's own schemas (real
// ids from the scenes it is given, so requests get past "no such poll"), then breaks them one way
// at a time: wrong types, missing and extra fields, huge strings, NUL bytes, lone surrogates, odd
// Unicode, deep nesting, malformed JSON, empty bodies, wrong content types, path parameters that
// try to leave their route (`..`, `%00`, bad percent-encoding, over-long), bad query values and
// cursors, bad and oversized headers. Each kind of input draws its own values from a seed derived
// from (seed, round, operation, kind), so one seed replays a whole run, and adding an operation or
// a kind changes nothing else. Requests are returned, not sent (fuzz-http.ts sends them raw).
// Drafts in fuzz-draft.ts, the kinds of input in fuzz-kinds.ts, their values in fuzz-inputs.ts.
import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { draftOf, operationKey } from './fuzz-draft.ts';
import { KINDS } from './fuzz-kinds.ts';
import type { Hints } from './fuzz-schema.ts';
import { type DocumentedOperation, type Json, operationsOf } from './openapi-document.ts';

export { operationKey };

export interface FuzzRequest {
  /** `POST /api/v1/polls/{pollId}/votes`, as the document names it. */
  operation: string;
  /** The kind of input, e.g. `nul-byte (body)`: failures are grouped and deduplicated by it. */
  input: string;
  /** Where the input went (`/question`, `path pollId`, `query after`). */
  where: string;
  method: string;
  /** Path and query exactly as sent: nothing normalises them on the way. */
  target: string;
  headers: Record<string, string>;
  body?: Buffer;
}

/** Real values that belong together: a poll, a vote in it, its receipt, its manage token. */
export interface Scene {
  /** Path parameter values by name (pollId, receiptId, voteId, id, userId). */
  params: Readonly<Record<string, string>>;
  /** Arbitraries for fields and parameters by name (this poll's option ids, a real cursor). */
  hints: Hints;
  /** Headers to send when an operation's security names the scheme (manageToken, voteReceipt). */
  credentials: Readonly<Record<string, Readonly<Record<string, string>>>>;
}

/** One pass over every operation: as whom (headers sent with every request), over which scenes. */
export interface Round {
  name: string;
  headers: Readonly<Record<string, string>>;
  scenes: readonly Scene[];
}

export interface FuzzBudget {
  seed: number;
  /** Requests per kind of input per operation per round (valid-ish requests get twice as many). */
  runs: number;
}

/** A derived seed: the same (seed, parts) always gives the same number. */
export function seedOf(seed: number, ...parts: string[]): number {
  return (
    createHash('sha256')
      .update([seed, ...parts].join('\u0000'))
      .digest()
      .readUInt32BE(0) >>> 1
  );
}

/** Every request of a round for one operation: valid-ish first, then each kind of hostile input. */
export function requestsFor(
  document: Json,
  op: DocumentedOperation,
  round: Round,
  budget: FuzzBudget,
): FuzzRequest[] {
  const drafts = draftOf(document, op, round);
  return KINDS.filter((kind) => kind.applies(op)).flatMap((kind) =>
    fc.sample(kind.arbitrary(op, drafts), {
      seed: seedOf(budget.seed, round.name, operationKey(op), kind.name),
      numRuns: Math.max(1, Math.round(budget.runs * (kind.weight ?? 1))),
    }),
  );
}

// Reads first, then changes, deletions last: a round's DELETEs must not pull its fixtures away
// from the operations still to come.
const ORDER = ['get', 'head', 'options', 'post', 'put', 'patch', 'delete'];

/** The document's operations in the order a round visits them. */
export function operationsInOrder(document: Json): DocumentedOperation[] {
  return operationsOf(document).sort((a, b) => ORDER.indexOf(a.method) - ORDER.indexOf(b.method));
}
