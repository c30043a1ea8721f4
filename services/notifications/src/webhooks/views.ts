// Rows to API views, shared by the routes and the CLI's answers.
import type { DeliveryView, WebhookEndpointView } from '@canvass/contracts';
import type { Selectable } from 'kysely';
import type { NotificationsTables } from '../tables.ts';

type Endpoint = Selectable<NotificationsTables['webhook_endpoints']>;
type Delivery = Selectable<NotificationsTables['webhook_deliveries']>;
type Attempt = Selectable<NotificationsTables['webhook_attempts']>;

const iso = (at: Date | null) => (at ? at.toISOString() : null);

export const endpointView = (row: Endpoint): WebhookEndpointView => ({
  id: row.id,
  url: row.url,
  description: row.description,
  eventTypes: typeof row.event_types === 'string' ? JSON.parse(row.event_types) : row.event_types,
  enabled: row.enabled,
  disabledReason: row.disabled_reason,
  failingSince: iso(row.failing_since),
  previousSecretUntil:
    row.previous_secret && row.previous_secret_until && row.previous_secret_until > new Date()
      ? iso(row.previous_secret_until)
      : null,
  createdAt: row.created_at.toISOString(),
});

export const attemptView = (row: Attempt) => ({
  at: row.at.toISOString(),
  status: row.status,
  latencyMs: row.latency_ms,
  error: row.error,
  excerpt: row.excerpt,
});

export const deliveryView = (
  row: Delivery & { event_type: string },
  last: Attempt | undefined,
): DeliveryView => ({
  id: row.id,
  endpointId: row.endpoint_id,
  messageId: row.message_id,
  eventType: row.event_type,
  status: row.status as DeliveryView['status'],
  attempts: row.attempts,
  nextAttemptAt: row.status === 'pending' ? iso(row.next_attempt_at) : null,
  createdAt: row.created_at.toISOString(),
  lastAttempt: last ? attemptView(last) : null,
});
