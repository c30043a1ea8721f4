// Webhook endpoints: registered through `POST /v1/webhook_endpoints` (the secret is in that answer
// only, as on Stripe), or one configured when the provider starts, which a reset keeps.
import type { Params } from '../api/form.ts';
import { metadataOf, onlyKnown, optionalString, requiredString, stringList } from '../api/params.ts';
import { invalidRequest, missingParam, noSuchObject } from '../errors.ts';
import { newWebhookSecret, objectId, unixNow } from '../ids.ts';
import { EVENT_TYPES, type WebhookEndpoint } from '../objects.ts';

export interface EndpointRecord {
  endpoint: WebhookEndpoint;
  secret: string;
  /** Configured at start: kept by a reset. */
  configured: boolean;
}

export interface ConfiguredEndpoint {
  url: string;
  /** Default: a new `whsec_...` secret, readable from `control.webhookEndpoints()`. */
  secret?: string;
  /** Default: every event (`*`). */
  enabledEvents?: readonly string[];
}

const ENDPOINT_PARAMS = ['url', 'enabled_events', 'description', 'metadata', 'api_version', 'expand'];

function checkUrl(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw invalidRequest('url_invalid', 'Invalid URL: must be an absolute http or https URL.', 'url');
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:')
    throw invalidRequest('url_invalid', 'Invalid URL: must be an absolute http or https URL.', 'url');
  return parsed.href;
}

function checkEvents(events: readonly string[]): string[] {
  const known: readonly string[] = EVENT_TYPES;
  events.forEach((type, i) => {
    if (type !== '*' && !known.includes(type))
      throw invalidRequest(
        undefined,
        `Invalid enabled_events[${i}]: this provider sends ${EVENT_TYPES.join(', ')} (or '*' for all).`,
        `enabled_events[${i}]`,
      );
  });
  return [...events];
}

export function createEndpointRegistry(configured: ConfiguredEndpoint | undefined) {
  const records = new Map<string, EndpointRecord>();

  function add(
    url: string,
    enabledEvents: string[],
    extra: Partial<WebhookEndpoint>,
    secret: string,
    isConfigured: boolean,
  ) {
    const endpoint: WebhookEndpoint = {
      id: objectId('we'),
      object: 'webhook_endpoint',
      api_version: null,
      created: unixNow(),
      description: null,
      enabled_events: enabledEvents,
      livemode: false,
      metadata: {},
      status: 'enabled',
      url,
      ...extra,
    };
    records.set(endpoint.id, { endpoint, secret, configured: isConfigured });
    return { ...structuredClone(endpoint), secret };
  }

  if (configured)
    add(
      checkUrl(configured.url),
      checkEvents(configured.enabledEvents ?? ['*']),
      {},
      configured.secret ?? newWebhookSecret(),
      true,
    );

  return {
    create(params: Params): WebhookEndpoint {
      onlyKnown(params, ENDPOINT_PARAMS);
      const url = checkUrl(requiredString(params, 'url'));
      const events = stringList(params, 'enabled_events');
      if (!events || events.length === 0) throw missingParam('enabled_events');
      return add(
        url,
        checkEvents(events),
        {
          description: optionalString(params, 'description'),
          metadata: metadataOf(params),
          api_version: optionalString(params, 'api_version'),
        },
        newWebhookSecret(),
        false,
      );
    },
    get(id: string): WebhookEndpoint {
      const record = records.get(id);
      if (!record) throw noSuchObject('webhook_endpoint', id);
      return structuredClone(record.endpoint);
    },
    list: (): WebhookEndpoint[] => [...records.values()].map((record) => structuredClone(record.endpoint)),
    remove(id: string) {
      if (!records.delete(id)) throw noSuchObject('webhook_endpoint', id);
      return { id, object: 'webhook_endpoint' as const, deleted: true as const };
    },
    /** The endpoints an event of `type` goes to. */
    matching: (type: string): EndpointRecord[] =>
      [...records.values()].filter(
        (record) =>
          record.endpoint.enabled_events.includes('*') || record.endpoint.enabled_events.includes(type),
      ),
    /** With their secrets: for the control API and in-process tests. */
    withSecrets: () =>
      [...records.values()].map((record) => ({ ...structuredClone(record.endpoint), secret: record.secret })),
    reset() {
      for (const [id, record] of records) if (!record.configured) records.delete(id);
    },
  };
}

export type EndpointRegistry = ReturnType<typeof createEndpointRegistry>;
