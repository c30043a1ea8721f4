import assert from 'node:assert/strict';
import { test } from 'node:test';
import { mergeDocuments, type OpenApiDocument, ownRules, routeOwner } from './openapi-merge.ts';
import { publicRoutes } from './routes.ts';

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const answering = (schema: unknown) => ({
  responses: { 200: { description: 'ok', content: { 'application/json': { schema } } } },
});
const documentOf = (paths: OpenApiDocument['paths'], schemas: Record<string, unknown>) => ({
  openapi: '3.1.0',
  info: { title: 'x', version: '1' },
  paths,
  components: { schemas },
});

test('operations go to the service the gateway routes them to, the most specific rule first', () => {
  const rules = [
    ...ownRules('gateway', documentOf({ '/api/v1/polls/{pollId}/live': { get: {} } }, {})),
    ...publicRoutes,
  ];
  assert.equal(routeOwner(rules, 'get', '/api/v1/polls/{pollId}/results'), 'analytics');
  assert.equal(
    routeOwner(rules, 'post', '/api/v1/polls/{pollId}/results'),
    'polls',
    'analytics takes GET only',
  );
  assert.equal(routeOwner(rules, 'get', '/api/v1/polls/{pollId}/live'), 'gateway');
  assert.equal(routeOwner(rules, 'post', '/api/v1/polls'), 'polls');
  assert.equal(routeOwner(rules, 'delete', '/api/v1/members/{userId}'), 'identity');
  assert.equal(routeOwner(rules, 'get', '/api/v1/webhooks'), 'notifications');
  assert.equal(routeOwner(rules, 'get', '/api/v1/nothing-here'), undefined);
});

test('identical components are shared, clashing ones renamed with their references', () => {
  const problem = { type: 'object', properties: { title: { type: 'string' } } };
  const merged = mergeDocuments(
    { openapi: '3.1.0', info: { title: 'All', version: '1' } },
    [
      {
        service: 'polls',
        document: documentOf(
          {
            '/api/v1/polls': { post: answering(ref('Thing')) },
            '/api/v1/members': { get: answering(ref('Problem')) },
          },
          { Problem: problem, Thing: { type: 'string' } },
        ),
      },
      {
        service: 'identity',
        document: documentOf(
          { '/api/v1/members': { get: answering(ref('Thing')) } },
          {
            Problem: structuredClone(problem),
            Thing: { type: 'object', properties: { inner: ref('Problem') } },
          },
        ),
      },
    ],
    publicRoutes,
  );
  assert.deepEqual(Object.keys(merged.components?.schemas ?? {}), ['Problem', 'Thing', 'identity_Thing']);
  type Answer = { content: Record<string, { schema: unknown }> };
  const schemaOf = (path: string, method: string) =>
    (merged.paths[path]![method]!.responses!['200'] as Answer).content['application/json']!.schema;
  assert.deepEqual(schemaOf('/api/v1/polls', 'post'), ref('Thing'));
  assert.deepEqual(
    schemaOf('/api/v1/members', 'get'),
    ref('identity_Thing'),
    'identity serves it, not polls',
  );
  assert.equal(merged.paths['/api/v1/members']?.get?.['x-canvass-service'], 'identity');
});
