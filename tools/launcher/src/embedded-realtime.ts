// Realtime in the embedded tier: updates from the in-process bus, access checks injected into
// analytics' app in this same process (a function call, so no resilience policy is needed).
import type { EventBus } from '@canvass/eventing';
import { createRealtimeService, type RealtimeDeps, type RealtimeService } from '@canvass/realtime';
import type { Logger } from '@canvass/service-kit';
import type { FastifyInstance } from 'fastify';
import type { Registry } from 'prom-client';

export interface EmbeddedRealtimeOptions {
  bus: EventBus;
  logger: Logger;
  metrics: Registry;
  internalSecret: string;
  analytics: FastifyInstance;
  limits?: RealtimeDeps['limits'];
}

export async function startEmbeddedRealtime(options: EmbeddedRealtimeOptions): Promise<RealtimeService> {
  const { analytics } = options;
  const realtime = createRealtimeService({
    bus: options.bus,
    logger: options.logger,
    metrics: options.metrics,
    internalSecret: options.internalSecret,
    ...(options.limits ? { limits: options.limits } : {}),
    async fetchResults(pollId, credentials) {
      const response = await analytics.inject({
        method: 'GET',
        url: `/api/v1/polls/${encodeURIComponent(pollId)}/results`,
        headers: { ...credentials },
      });
      let body: unknown = response.body;
      try {
        body = response.json();
      } catch {}
      return { status: response.statusCode, body };
    },
  });
  await realtime.start();
  // Not listening: the gateway hands it raw requests and upgrades, which need its routes loaded.
  await realtime.app.ready();
  return realtime;
}
