// `canvass webhooks …`: workspaces' webhook endpoints and their delivery log, across workspaces,
// and resending or replaying deliveries (notifications' operator routes).
import { type AdminClient, CliError } from '../client.ts';
import { printJson, printTable } from '../output.ts';

export const webhooksUsage = `Usage: canvass webhooks <command> [options]

  endpoints [--workspace ID] [--limit N]
      every workspace's webhook endpoints (or one workspace's): URL, events, on/off, failing since
  deliveries [--endpoint ID] [--status pending|succeeded|failed] [--limit N] [--cursor C]
      the delivery log, newest first (every endpoint unless --endpoint): time, delivery, endpoint,
      event, status, attempts, the last attempt's HTTP status or error
  resend <deliveryId>
      a new delivery of the same message: the receiver sees the same webhook-id again
  replay <endpointId> --since <time> [--only-failed]
      a new delivery of every message since <time> that the endpoint subscribes to (at most 10,000);
      <time> is an ISO time (2025-05-01T12:00:00Z) or a time ago: 30m, 2h, 1d;
      --only-failed: only messages whose last delivery to the endpoint failed

Options: --json, --url, --token (see canvass --help). Exit status: 0 done, 1 failed, 2 usage error.
`;

interface LastAttempt {
  at: string;
  status: number | null;
  latencyMs: number;
  error: string | null;
}

export interface DeliveryRow {
  id: string;
  endpointId: string;
  workspaceId: string;
  messageId: string;
  eventType: string;
  status: string;
  attempts: number;
  nextAttemptAt: string | null;
  createdAt: string;
  lastAttempt: LastAttempt | null;
}

interface EndpointRow {
  id: string;
  workspaceId: string;
  url: string;
  eventTypes: string[];
  enabled: boolean;
  disabledReason: string | null;
  failingSince: string | null;
  createdAt: string;
}

const STATUSES = ['pending', 'succeeded', 'failed'];
const UNITS: Record<string, number> = { s: 1000, m: 60_000, h: 3600_000, d: 86_400_000, w: 604_800_000 };

const shorten = (text: string, max: number) => (text.length > max ? `${text.slice(0, max - 1)}…` : text);
const id = (text: string) => encodeURIComponent(text);

/** `--since`: an ISO time, or a time ago (`90s`, `30m`, `2h`, `1d`, `1w`); as an ISO time. */
export function parseSince(text: string | undefined, now = Date.now()): string {
  if (!text) throw new CliError('Say from when to replay: --since 2h, or an ISO time.', 2);
  const ago = /^(\d+)\s*([smhdw])$/.exec(text.trim());
  const at = ago
    ? now - Number(ago[1]) * UNITS[ago[2]!]!
    : /^\d{4}-\d{2}-\d{2}/.test(text)
      ? Date.parse(text)
      : NaN;
  if (Number.isNaN(at)) {
    throw new CliError(
      `--since ${text} is not a time: give an ISO time (2025-05-01T12:00:00Z) or a time ago (30m, 2h, 1d).`,
      2,
    );
  }
  if (at > now) throw new CliError(`--since ${text} is in the future.`, 2);
  return new Date(at).toISOString();
}

function parseLimit(text: string | undefined, max: number): number | undefined {
  if (text === undefined) return undefined;
  const limit = Number(text);
  if (!Number.isInteger(limit) || limit < 1 || limit > max)
    throw new CliError(`--limit must be a whole number from 1 to ${max}.`, 2);
  return limit;
}

const query = (params: Record<string, string | number | undefined>) => {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) if (value !== undefined) search.set(key, String(value));
  const text = search.toString();
  return text ? `?${text}` : '';
};

