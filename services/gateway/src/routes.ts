// Which service answers which public route, and what the gateway does on the way (policy as
// data). Fastify's router prefers the more specific route, so results go to analytics while
// everything else under /api/v1/polls goes to polls.
export interface RouteRule {
  url: string;
  methods: string[];
  service: string;
  /** The service checks the client's credentials itself (the OIDC endpoints): pass them untouched. */
  ownCredentials?: boolean;
  /** Casting or withdrawing (POST, DELETE) counts against the per-voter limit of `:pollId`. */
  voterLimit?: boolean;
  /**
   * With `voterLimit`: which per-address count of `:pollId` the request adds to (per minute and
   * per hour, passed to polls, which judges them by the poll's settings; see rate-limits.ts).
   */
  addressCount?: 'votes' | 'device-tokens';
  /**
   * POSTs read in the same turn of the event loop go to the service as one request
   * (batching.ts); the service answers each as its route would.
   */
  batch?: boolean;
  /** Anonymous GETs are answered from the results cache (results-cache.ts) for `:pollId`. */
  resultsCache?: boolean;
  /**
   * A long poll: this query parameter says how many seconds the service may hold the answer
   * (the service bounds it), and the gateway waits that much longer than its usual timeout.
   */
  longPoll?: string;
}

/** Live results: served by realtime over SSE or WebSocket (see live-routes.ts), not by polls. */
export const LIVE_ROUTE = '/api/v1/polls/:pollId/live';
/** An event's stage as the presenter changes it (docs/events.md): realtime too. */
export const STAGE_LIVE_ROUTE = '/api/v1/events/:eventId/live';
/** And its questions as they change. */
export const QUESTIONS_LIVE_ROUTE = '/api/v1/events/:eventId/questions/live';

const ALL = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'HEAD'];

export const publicRoutes: readonly RouteRule[] = [
  {
    url: '/api/v1/polls/:pollId/results',
    methods: ['GET', 'HEAD'],
    service: 'analytics',
    resultsCache: true,
  },
  {
    url: '/api/v1/polls/:pollId/votes',
    methods: ALL,
    service: 'polls',
    voterLimit: true,
    addressCount: 'votes',
    batch: true,
  },
  {
    url: '/api/v1/polls/:pollId/votes/mine',
    methods: ALL,
    service: 'polls',
    voterLimit: true,
    addressCount: 'votes',
  },
  {
    url: '/api/v1/polls/:pollId/device-token',
    methods: ALL,
    service: 'polls',
    voterLimit: true,
    addressCount: 'device-tokens',
  },
  { url: '/api/v1/polls', methods: ALL, service: 'polls' },
  { url: '/api/v1/polls/*', methods: ALL, service: 'polls' },
  { url: '/api/v1/receipts/*', methods: ALL, service: 'polls' },
  // A quiz answer is a vote in the poll: the same per-voter limit and per-address count.
  {
    url: '/api/v1/events/:eventId/quiz/:pollId/answers',
    methods: ALL,
    service: 'polls',
    voterLimit: true,
    addressCount: 'votes',
  },
  { url: '/api/v1/events', methods: ALL, service: 'polls' },
  { url: '/api/v1/events/*', methods: ALL, service: 'polls' },
  { url: '/api/v1/join/*', methods: ALL, service: 'polls' },
  { url: '/api/v1/accounts', methods: ALL, service: 'identity' },
  { url: '/api/v1/accounts/*', methods: ALL, service: 'identity' },
  { url: '/api/v1/account', methods: ALL, service: 'identity' },
  { url: '/api/v1/account/*', methods: ALL, service: 'identity' },
  { url: '/api/v1/api-keys', methods: ALL, service: 'identity' },
  { url: '/api/v1/api-keys/*', methods: ALL, service: 'identity' },
  { url: '/api/v1/oauth-clients', methods: ALL, service: 'identity' },
  { url: '/api/v1/oauth-clients/*', methods: ALL, service: 'identity' },
  { url: '/api/v1/invitations', methods: ALL, service: 'identity' },
  { url: '/api/v1/invitations/*', methods: ALL, service: 'identity' },
  { url: '/api/v1/members', methods: ALL, service: 'identity' },
  { url: '/api/v1/members/*', methods: ALL, service: 'identity' },
  { url: '/api/v1/workspaces', methods: ALL, service: 'identity' },
  { url: '/api/v1/webhooks', methods: ALL, service: 'notifications' },
  { url: '/api/v1/webhooks/*', methods: ALL, service: 'notifications' },
  { url: '/api/v1/webhook-deliveries/*', methods: ALL, service: 'notifications' },
  { url: '/api/v1/inbox', methods: ALL, service: 'notifications' },
  // The bell's long poll (`wait` up to 25 s) outlasts the usual 10 s timeout.
  { url: '/api/v1/inbox/unread', methods: ['GET', 'HEAD'], service: 'notifications', longPoll: 'wait' },
  { url: '/api/v1/inbox/*', methods: ALL, service: 'notifications' },
  { url: '/api/v1/notification-preferences', methods: ALL, service: 'notifications' },
  { url: '/api/v1/unsubscribe/*', methods: ALL, service: 'notifications' },
  { url: '/api/v1/billing', methods: ALL, service: 'billing' },
  { url: '/api/v1/billing/*', methods: ALL, service: 'billing' },
  // The local mailbox (embedded tier, or a cluster without SMTP_URL): HTML pages, not the API.
  { url: '/mailbox', methods: ['GET', 'HEAD'], service: 'notifications' },
  { url: '/mailbox/*', methods: ['GET', 'HEAD'], service: 'notifications' },
  { url: '/oidc', methods: ALL, service: 'identity', ownCredentials: true },
  { url: '/oidc/*', methods: ALL, service: 'identity', ownCredentials: true },
  { url: '/interaction/*', methods: ALL, service: 'identity', ownCredentials: true },
];
