// Realtime in the embedded tier: updates from the in-process bus, access checks injected into
// analytics' app (and events' stages into polls') in this same process (a function call, so no
// resilience policy is needed).
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
  /** Answers events' stages (docs/events.md). */
  polls: FastifyInstance;
  limits?: RealtimeDeps['limits'];
}

export async function startEmbeddedRealtime(options: EmbeddedRealtimeOptions): Promise<RealtimeService> {
  const { analytics, polls } = options;
  const ask = async (app: FastifyInstance, url: string, credentials: Record<string, string>) => {
    const response = await app.inject({ method: 'GET', url, headers: { ...credentials } });
    let body: unknown = response.body;
    try {
      body = response.json();
    } catch {}
    return { status: response.statusCode, body };
  };
  const realtime = createRealtimeService({
    bus: options.bus,
    logger: options.logger,
    metrics: options.metrics,
    internalSecret: options.internalSecret,
    ...(options.limits ? { limits: options.limits } : {}),
    fetchResults: (pollId, credentials) =>
      ask(analytics, `/api/v1/polls/${encodeURIComponent(pollId)}/results`, credentials),
    fetchStage: (eventId, credentials) =>
      ask(polls, `/api/v1/events/${encodeURIComponent(eventId)}/stage`, credentials),
    fetchQuestions: (eventId, credentials) =>
      ask(polls, `/api/v1/events/${encodeURIComponent(eventId)}/questions`, credentials),
  });
  await realtime.start();
  // Not listening: the gateway hands it raw requests and upgrades, which need its routes loaded.
  await realtime.app.ready();
  return realtime;
}