export async function webhooksEndpoints(
  client: AdminClient,
  options: { json: boolean; workspace?: string; limit?: string },
) {
  const page = await client.get<{ endpoints: EndpointRow[]; truncated: boolean }>(
    `/admin/v1/notifications/webhooks/endpoints${query({
      workspace: options.workspace,
      limit: parseLimit(options.limit, 1000),
    })}`,
  );
  if (options.json) return printJson(page);
  printTable(
    page.endpoints.map((endpoint) => ({
      endpoint: endpoint.id,
      workspace: endpoint.workspaceId,
      state: endpoint.enabled ? 'on' : endpoint.disabledReason ? `off (${endpoint.disabledReason})` : 'off',
      'failing since': endpoint.failingSince,
      events: endpoint.eventTypes.join(','),
      url: shorten(endpoint.url, 60),
    })),
    ['endpoint', 'workspace', 'state', 'failing since', 'events', 'url'],
    options.workspace ? `Workspace ${options.workspace} has no webhook endpoints.` : 'No webhook endpoints.',
  );
  if (page.truncated)
    process.stdout.write(
      `Only the first ${page.endpoints.length}: narrow with --workspace or raise --limit.\n`,
    );
}

const lastOf = (attempt: LastAttempt | null) => {
  if (!attempt) return null;
  const parts = [attempt.status === null ? null : `HTTP ${attempt.status}`, attempt.error];
  return shorten(parts.filter(Boolean).join(' ') || '-', 50);
};

export async function webhooksDeliveries(
  client: AdminClient,
  options: { json: boolean; endpoint?: string; status?: string; limit?: string; cursor?: string },
) {
  if (options.status !== undefined && !STATUSES.includes(options.status))
    throw new CliError(`--status must be one of ${STATUSES.join(', ')}.`, 2);
  const page = await client.get<{ deliveries: DeliveryRow[]; nextCursor: string | null }>(
    `/admin/v1/notifications/webhooks/deliveries${query({
      endpoint: options.endpoint,
      status: options.status,
      limit: parseLimit(options.limit, 500),
      cursor: options.cursor,
    })}`,
  );
  if (options.json) return printJson(page);
  printTable(
    page.deliveries.map((delivery) => ({
      time: delivery.createdAt,
      delivery: delivery.id,
      endpoint: delivery.endpointId,
      event: delivery.eventType,
      status: delivery.status,
      attempts: delivery.attempts,
      last: lastOf(delivery.lastAttempt),
    })),
    ['time', 'delivery', 'endpoint', 'event', 'status', 'attempts', 'last'],
    options.status ? `No ${options.status} deliveries.` : 'No deliveries.',
  );
  if (page.nextCursor) process.stdout.write(`More: add --cursor ${page.nextCursor}\n`);
}

export async function webhooksResend(
  client: AdminClient,
  deliveryId: string | undefined,
  options: { json: boolean },
) {
  if (!deliveryId) throw new CliError('Say which delivery to resend (e.g. dlv_…).', 2);
  const created = await client.post<DeliveryRow>(
    `/admin/v1/notifications/webhook-deliveries/${id(deliveryId)}/resend`,
  );
  if (options.json) return printJson(created);
  process.stdout.write(
    `Queued ${created.id}: ${created.eventType} to ${created.endpointId} again (webhook-id ${created.messageId}).\n`,
  );
}

export async function webhooksReplay(
  client: AdminClient,
  endpointId: string | undefined,
  options: { json: boolean; since?: string; onlyFailed: boolean },
) {
  if (!endpointId) throw new CliError('Say which endpoint to replay to (e.g. ep_…).', 2);
  const since = parseSince(options.since);
  const result = await client.post<{ endpointId: string; queued: number }>(
    `/admin/v1/notifications/webhooks/${id(endpointId)}/replay`,
    { since, ...(options.onlyFailed ? { onlyFailed: true } : {}) },
  );
  if (options.json) return printJson({ ...result, since });
  const which = `${options.onlyFailed ? 'failed ' : ''}message${result.queued === 1 ? '' : 's'}`;
  process.stdout.write(
    result.queued === 0
      ? `Nothing to replay: no ${which} for ${endpointId} since ${since}.\n`
      : `Queued ${result.queued} ${which} since ${since} for ${endpointId}.\n`,
  );
}
