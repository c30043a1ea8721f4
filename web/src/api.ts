// The public API as the web app uses it: JSON in, JSON out, and problem+json turned into words.

export interface PollOption {
  id: string;
  label: string;
}

export interface Poll {
  id: string;
  question: string;
  type: string;
  status: 'draft' | 'scheduled' | 'open' | 'closed';
  options: PollOption[];
  opensAt: string | null;
  closesAt: string | null;
  manageToken?: string;
}

export interface Results {
  pollId: string;
  totalVotes: number;
  options: { id: string; label: string; votes: number; percent: number }[];
  sequence?: number;
}

export interface PollPage {
  poll: Poll;
  results: Results | null;
  resultsUnavailable: { status: number; type: string; detail: string } | null;
}

/** A refusal from the API: `kind` is the problem type's short name (`already-voted`, …). */
export class ApiError extends Error {
  readonly status: number;
  readonly kind: string;
  constructor(status: number, kind: string, message: string) {
    super(message);
    this.status = status;
    this.kind = kind;
  }
}

export async function callApi<T>(
  method: string,
  url: string,
  init: { body?: unknown; headers?: Record<string, string> } = {},
): Promise<T> {
  let response: Response;
  try {
    response = await fetch(url, {
      method,
      headers: {
        accept: 'application/json',
        ...(init.body !== undefined ? { 'content-type': 'application/json' } : {}),
        ...init.headers,
      },
      ...(init.body !== undefined ? { body: JSON.stringify(init.body) } : {}),
    });
  } catch {
    throw new ApiError(0, 'network', 'Canvass cannot be reached. Check your connection and try again.');
  }
  const text = await response.text();
  let body: Record<string, unknown> = {};
  try {
    body = text ? JSON.parse(text) : {};
  } catch {
    // Not JSON: the status says enough.
  }
  if (!response.ok) {
    const kind = String(body.type ?? '')
      .split('/')
      .at(-1);
    const words = body.detail || body.title || `The request failed (${response.status}).`;
    throw new ApiError(response.status, kind || 'error', String(words));
  }
  return body as T;
}

export const pollPath = (pollId: string) => `/api/v1/polls/${encodeURIComponent(pollId)}`;
