// What the organizer pages read from the notifications API: webhook endpoints and their delivery
// log, the inbox, and what a person wants to be told. The shapes copy
// packages/contracts/src/api-notifications.ts (which imports typebox, so the web app cannot import it).
import { ApiError } from '../api.ts';
import { api } from './auth.ts';

/** What an endpoint can subscribe to, as in the contract, each with what it means in one line. */
export const WEBHOOK_EVENTS: readonly [type: string, meaning: string][] = [
  ['poll.created', 'A poll was created.'],
  ['poll.updated', 'A poll’s question, options or settings changed.'],
  ['poll.opened', 'A poll opened for voting.'],
  ['poll.closed', 'A poll closed; its results are final.'],
  ['vote.cast', 'Someone voted.'],
  ['vote.retracted', 'A vote was withdrawn.'],
  ['poll.results_changed', 'A poll’s results moved.'],
];

export interface WebhookEndpoint {
  id: string;
  url: string;
  description: string;
  eventTypes: string[];
  enabled: boolean;
  /** `failing` when Canvass switched it off; null when switched off by hand, or on. */
  disabledReason: string | null;
  failingSince: string | null;
  previousSecretUntil: string | null;
  createdAt: string;
}

export interface EndpointFields {
  url: string;
  description: string;
  eventTypes: string[];
}

export type DeliveryStatus = 'pending' | 'succeeded' | 'failed';

export interface DeliveryAttempt {
  at: string;
  /** The receiver's HTTP status; null when no answer came. */
  status: number | null;
  latencyMs: number;
  error: string | null;
  excerpt: string;
}

export interface Delivery {
  id: string;
  endpointId: string;
  messageId: string;
  eventType: string;
  status: DeliveryStatus;
  attempts: number;
  nextAttemptAt: string | null;
  createdAt: string;
  lastAttempt: DeliveryAttempt | null;
}

export interface DeliveryDetail extends Delivery {
  payload: unknown;
  attemptLog: DeliveryAttempt[];
}

export interface InboxItem {
  id: string;
  kind: string;
  title: string;
  body: string;
  /** A path in the app (`/app/polls/…`). */
  url: string;
  workspaceId: string | null;
  createdAt: string;
  readAt: string | null;
}

export interface Preferences {
  inbox: boolean;
  digest: boolean;
  pollMail: boolean;
  memberMail: boolean;
  webhookMail: boolean;
}

export const endpointPath = (id: string) => `/api/v1/webhooks/${encodeURIComponent(id)}`;
export const deliveryPath = (id: string) => `/api/v1/webhook-deliveries/${encodeURIComponent(id)}`;
export const endpointPage = (id: string) => `/app/webhooks/${encodeURIComponent(id)}`;
export const deliveryPage = (endpointId: string, id: string) =>
  `${endpointPage(endpointId)}/deliveries/${encodeURIComponent(id)}`;

export const loadEndpoint = (id: string) => api<WebhookEndpoint>('GET', endpointPath(id));
export const loadDelivery = (id: string) => api<DeliveryDetail>('GET', deliveryPath(id));

export const DELIVERY_LABELS: Record<DeliveryStatus, string> = {
  pending: 'Pending',
  succeeded: 'Succeeded',
  failed: 'Failed',
};

/** What the receiver answered, in a few words: `HTTP 200 · 84 ms`, or why nothing came. */
export const answerOf = (attempt: DeliveryAttempt | null) =>
  !attempt
    ? 'Not tried yet'
    : `${attempt.status === null ? 'No answer' : `HTTP ${attempt.status}`} · ${attempt.latencyMs} ms`;

/** Which field of the endpoint form a refusal is about, so the page can show it there. */
export function fieldOf(caught: unknown): 'url' | 'eventTypes' | null {
  if (!(caught instanceof ApiError)) return null;
  if (caught.kind === 'invalid-url' || caught.kind === 'address-refused') return 'url';
  if (caught.status !== 400) return null;
  if (/\/url\b/.test(caught.message)) return 'url';
  if (/\/eventTypes\b/.test(caught.message)) return 'eventTypes';
  return null;
}

/** An ISO time as a `datetime-local` value in the browser's time zone. */
export const localInput = (date: Date) =>
  new Date(date.getTime() - date.getTimezoneOffset() * 60_000).toISOString().slice(0, 16);
