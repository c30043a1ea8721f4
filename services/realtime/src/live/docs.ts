// How the live route reads in realtime's OpenAPI document (the gateway publishes the same route).
import { ApiCredentials, LIVE_DESCRIPTION, LiveMessage } from '@canvass/contracts';
import { emptyResponse, problemResponses, type SecurityRequirements } from '@canvass/service-kit';

export const liveSecuritySchemes = {
  manageToken: ApiCredentials.manageToken,
  voteReceipt: ApiCredentials.voteReceipt,
};

export const liveDocs = {
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
      [503, 'This server is stopping: reconnect.'],
    ),
  },
};

/** GET /api/v1/events/{eventId}/live (docs/events.md): open to anyone who knows the event. */
export const stageLiveDocs = {
  tags: ['Events'],
  summary: 'An event’s stage as it changes (WebSocket or Server-Sent Events)',
  description:
    'The same messages as live results; each `snapshot` carries the stage (GET /api/v1/events/{eventId}/stage) as its `results`, and `viewers` counts who is connected.',
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
      [503, 'This server is stopping: reconnect.'],
    ),
  },
};

/** GET /api/v1/events/{eventId}/questions/live: the approved questions as they change. */
export const questionsLiveDocs = {
  ...stageLiveDocs,
  summary: 'An event’s questions as they change (WebSocket or Server-Sent Events)',
  description:
    'The same messages as live results; each `snapshot` carries the questions (GET /api/v1/events/{eventId}/questions) as its `results`.',
};
