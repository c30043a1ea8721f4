// The API reference's page and bundle as the gateway serves them: a policy that allows nothing
// from elsewhere, and the 5 MB bundle compressed for clients that accept it.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import Fastify from 'fastify';
import { apiReference } from './api-reference.ts';

test('the page runs its own script by nonce only; the bundle goes compressed when the client accepts it', async () => {
  const app = Fastify({ routerOptions: { ignoreTrailingSlash: true } });
  apiReference(app);
  await app.ready();
  try {
    const page = await app.inject('/api/docs/');
    assert.equal(page.statusCode, 200);
    const nonce = /'nonce-([\w-]+)'/.exec(String(page.headers['content-security-policy']))?.[1];
    assert.ok(nonce, 'a nonce in the policy');
    const scripts = [...page.body.matchAll(/<script\b[^>]*>/g)].map((match) => match[0]);
    assert.ok(scripts.length >= 2);
    for (const script of scripts)
      assert.ok(script.includes(`nonce="${nonce}"`), `${script} carries the nonce`);

    const plain = await app.inject({
      url: '/api/docs/js/scalar.js',
      headers: { 'accept-encoding': 'identity' },
    });
    assert.equal(plain.headers['content-encoding'], undefined);
    const br = await app.inject({
      url: '/api/docs/js/scalar.js',
      headers: { 'accept-encoding': 'gzip, br' },
    });
    assert.equal(br.headers['content-encoding'], 'br');
    assert.ok(br.rawPayload.length < plain.rawPayload.length / 3, 'a third of the bytes or less');
    assert.ok(brotliDecompressSync(br.rawPayload).equals(plain.rawPayload));
    const gz = await app.inject({ url: '/api/docs/js/scalar.js', headers: { 'accept-encoding': 'gzip' } });
    assert.equal(gz.headers['content-encoding'], 'gzip');
    assert.ok(gunzipSync(gz.rawPayload).equals(plain.rawPayload));
    assert.equal(br.headers.vary, 'accept-encoding');
  } finally {
    await app.close();
  }
});
