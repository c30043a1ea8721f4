// The notifications API: webhook endpoints and their delivery log, the in-app inbox and what a
// person wants to be told. Shared by the notifications service (validation, OpenAPI) and the CLI.
import Type, { type Static } from 'typebox';

/** What an endpoint can subscribe to. Each poll event carries `pollId` and `sequence` (see docs/notifications.md). */
export const WEBHOOK_EVENT_TYPES = [
  'poll.created',
  'poll.updated',
  'poll.opened',
  'poll.closed',
  'vote.cast',
  'vote.retracted',
  'poll.results_changed',
] as const;
export type WebhookEventType = (typeof WEBHOOK_EVENT_TYPES)[number];
export const WebhookEventTypeSchema = Type.Union(WEBHOOK_EVENT_TYPES.map((type) => Type.Literal(type)));

const Timestamp = Type.String({ format: 'date-time' });
const Url = Type.String({
  minLength: 8,
  maxLength: 2048,
  description: 'http:// or https://, a public address.',
});

export const NewWebhookEndpoint = Type.Object(
  {
    url: Url,
    eventTypes: Type.Array(WebhookEventTypeSchema, { minItems: 1, maxItems: WEBHOOK_EVENT_TYPES.length }),
    description: Type.Optional(Type.String({ maxLength: 200 })),
    enabled: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);

export const WebhookEndpointChange = Type.Object(
  {
    url: Type.Optional(Url),
    eventTypes: Type.Optional(
      Type.Array(WebhookEventTypeSchema, { minItems: 1, maxItems: WEBHOOK_EVENT_TYPES.length }),
    ),
    description: Type.Optional(Type.String({ maxLength: 200 })),
    enabled: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false, minProperties: 1 },
);

export const WebhookEndpointView = Type.Object({
  id: Type.String(),
  url: Type.String(),
  description: Type.String(),
  eventTypes: Type.Array(Type.String()),
  enabled: Type.Boolean(),
  /** Why it is off: `null` when switched off by hand or on; `failing` when Canvass disabled it. */
  disabledReason: Type.Union([Type.String(), Type.Null()]),
  /** Since when every delivery has failed (null: the last one succeeded, or none yet). */
  failingSince: Type.Union([Timestamp, Type.Null()]),
  /** Until when the previous secret still signs deliveries too (after a rotation). */
  previousSecretUntil: Type.Union([Timestamp, Type.Null()]),
  createdAt: Timestamp,
});

/** The endpoint as created: the signing secret (`whsec_…`) is shown this once. */
export const CreatedWebhookEndpoint = Type.Intersect([
  WebhookEndpointView,
  Type.Object({ secret: Type.String() }),
]);

export const RotatedSecret = Type.Object({
  secret: Type.String({ description: 'The new signing secret, shown once.' }),
  previousSecretUntil: Timestamp,
});

export const DeliveryStatus = Type.Union([
  Type.Literal('pending'),
  Type.Literal('succeeded'),
  Type.Literal('failed'),
]);

export const DeliveryAttemptView = Type.Object({
  at: Timestamp,
  /** The receiver's HTTP status, or null when none came (refused address, timeout, …). */
  status: Type.Union([Type.Integer(), Type.Null()]),
  latencyMs: Type.Integer(),
  error: Type.Union([Type.String(), Type.Null()]),
  /** The first KiB of the answer. */
  excerpt: Type.String(),
});

export const DeliveryView = Type.Object({
  id: Type.String(),
  endpointId: Type.String(),
  /** The `webhook-id` header: the same on every attempt and resend of one message. */
  messageId: Type.String(),
  eventType: Type.String(),
  status: DeliveryStatus,
  attempts: Type.Integer(),
  nextAttemptAt: Type.Union([Timestamp, Type.Null()]),
  createdAt: Timestamp,
  lastAttempt: Type.Union([DeliveryAttemptView, Type.Null()]),
});

export const DeliveryDetail = Type.Intersect([
  DeliveryView,
  Type.Object({ payload: Type.Unknown(), attemptLog: Type.Array(DeliveryAttemptView) }),
]);

export const DeliveryPage = Type.Object({
  deliveries: Type.Array(DeliveryView),
  nextCursor: Type.Union([Type.String(), Type.Null()]),
});

export const ReplayRequest = Type.Object(
  {
    since: Timestamp,
    onlyFailed: Type.Optional(
      Type.Boolean({ description: 'Only messages whose last delivery failed. Default false.' }),
    ),
  },
  { additionalProperties: false },
);

export const InboxItem = Type.Object({
  id: Type.String(),
  kind: Type.String(),
  title: Type.String(),
  body: Type.String(),
  /** A path in the app (`/app/polls/…`). */
  url: Type.String(),
  workspaceId: Type.Union([Type.String(), Type.Null()]),
  createdAt: Timestamp,
  readAt: Type.Union([Timestamp, Type.Null()]),
});

export const InboxPage = Type.Object({
  items: Type.Array(InboxItem),
  unread: Type.Integer(),
  nextCursor: Type.Union([Type.String(), Type.Null()]),
});

export const UnreadCount = Type.Object({ unread: Type.Integer() });

export const MarkRead = Type.Object(
  {
    ids: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 64 }), { maxItems: 200 })),
    all: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false, minProperties: 1 },
);

export const NotificationPreferences = Type.Object(
  {
    /** The in-app inbox (the bell). */
    inbox: Type.Boolean(),
    /** A daily mail summing up unread inbox items. */
    digest: Type.Boolean(),
    /** Mail at once: a poll opened, closed, first vote, 100 and 1,000 votes. */
    pollMail: Type.Boolean(),
    /** Mail at once: an invitation accepted. */
    memberMail: Type.Boolean(),
    /** Mail at once: a webhook endpoint disabled. */
    webhookMail: Type.Boolean(),
  },
  { additionalProperties: false },
);

export type NotificationPreferences = Static<typeof NotificationPreferences>;
export type WebhookEndpointView = Static<typeof WebhookEndpointView>;
export type DeliveryView = Static<typeof DeliveryView>;
export type InboxItem = Static<typeof InboxItem>;
