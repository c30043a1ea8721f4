// The operator console talks to the gateway's operator API (/admin/v1, /metrics) with the operator
// token, which the launchers write to .canvass/admin-token. The token is kept for this tab only
// (sessionStorage): closing the tab signs the operator out.
import { callApi } from '../api.ts';

const KEY = 'canvass.operator-token';

export function storedToken(): string | null {
  try {
    return sessionStorage.getItem(KEY);
  } catch {
    return null;
  }
}

export function keepToken(token: string | null): void {
  try {
    if (token) sessionStorage.setItem(KEY, token);
    else sessionStorage.removeItem(KEY);
  } catch {
    // Storage refused (private mode): the token lives as long as the page.
  }
}

export function opsCall<T>(token: string, method: string, url: string, body?: unknown): Promise<T> {
  return callApi<T>(method, url, {
    headers: { authorization: `Bearer ${token}` },
    ...(body !== undefined ? { body } : {}),
  });
}

/** The gateway's Prometheus text (needs the token too). */
export async function metricsText(token: string): Promise<string> {
  const response = await fetch('/metrics', { headers: { authorization: `Bearer ${token}` } });
  if (!response.ok) throw new Error(`The metrics could not be read (${response.status}).`);
  return response.text();
}

export interface ServicesAnswer {
  tier: 'embedded' | 'cluster';
  services: string[];
  health: Record<string, { breaker: string; instances: { name: string; ejected: boolean }[] }>;
}

export interface Span {
  traceId: string;
  spanId: string;
  parentSpanId: string | null;
  name: string;
  kind: string;
  service: string;
  start: number;
  durationMs: number;
  status: 'unset' | 'ok' | 'error';
  statusMessage?: string;
  attributes: Record<string, unknown>;
  events: { name: string; at: number; attributes: Record<string, unknown> }[];
  links: { traceId: string; spanId: string }[];
}

export interface TraceAnswer {
  traceId: string;
  linkedTraces: string[];
  spans: Span[];
  unreachable: string[];
}

export interface TraceSummary {
  traceId: string;
  reason: 'sampled' | 'error' | 'slow';
  name: string;
  service: string;
  start: number;
  durationMs: number;
  error: boolean;
  spans: number;
}
