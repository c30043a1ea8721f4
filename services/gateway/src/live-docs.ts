// How the live route reads in the public OpenAPI document. Realtime validates its parameters;
// the gateway only documents them (swaggerTransform), so nothing is refused here that realtime
// would take.
import {
  ApiCredentials,
  LIVE_DESCRIPTION,
  LiveMessage,
  LiveParams,
  LiveQuery,
  StageLiveParams,
} from '@canvass/contracts';
import { emptyResponse, problemResponses, type SecurityRequirements } from '@canvass/service-kit';
import type { RouteShorthandOptions } from 'fastify';

export const liveSecuritySchemes = {
  manageToken: ApiCredentials.manageToken,
  voteReceipt: ApiCredentials.voteReceipt,
};

export const liveRouteDocs: RouteShorthandOptions = {
  schema: {
    tags: ['Live'],
    summary: 'Live results (WebSocket or Server-Sent Events)',
    description: LIVE_DESCRIPTION,
    security: [{}, { bearer: [] }, { manageToken: [] }, { voteReceipt: [] }] as SecurityRequirements,
    response: {
      101: emptyResponse('A WebSocket: each text frame is one message (JSON).'),
      200: {
        description: 'Server-Sent Events: each event’s data is one message (JSON).',
        content: { 'text/event-stream': { schema: LiveMessage } },
      },
      ...problemResponses(
        400,
        [401, 'The credentials are not valid.'],
        [404, 'No poll has this id.'],
        [406, 'Neither a WebSocket upgrade nor `Accept: text/event-stream`.'],
        [
          429,
          'Too many live connections open from this address, or to this poll (`limit` says which): wait for `Retry-After` seconds.',
        ],
        [503, 'The live server is stopping or cannot be reached: reconnect.'],
      ),
    },
  },
  config: {
    swaggerTransform: ({ schema, url }) => ({
      schema: { ...schema, params: LiveParams, querystring: LiveQuery },
      url,
    }),
  },
};

/** GET /api/v1/events/{eventId}/live: the same transports, the stage as each snapshot's `results`. */
export const stageLiveRouteDocs: RouteShorthandOptions = {
  schema: {
    tags: ['Events'],
    summary: 'An event’s stage as it changes (WebSocket or Server-Sent Events)',
    description:
      'What every participant’s screen shows, pushed as the presenter changes it: the same messages as live results, each `snapshot` carrying the stage (GET /api/v1/events/{eventId}/stage) as its `results`, and `viewers` counting who is connected.',
    security: [{}] as SecurityRequirements,
    response: {
      101: emptyResponse('A WebSocket: each text frame is one message (JSON).'),
      200: {
        description: 'Server-Sent Events: each event’s data is one message (JSON).',
        content: { 'text/event-stream': { schema: LiveMessage } },
      },
      ...problemResponses(
        400,
        [404, 'No event has this id.'],
        [406, 'Neither a WebSocket upgrade nor `Accept: text/event-stream`.'],
        [429, 'Too many live connections open from this address, or to this event.'],
        [503, 'The live server is stopping or cannot be reached: reconnect.'],
      ),
    },
  },
  config: {
    swaggerTransform: ({ schema, url }) => ({
      schema: { ...schema, params: StageLiveParams, querystring: LiveQuery },
      url,
    }),
  },
};

/** GET /api/v1/events/{eventId}/questions/live: the same, the questions as each snapshot's `results`. */
export const questionsLiveRouteDocs: RouteShorthandOptions = {
  ...stageLiveRouteDocs,
  schema: {
    ...stageLiveRouteDocs.schema,
    summary: 'An event’s questions as they change (WebSocket or Server-Sent Events)',
    description:
      'The approved questions, pushed as they are asked, upvoted and moderated: the same messages as live results, each `snapshot` carrying GET /api/v1/events/{eventId}/questions as its `results`.',
  },
};
