// The public OpenAPI document in the embedded tier: valid, walked (anonymously and with an API
// key), and complete: it lists exactly the public routes the gateway and the services serve.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { publicRoutes } from '@canvass/gateway';
import { routesOf } from '@canvass/service-kit';
import type { FastifyInstance } from 'fastify';
import { ownerApiKey } from '../support/api-keys.ts';
import { useListeningPlatform } from '../support/live-platform.ts';
import { openApiTests, publicDocument } from '../support/openapi.ts';
import { fastifyPath, operationsOf } from '../support/openapi-document.ts';

const { platform, api, url } = useListeningPlatform();

// The walk's second round: an API key with every scope, in a workspace of its own.
openApiTests(api, { bearer: async () => (await ownerApiKey(platform(), api())).key, url: () => url });

const publicApiRoutes = (app: FastifyInstance) =>
  routesOf(app)
    .filter((route) => route.url.startsWith('/api/') && route.method !== 'HEAD')
    .map((route) => `${route.method} ${route.url}`);

test('the document lists every public route the gateway and the services serve, and nothing else', async () => {
  const document = await publicDocument(api());
  const documented = new Set(
    operationsOf(document).map(({ method, path }) => `${method.toUpperCase()} ${fastifyPath(path)}`),
  );
  const { gateway, runtimes, realtime } = platform();
  const services = new Map<string, FastifyInstance>([
    ...runtimes.map((runtime) => [runtime.name, runtime.app] as const),
    ['realtime', realtime.app],
  ]);
  // The gateway's forwarding rules are wildcards (every method, every path below): what they
  // reach is each service's own routes, checked below.
  const forwarding = new Set(publicRoutes.map((rule) => rule.url));
  // The reference page and its script under /api/docs are the document drawn, not operations.
  const gatewayOwn = routesOf(gateway)
    .filter(
      (route) =>
        route.url.startsWith('/api/') &&
        !route.url.startsWith('/api/docs') &&
        route.method !== 'HEAD' &&
        !forwarding.has(route.url),
    )
    .map((route) => `${route.method} ${route.url}`);
  assert.ok(gatewayOwn.length > 0);
  for (const route of gatewayOwn) assert.ok(documented.has(route), `the gateway's ${route} is documented`);
  for (const [name, app] of services) {
    for (const route of publicApiRoutes(app))
      assert.ok(documented.has(route), `${name}'s ${route} is documented`);
  }

  // And each documented operation is served by the app the document says handles it.
  for (const { method, path, operation } of operationsOf(document)) {
    const owner = operation['x-canvass-service'];
    const app = owner === 'gateway' ? gateway : services.get(owner);
    assert.ok(app, `${method} ${path} names a known service (${owner})`);
    assert.ok(
      publicApiRoutes(app).includes(`${method.toUpperCase()} ${fastifyPath(path)}`),
      `${owner} serves ${method.toUpperCase()} ${path}`,
    );
  }
});

test('OIDC and operator routes stay out of the document; the docs page allows nothing external', async () => {
  const document = await publicDocument(api());
  assert.deepEqual(
    Object.keys(document.paths).filter((path) => !path.startsWith('/api/')),
    [],
  );
  assert.match(document.info.description, /\/oidc\/\.well-known\/openid-configuration/);
  const page = await api()('GET', '/api/docs/');
  const policy = page.headers['content-security-policy'] ?? '';
  assert.match(policy, /^default-src 'none'; script-src 'self' 'nonce-[\w-]+'; /);
  assert.match(policy, /connect-src 'self'; /);
  assert.doesNotMatch(
    policy,
    /https?:|script-src[^;]*'unsafe/,
    'nothing from elsewhere; no inline script but the nonce’s',
  );
  assert.doesNotMatch(page.body, /(src|href)="(https?:)?\/\//, 'no external assets');
});
