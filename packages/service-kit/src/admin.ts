// The operator API every service with events serves under /admin/v1 (reached through the
// gateway at /admin/v1/<service>/…): outbox status, consumers, dead letters. Guarded by the
// operator token (CANVASS_ADMIN_TOKEN, see operator-token.ts), checked before any body is read.
import type { Database } from '@canvass/database';
import {
  type Consumer,
  DeadLetterError,
  discardDeadLetter,
  type EventBus,
  getDeadLetter,
  listDeadLetters,
  parkedEvents,
  pendingDeadLetters,
  type Relay,
  replayDeadLetter,
} from '@canvass/eventing';
import type { FastifyInstance } from 'fastify';
import Type from 'typebox';
import { requireAdminToken } from './operator-token.ts';
import { HttpProblem } from './problem.ts';

export interface AdminContext {
  service: string;
  db: Database;
  relay: Relay;
  bus: EventBus;
  consumers: ReadonlyMap<string, Consumer>;
  token: string | undefined;
}

const IdParams = Type.Object({ id: Type.Integer({ minimum: 1 }) });
const ListQuery = Type.Object({
  state: Type.Union(
    ['pending', 'replayed', 'discarded', 'all'].map((s) => Type.Literal(s)),
    { default: 'pending' },
  ),
  limit: Type.Integer({ minimum: 1, maximum: 1000, default: 100 }),
});

const deadLetterProblems = {
  DEAD_LETTER_NOT_FOUND: [404, 'Dead letter not found'],
  DEAD_LETTER_RESOLVED: [409, 'Dead letter already resolved'],
  DEAD_LETTER_CONSUMER_UNKNOWN: [409, 'Consumer not running here'],
  REPLAY_FAILED: [422, 'Replay failed'],
} as const;

function toProblem(error: unknown): never {
  if (error instanceof DeadLetterError) {
    const [status, title] = deadLetterProblems[error.code];
    throw new HttpProblem(status, error.code.toLowerCase().replaceAll('_', '-'), title, error.message);
  }
  throw error;
}

export function adminRoutes(app: FastifyInstance, context: AdminContext): void {
  const { db, relay, bus, consumers, service } = context;
  app.addHook('onRequest', requireAdminToken(context.token));

  app.get('/admin/v1/outbox', async () => ({ service, ...(await relay.status()) }));

  app.get('/admin/v1/consumers', async () => {
    const [dead, parked] = await Promise.all([pendingDeadLetters(db), parkedEvents(db)]);
    return Promise.all(
      [...consumers.values()].map(async (consumer) => ({
        service,
        name: consumer.name,
        types: consumer.types,
        lag: await bus.lag(consumer.name),
        deadLetters: dead[consumer.name] ?? 0,
        parked: parked[consumer.name] ?? 0,
      })),
    );
  });

  app.get<{ Querystring: { state: string; limit: number } }>(
    '/admin/v1/dead-letters',
    { schema: { querystring: ListQuery } },
    async (request) =>
      (await listDeadLetters(db, request.query)).map((letter) => ({
        ...letter,
        service,
        payload: undefined,
      })),
  );

  app.get<{ Params: { id: number } }>(
    '/admin/v1/dead-letters/:id',
    { schema: { params: IdParams } },
    async (request) => ({
      service,
      ...(await getDeadLetter(db, request.params.id).catch(toProblem)),
    }),
  );

  app.post<{ Params: { id: number } }>(
    '/admin/v1/dead-letters/:id/replay',
    { schema: { params: IdParams } },
    async (request) => {
      await replayDeadLetter(db, consumers, request.params.id).catch(toProblem);
      return { service, id: request.params.id, state: 'replayed' };
    },
  );

  app.post<{ Params: { id: number } }>(
    '/admin/v1/dead-letters/:id/discard',
    { schema: { params: IdParams } },
    async (request) => {
      await discardDeadLetter(db, request.params.id).catch(toProblem);
      return { service, id: request.params.id, state: 'discarded' };
    },
  );
}
