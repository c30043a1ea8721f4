// The operator's view of traces: every process keeps its recent spans (packages/telemetry's
// trace store), so the gateway gathers a trace from all of them, itself included, together with
// the batch traces that link to it (the vote writer's, the relay's, each consumer's, with the
// results publish and the live push inside analytics' batch). A trace is found by id, by request
// id, or by a vote's receipt (hashed here as polls hashes it: receipts stay with voters).
import { HttpProblem, sha256 } from '@canvass/service-kit';
import { type StoredSpan, type TraceSummary, tracing } from '@canvass/telemetry';
import type { FastifyInstance } from 'fastify';
import Type from 'typebox';
import { bodyBuffer, type Upstream } from './upstream.ts';

export interface TraceSources {
  /** Every instance of every service (realtime's included): each holds its own spans. */
  peers: readonly Upstream[];
  adminToken: string | undefined;
}

interface LocalTrace {
  spans: StoredSpan[];
  linkedBy: string[];
}

/** Linked traces gathered with a trace (a vote rides in a few batches; a batch links many votes). */
const MAX_LINKED = 25;
const TraceId = Type.String({ pattern: '^[0-9a-f]{32}$' });
const Query = Type.Object({
  requestId: Type.Optional(Type.String({ minLength: 1, maxLength: 128 })),
  receipt: Type.Optional(Type.String({ minLength: 1, maxLength: 512 })),
  reason: Type.Optional(Type.Union(['sampled', 'error', 'slow'].map((r) => Type.Literal(r)))),
  limit: Type.Integer({ minimum: 1, maximum: 200, default: 50 }),
});

export function traceRoutes(admin: FastifyInstance, sources: TraceSources): void {
  const authorization = `Bearer ${sources.adminToken ?? ''}`;

  /** Asks every peer; a peer that cannot answer is named, not fatal. */
  async function ask<T>(path: string): Promise<{ answers: T[]; unreachable: string[] }> {
    const unreachable: string[] = [];
    const answers = await Promise.all(
      sources.peers.map(async (peer) => {
        try {
          const response = await peer.forward({
            method: 'GET',
            url: path,
            headers: { authorization, accept: 'application/json' },
          });
          const body = await bodyBuffer(response.body);
          if (response.status !== 200) {
            if (response.status !== 404) unreachable.push(peer.name);
            return undefined;
          }
          return JSON.parse(body.toString('utf8')) as T;
        } catch {
          unreachable.push(peer.name);
          return undefined;
        }
      }),
    );
    return { answers: answers.filter((answer): answer is Awaited<T> => answer !== undefined), unreachable };
  }

  async function gather(
    traceId: string,
  ): Promise<{ spans: StoredSpan[]; linkedBy: Set<string>; unreachable: string[] }> {
    const local: LocalTrace = tracing()?.store.trace(traceId) ?? { spans: [], linkedBy: [] };
    const { answers, unreachable } = await ask<LocalTrace>(`/admin/v1/telemetry/traces/${traceId}`);
    const spans = new Map<string, StoredSpan>();
    const linkedBy = new Set<string>();
    for (const part of [local, ...answers]) {
      for (const span of part.spans) spans.set(span.spanId, span);
      for (const id of part.linkedBy) linkedBy.add(id);
    }
    return { spans: [...spans.values()], linkedBy, unreachable };
  }

  async function wholeTrace(traceId: string) {
    const main = await gather(traceId);
    const linkedIds = [...main.linkedBy].filter((id) => id !== traceId).slice(0, MAX_LINKED);
    const linked = await Promise.all(linkedIds.map(gather));
    const spans = [...main.spans, ...linked.flatMap((part) => part.spans)].sort((a, b) => a.start - b.start);
    if (spans.length === 0) {
      throw new HttpProblem(
        404,
        'trace-not-found',
        'No such trace here',
        `No process keeps spans of trace ${traceId}: it was not sampled, or it has aged out of the store.`,
      );
    }
    return {
      traceId,
      linkedTraces: linkedIds,
      spans,
      unreachable: [...new Set([...main.unreachable, ...linked.flatMap((part) => part.unreachable)])],
    };
  }

  admin.get<{ Params: { traceId: string } }>(
    '/admin/v1/traces/:traceId',
    { schema: { params: Type.Object({ traceId: TraceId }) } },
    async (request) => wholeTrace(request.params.traceId),
  );

  admin.get<{ Querystring: { requestId?: string; receipt?: string; reason?: string; limit: number } }>(
    '/admin/v1/traces',
    { schema: { querystring: Query } },
    async (request) => {
      const { requestId, receipt, reason, limit } = request.query;
      if (requestId !== undefined || receipt !== undefined) {
        const query =
          requestId !== undefined
            ? `requestId=${encodeURIComponent(requestId)}`
            : `receiptHash=${sha256(receipt!)}`;
        const local = tracing()?.store.find(
          requestId !== undefined ? { requestId } : { receiptHash: sha256(receipt!) },
        );
        const { answers } = await ask<{ traceIds: string[] }>(`/admin/v1/telemetry/traces?${query}`);
        const traceId = local ?? answers.flatMap((answer) => answer.traceIds)[0];
        if (!traceId) {
          throw new HttpProblem(
            404,
            'trace-not-found',
            'No trace for that',
            requestId !== undefined
              ? `No process keeps a trace of request ${requestId}.`
              : 'No process keeps a trace of the vote with that receipt: it was not sampled, or it has aged out.',
          );
        }
        return wholeTrace(traceId);
      }
      const path = `/admin/v1/telemetry/traces?limit=${limit}${reason ? `&reason=${reason}` : ''}`;
      const local =
        tracing()?.store.recentTraces({ limit, ...(reason ? { reason: reason as 'error' } : {}) }) ?? [];
      const { answers, unreachable } = await ask<{ traces: TraceSummary[] }>(path);
      const byId = new Map<string, TraceSummary>();
      for (const summary of [...local, ...answers.flatMap((answer) => answer.traces)]) {
        const known = byId.get(summary.traceId);
        // A trace kept in several processes: the longest part is its best summary.
        if (!known || known.durationMs < summary.durationMs) byId.set(summary.traceId, summary);
      }
      return {
        traces: [...byId.values()].sort((a, b) => b.start - a.start).slice(0, limit),
        unreachable,
      };
    },
  );
}
