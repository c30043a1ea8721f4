// This process's part of the trace store, for the gateway to gather (see services/gateway's
// traces.ts): the spans of one trace with the traces that link to it, a trace found by request id
// or vote receipt hash, and the traces kept lately (failed, slow, sampled). Behind the operator
// token like the rest of /admin/v1; answers 404 trace-store-off when tracing is switched off.
import { tracing } from '@canvass/telemetry';
import type { FastifyInstance } from 'fastify';
import Type from 'typebox';
import { HttpProblem } from './problem.ts';

const TraceId = Type.String({ pattern: '^[0-9a-f]{32}$' });
const FindQuery = Type.Object({
  requestId: Type.Optional(Type.String({ minLength: 1, maxLength: 128 })),
  receiptHash: Type.Optional(Type.String({ pattern: '^[A-Za-z0-9_-]{43}$' })),
  reason: Type.Optional(Type.Union(['sampled', 'error', 'slow'].map((r) => Type.Literal(r)))),
  limit: Type.Integer({ minimum: 1, maximum: 500, default: 50 }),
});

function store() {
  const active = tracing();
  if (!active) {
    throw new HttpProblem(
      404,
      'trace-store-off',
      'Tracing is off in this process',
      'Start it without OTEL_SDK_DISABLED=true or CANVASS_TRACING=off to keep traces.',
    );
  }
  return active;
}

export function telemetryRoutes(app: FastifyInstance, service: string): void {
  app.get('/admin/v1/telemetry/status', async () => {
    const active = tracing();
    return active
      ? { service, tracing: true, settings: active.settings, ...active.store.stats() }
      : { service, tracing: false };
  });

  app.get<{ Params: { traceId: string } }>(
    '/admin/v1/telemetry/traces/:traceId',
    { schema: { params: Type.Object({ traceId: TraceId }) } },
    async (request) => ({ service, ...store().store.trace(request.params.traceId) }),
  );

  app.get<{ Querystring: { requestId?: string; receiptHash?: string; reason?: string; limit: number } }>(
    '/admin/v1/telemetry/traces',
    { schema: { querystring: FindQuery } },
    async (request) => {
      const { store: traces } = store();
      const { requestId, receiptHash, reason, limit } = request.query;
      if (requestId !== undefined || receiptHash !== undefined) {
        const traceId = traces.find({
          ...(requestId !== undefined ? { requestId } : {}),
          ...(receiptHash !== undefined ? { receiptHash } : {}),
        });
        return { service, traceIds: traceId ? [traceId] : [], traces: [] };
      }
      return {
        service,
        traceIds: [],
        traces: traces.recentTraces({ limit, ...(reason ? { reason: reason as 'error' } : {}) }),
      };
    },
  );
}
