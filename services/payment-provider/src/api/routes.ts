// The part of Stripe's API v1 Canvass billing uses. Anything else under /v1 is a 404 in Stripe's
// shape ("Unrecognized request URL"), and any parameter a route does not know is refused.
import type { FastifyInstance } from 'fastify';
import { createCustomer, customerOf } from '../ledger/customers.ts';
import {
  confirmPaymentIntent,
  createPaymentIntent,
  paymentIntentOf,
  searchPaymentIntents,
} from '../ledger/payment-intents.ts';
import { chargeOf, createRefund, refundOf } from '../ledger/refunds.ts';
import type { LedgerDeps } from '../ledger/state.ts';
import type { EndpointRegistry } from '../webhooks/endpoints.ts';
import { checkApiKey, type Edge, type Operation } from './edge.ts';
import { parseForm } from './form.ts';

export interface ApiRouteDeps {
  ledger: LedgerDeps;
  endpoints: EndpointRegistry;
  edge: Edge;
}

type IdParams = { id: string };
const id = (request: { params: unknown }) => (request.params as IdParams).id;

export async function stripeApiRoutes(app: FastifyInstance, deps: ApiRouteDeps): Promise<void> {
  const { ledger, endpoints, edge } = deps;
  app.addHook('onRequest', async (request) => checkApiKey(request));
  // Form bodies only, as Stripe takes them: any other type is refused (415, answered as a 400).
  app.removeAllContentTypeParsers();
  app.addContentTypeParser(
    'application/x-www-form-urlencoded',
    { parseAs: 'string' },
    (_request, body, done) => {
      try {
        done(null, parseForm(String(body)));
      } catch (error) {
        done(error as Error, undefined);
      }
    },
  );
  const post = (url: string, operation: Operation) =>
    app.post(url, (request, reply) => edge(operation, request, reply));
  const get = (url: string, operation: Operation) =>
    app.get(url, (request, reply) => edge(operation, request, reply));

  post('/payment_intents', (params, context) => createPaymentIntent(ledger, params, context));
  get('/payment_intents/search', (_params, _context, request) =>
    searchPaymentIntents(ledger, (request.query as { query?: unknown }).query),
  );
  get('/payment_intents/:id', (_params, _context, request) =>
    structuredClone(paymentIntentOf(ledger, id(request))),
  );
  post('/payment_intents/:id/confirm', (params, context, request) =>
    confirmPaymentIntent(ledger, id(request), params, context),
  );
  get('/charges/:id', (_params, _context, request) => chargeOf(ledger, id(request)));
  post('/refunds', (params, context) => createRefund(ledger, params, context));
  get('/refunds/:id', (_params, _context, request) => refundOf(ledger, id(request)));
  post('/customers', (params) => createCustomer(ledger, params));
  get('/customers/:id', (_params, _context, request) => customerOf(ledger, id(request)));
  post('/webhook_endpoints', (params) => endpoints.create(params));
  get('/webhook_endpoints', () => ({
    object: 'list',
    data: endpoints.list(),
    has_more: false,
    url: '/v1/webhook_endpoints',
  }));
  get('/webhook_endpoints/:id', (_params, _context, request) => endpoints.get(id(request)));
  app.delete('/webhook_endpoints/:id', (request, reply) =>
    edge(() => endpoints.remove(id(request)), request, reply),
  );
}
