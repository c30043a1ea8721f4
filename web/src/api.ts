// The public API as the web app uses it: JSON in, JSON out, and problem+json turned into words.
import { fieldErrorWords } from './field-words.ts';

export interface PollOption {
  id: string;
  label: string;
}

export type PollType = 'single_choice' | 'multiple_choice' | 'rating' | 'nps' | 'ranking' | 'open_text';
export type PollStatus = 'draft' | 'scheduled' | 'open' | 'closed';

/** How a poll takes votes and shows results (docs/polls.md, "settings"): one definition, shared. */
import type { PollSettings } from '@canvass/contracts/poll-defaults';

export type { PollSettings };

export interface Poll {
  id: string;
  question: string;
  type: string;
  status: PollStatus;
  options: PollOption[];
  /** Always sent by the API; optional here for code that builds a poll before it has one. */
  settings?: PollSettings;
  opensAt: string | null;
  closesAt: string | null;
  manageToken?: string;
}

export interface ResultsOption {
  /** An option id; for rating and nps, the rated value. */
  id: string;
  label: string;
  votes: number;
  percent: number;
  /** ranking: Borda points. */
  points?: number;
}

export interface Results {
  pollId: string;
  totalVotes: number;
  options: ResultsOption[];
  sequence?: number;
  question?: string;
  type?: PollType;
  status?: PollStatus;
  rating?: { average: number | null; scaleMin: number; scaleMax: number };
  nps?: { score: number; promoters: number; passives: number; detractors: number };
  answers?: {
    shown: number;
    awaitingModeration: number;
    recent: { id: string; text: string }[];
    terms: { term: string; count: number }[];
  };
  series?: { minute: string; votes: number }[];
  breakdown?: {
    segment: string | null;
    totalVotes: number;
    options: { id: string; votes: number; percent: number }[];
  }[];
  final?: { closedAt: string; finalHead: { version: number; hash: string }; totals: unknown } | null;
  updatedAt?: string;
}

/** What GET /api/v1/receipts/{receiptId} answers. */
export interface Receipt {
  receiptId: string;
  pollId: string;
  question: string;
  status: 'counted' | 'replaced' | 'withdrawn';
  castAt: string;
  ballot: { optionIds: string[]; rating: number | null; text: string | null };
  moderation?: string;
  proof: { version: number; prevHash: string; hash: string; event: Record<string, unknown> };
  head: { version: number; hash: string };
  final: {
    closedAt: string;
    finalHead: { version: number; hash: string };
    /** Left out when the poll's results are hidden. */
    totals?: unknown;
    includesThisVote: boolean;
  } | null;
  pollStatus: string;
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
  /** Seconds to wait before trying again, when the answer said (Retry-After). */
  readonly retryAfter: number | undefined;
  constructor(status: number, kind: string, message: string, retryAfter?: number) {
    super(message);
    this.status = status;
    this.kind = kind;
    this.retryAfter = retryAfter;
  }
}

/** What a request that never reached Canvass (offline, a failed chunk load) throws. */
export const unreachable = () =>
  new ApiError(0, 'network', 'Canvass cannot be reached. Check your connection and try again.');

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
    throw unreachable();
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
    // A request the API could not validate: its detail is for programs (`body/question: …`).
    const words =
      kind === 'invalid-request'
        ? (fieldErrorWords(body.errors) ?? 'Something in the form is not right. Check it and try again.')
        : body.detail || body.title || `The request failed (${response.status}).`;
    const wait = Number(response.headers.get('retry-after'));
    throw new ApiError(response.status, kind || 'error', String(words), wait > 0 ? wait : undefined);
  }
  return body as T;
}

/** A refusal (or anything thrown) in words for the page: the problem's own, or a generic line. */
export const messageOf = (caught: unknown) =>
  caught instanceof ApiError ? caught.message : 'Something went wrong. Try again.';

export const pollPath = (pollId: string) => `/api/v1/polls/${encodeURIComponent(pollId)}`;
