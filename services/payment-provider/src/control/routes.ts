// The control API over HTTP, under /_control: for tests and the cluster tier, never for clients.
// JSON in and out; refusals in the same `{ error: { type, message } }` shape as the API.
import type { FastifyInstance } from 'fastify';
import Type from 'typebox';
import { Compile } from 'typebox/compile';
import { invalidRequest } from '../errors.ts';
import { FaultSpec } from '../faults.ts';
import type { PaymentProviderControl } from './control.ts';

const checkFault = Compile(FaultSpec);
const checkAuthentication = Compile(
  Type.Object(
    { outcome: Type.Union([Type.Literal('succeeded'), Type.Literal('failed')]) },
    { additionalProperties: false },
  ),
);

export async function controlRoutes(app: FastifyInstance, control: PaymentProviderControl): Promise<void> {
  app.post('/faults', async (request, reply) => {
    if (!checkFault.Check(request.body))
      throw invalidRequest(
        undefined,
        `Invalid fault: ${checkFault.Errors(request.body)[0]?.message ?? 'unknown'}`,
      );
    return reply.code(201).send(control.addFault(request.body));
  });
  app.get('/faults', async () => ({ data: control.faults() }));
  app.delete('/faults', async (_request, reply) => {
    control.clearFaults();
    return reply.code(204).send();
  });
  app.get('/ledger', async () => control.ledger());
  app.get('/events', async () => ({ data: control.events() }));
  app.get('/webhook_deliveries', async () => ({ data: control.webhookDeliveries() }));
  app.get('/webhook_endpoints', async () => ({ data: control.webhookEndpoints() }));
  app.post<{ Params: { id: string } }>('/payment_intents/:id/authenticate', async (request) => {
    if (!checkAuthentication.Check(request.body))
      throw invalidRequest(undefined, "Invalid body: expected { outcome: 'succeeded' | 'failed' }.");
    return control.authenticate(request.params.id, request.body.outcome);
  });
  app.post('/reset', async (_request, reply) => {
    control.reset();
    return reply.code(204).send();
  });
  app.post('/settle', async (_request, reply) => {
    await control.settle();
    return reply.code(204).send();
  });
}
