import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { brotliCompressSync, brotliDecompressSync, gunzipSync, gzipSync } from 'node:zlib';
import { buildServiceApp, createLogger } from '@canvass/service-kit';
import type { FastifyInstance } from 'fastify';
import { isWebAppBuilt, webAppRoutes } from './web.ts';

let root: string;
let app: FastifyInstance;

before(async () => {
  root = await mkdtemp(join(tmpdir(), 'canvass-web-'));
  await mkdir(join(root, 'assets'));
  await writeFile(join(root, 'index.html'), '<!doctype html><div id="app"></div>');
  await writeFile(join(root, 'assets', 'main-abc123.js'), 'console.log(1)');
  await writeFile(join(root, 'assets', 'main-abc123.js.br'), brotliCompressSync('console.log(1)'));
  await writeFile(join(root, 'assets', 'main-abc123.js.gz'), gzipSync('console.log(1)'));
  await writeFile(join(root, 'favicon.svg'), '<svg/>');
  await writeFile(join(tmpdir(), 'canvass-web-secret.txt'), 'secret');
  app = buildServiceApp({ name: 'gateway', logger: createLogger('gateway', 'silent') });
  app.get('/api/v1/polls/:id', async () => ({ poll: true }));
  webAppRoutes(app, root);
  await app.ready();
});

after(async () => {
  await app.close();
  await rm(root, { recursive: true, force: true });
  await rm(join(tmpdir(), 'canvass-web-secret.txt'), { force: true });
});

test('a built app is recognised by its index.html', async () => {
  assert.equal(isWebAppBuilt(root), true);
  assert.equal(isWebAppBuilt(join(root, 'assets')), false);
});

test('app routes get index.html, never cached', async () => {
  for (const url of ['/', '/p/abc', '/p/abc?from=qr', '/receipts/qj9Tfb_tqbKkS7l.o1eaikYyescE8BR']) {
    const response = await app.inject({ method: 'GET', url });
    assert.equal(response.statusCode, 200, url);
    assert.match(response.headers['content-type'] as string, /^text\/html/);
    assert.equal(response.headers['cache-control'], 'no-cache');
    assert.match(response.body, /<div id="app">/);
  }
});

test('app pages may be framed by Canvass only; embeds by any site; scripts come from Canvass only', async () => {
  for (const url of ['/', '/p/abc', '/receipts/r1', '/app/polls/abc']) {
    const response = await app.inject({ method: 'GET', url });
    assert.match(String(response.headers['content-security-policy']), /frame-ancestors 'self'/, url);
    assert.match(String(response.headers['content-security-policy']), /script-src 'self'/, url);
    assert.equal(response.headers['x-frame-options'], 'SAMEORIGIN', url);
  }
  for (const url of ['/embed/abc', '/embed/abc?theme=light']) {
    const response = await app.inject({ method: 'GET', url });
    assert.match(response.body, /<div id="app">/);
    assert.doesNotMatch(String(response.headers['content-security-policy']), /frame-ancestors/, url);
    assert.match(String(response.headers['content-security-policy']), /script-src 'self'/, url);
    assert.equal(response.headers['x-frame-options'], undefined, url);
  }
});

test('hashed assets are kept forever, other files revalidated', async () => {
  const script = await app.inject({ method: 'GET', url: '/assets/main-abc123.js' });
  assert.equal(script.statusCode, 200);
  assert.match(script.headers['content-type'] as string, /^text\/javascript/);
  assert.equal(script.headers['cache-control'], 'public, max-age=31536000, immutable');
  assert.equal(script.body, 'console.log(1)');
  const icon = await app.inject({ method: 'GET', url: '/favicon.svg' });
  assert.equal(icon.headers['content-type'], 'image/svg+xml');
  assert.equal(icon.headers['cache-control'], 'no-cache');
  const asked = await app.inject({ method: 'GET', url: '/favicon.ico' });
  assert.equal(asked.statusCode, 301, 'a page that names no icon gets the app’s');
  assert.equal(asked.headers.location, '/favicon.svg');
});

test('missing files, paths outside the app and reserved prefixes are 404 problems', async () => {
  // Climbing out is refused before routing (400 invalid-path), or resolved by inject() first (404).
  for (const url of ['/%2e%2e/canvass-web-secret.txt', '/..%2fcanvass-web-secret.txt']) {
    const response = await app.inject({ method: 'GET', url });
    assert.ok([400, 404].includes(response.statusCode), url);
    assert.match(response.headers['content-type'] as string, /problem\+json/, url);
  }
  for (const url of [
    '/assets/missing.js',
    '/api/v1/nothing',
    '/api',
    '/oidc/nothing',
    '/admin/v1/nothing',
    '/interaction/x',
  ]) {
    const response = await app.inject({ method: 'GET', url });
    assert.equal(response.statusCode, 404, url);
    assert.match(response.headers['content-type'] as string, /problem\+json/, url);
  }
  assert.deepEqual((await app.inject({ method: 'GET', url: '/api/v1/polls/p1' })).json(), { poll: true });
});

test('assets go out precompressed when the client takes it: brotli, else gzip, else as they are', async () => {
  const url = '/assets/main-abc123.js';
  const br = await app.inject({ method: 'GET', url, headers: { 'accept-encoding': 'gzip, deflate, br' } });
  assert.equal(br.headers['content-encoding'], 'br');
  assert.equal(br.headers.vary, 'accept-encoding');
  assert.match(br.headers['content-type'] as string, /^text\/javascript/);
  assert.equal(brotliDecompressSync(br.rawPayload).toString(), 'console.log(1)');
  const gz = await app.inject({ method: 'GET', url, headers: { 'accept-encoding': 'gzip' } });
  assert.equal(gz.headers['content-encoding'], 'gzip');
  assert.equal(gunzipSync(gz.rawPayload).toString(), 'console.log(1)');
  const plain = await app.inject({ method: 'GET', url });
  assert.equal(plain.headers['content-encoding'], undefined);
  assert.equal(plain.body, 'console.log(1)');
});
