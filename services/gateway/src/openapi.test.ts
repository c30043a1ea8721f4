import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildServiceApp, createLogger } from '@canvass/service-kit';
import { gatewayOpenApi, openApiRoutes } from './openapi.ts';
import type { Upstream } from './upstream.ts';

const pollsDocument = {
  openapi: '3.1.0',
  info: { title: 'Canvass polls', version: '1' },
  paths: {
    '/api/v1/polls': { post: { tags: ['Polls'], responses: { 201: { description: 'Created' } } } },
    // Not routed to polls by the gateway: left out.
    '/api/v1/members': { get: { tags: ['Members'], responses: { 200: { description: 'Members' } } } },
  },
  components: { schemas: {} },
};

test('services are asked for their documents until each answers once; then the merged one is kept', async () => {
  const calls: string[] = [];
  let pollsUp = false;
  const upstream = (name: string, document: () => object | undefined): Upstream => ({
    name,
    async forward(request) {
      calls.push(`${name} ${request.url}`);
      const body = document();
      return body
        ? { status: 200, headers: {}, body: Buffer.from(JSON.stringify(body)) }
        : { status: 503, headers: {}, body: Buffer.from('{}') };
    },
  });
  const empty = (name: string) => ({ ...pollsDocument, info: { title: name, version: '1' }, paths: {} });
  const app = buildServiceApp({
    name: 'gateway',
    logger: createLogger('gateway', 'silent'),
    openapi: gatewayOpenApi,
  });
  openApiRoutes(app, {
    polls: upstream('polls', () => (pollsUp ? pollsDocument : undefined)),
    identity: upstream('identity', () => empty('identity')),
  });
  await app.ready();

  const down = await app.inject('/api/openapi.json');
  assert.equal(down.statusCode, 503);
  assert.match(down.headers['content-type'] ?? '', /^application\/problem\+json/);
  assert.equal(down.headers['retry-after'], '5');

  pollsUp = true;
  const up = await app.inject('/api/openapi.json');
  assert.equal(up.statusCode, 200);
  const document = up.json();
  assert.deepEqual(Object.keys(document.paths), ['/api/openapi.json', '/api/v1/polls']);
  assert.equal(document.paths['/api/v1/polls'].post['x-canvass-service'], 'polls');
  assert.ok(document.paths['/api/v1/polls'].post.responses['429'], 'the gateway’s own answers are added');
  assert.deepEqual(calls, ['polls /openapi.json', 'identity /openapi.json', 'polls /openapi.json']);

  assert.equal((await app.inject('/api/openapi.json')).statusCode, 200);
  assert.equal(calls.length, 3, 'kept once fetched');
  await app.close();
});
