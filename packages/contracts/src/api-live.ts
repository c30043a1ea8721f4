// Live results (GET /api/v1/polls/{pollId}/live): what a client asks with and the messages it
// receives, as WebSocket text frames or as Server-Sent Events (`event:` is the message type).
// Realtime serves the route; the gateway documents it publicly.
import Type from 'typebox';
import { PollResults } from './api-results.ts';

/** The WebSocket subprotocol live results speak; offered, it is answered. */
export const LIVE_PROTOCOL = 'canvass.v1';
/** Offered as `canvass.bearer.<access token>`, a subprotocol carries a browser's bearer token. */
export const BEARER_PROTOCOL_PREFIX = 'canvass.bearer.';

export const LIVE_DESCRIPTION = [
  'Open it as a WebSocket (an HTTP upgrade: each text frame is one message), or ask for Server-Sent Events with `Accept: text/event-stream` (each event is one message; `event:` is its type). Anything else answers 406.',
  'The first message is the current snapshot (unless `since` or `Last-Event-ID` says the client has it), then every newer one, whole and sequence-numbered: a client that reconnects with its last sequence converges on what a new client sees. `viewers` messages say how many are watching.',
  'Who may watch follows the results’ visibility; a viewer who may not see them yet gets `hidden`, and a snapshot once they may. Browsers cannot set headers on a WebSocket, so the receipt and the manage token may come as query parameters, and a bearer token (access token or API key) as a subprotocol: offer `Sec-WebSocket-Protocol: canvass.v1, canvass.bearer.<token>`. The gateway takes the token out and authenticates it like `Authorization: Bearer` (an invalid one refuses the upgrade with 401); the answer selects `canvass.v1`.',
  'Open live connections are limited per client address and per poll: over a limit the answer is 429 problem+json with `Retry-After` (for a WebSocket, the answer to its upgrade). A connection that stops reading for 30 s is closed; reconnect with `since`.',
].join('\n\n');

export const LiveParams = Type.Object({ pollId: Type.String({ minLength: 1, maxLength: 64 }) });
/** GET /api/v1/events/{eventId}/live: an event's stage (docs/events.md). */
export const StageLiveParams = Type.Object({ eventId: Type.String({ minLength: 1, maxLength: 64 }) });

export const LiveQuery = Type.Object({
  since: Type.Optional(
    Type.Integer({ minimum: 0, description: 'The last sequence the client has: only newer snapshots come.' }),
  ),
  receipt: Type.Optional(
    Type.String({
      minLength: 1,
      maxLength: 512,
      description: 'A vote receipt, for after_vote results (browsers cannot set headers on a WebSocket).',
    }),
  ),
  manageToken: Type.Optional(
    Type.String({ minLength: 1, maxLength: 512, description: 'A guest poll’s manage token.' }),
  ),
});

export const LiveMessage = Type.Union(
  [
    Type.Object(
      { type: Type.Literal('snapshot'), sequence: Type.Integer({ minimum: 0 }), results: PollResults },
      { description: 'The whole current results; with SSE, `id:` is the sequence (Last-Event-ID resumes).' },
    ),
    Type.Object(
      { type: Type.Literal('viewers'), count: Type.Integer({ minimum: 0 }) },
      { description: 'How many are watching this poll.' },
    ),
    Type.Object(
      { type: Type.Literal('hidden'), reason: Type.String() },
      { description: 'The results are not visible to this viewer now; a snapshot follows once they are.' },
    ),
    Type.Object(
      {
        type: Type.Literal('error'),
        status: Type.Integer(),
        title: Type.String(),
        detail: Type.String(),
      },
      { description: 'The stream ends; reconnect when the status is 5xx.' },
    ),
  ],
  { description: 'One live message.' },
);
