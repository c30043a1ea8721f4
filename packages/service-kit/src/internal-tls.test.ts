import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { buildServiceApp } from './app.ts';
import { loadInternalTls } from './internal-tls.ts';
import { createLogger } from './logger.ts';

const dir = mkdtempSync(join(tmpdir(), 'canvass-tls-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const openssl = (...args: string[]) => execFileSync('openssl', args, { stdio: 'pipe' });
const file = (name: string) => join(dir, name);

/** A CA named `ca` and certificates for `peers` signed by it (what tools/launcher/src/pki.ts makes). */
function issue(ca: string, peers: string[]): void {
  for (const peer of peers) {
    openssl(
      'genpkey',
      '-algorithm',
      'EC',
      '-pkeyopt',
      'ec_paramgen_curve:P-256',
      '-out',
      file(`${peer}.key`),
    );
    openssl('req', '-new', '-key', file(`${peer}.key`), '-subj', `/CN=${peer}`, '-out', file(`${peer}.csr`));
    writeFileSync(
      file('ext'),
      'extendedKeyUsage=serverAuth,clientAuth\nsubjectAltName=DNS:localhost,IP:127.0.0.1\n',
    );
    openssl(
      'x509',
      '-req',
      '-in',
      file(`${peer}.csr`),
      '-CA',
      file(`${ca}.crt`),
      '-CAkey',
      file(`${ca}.key`),
      '-set_serial',
      String(Date.now()),
      '-days',
      '1',
      '-extfile',
      file('ext'),
      '-out',
      file(`${peer}.crt`),
    );
  }
}
function newCa(ca: string): void {
  openssl(
    'req',
    '-x509',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:P-256',
    '-nodes',
    '-keyout',
    file(`${ca}.key`),
    '-out',
    file(`${ca}.crt`),
    '-days',
    '1',
    '-subj',
    `/CN=${ca}`,
  );
}

function call(port: number, path: string, peer: string | undefined, ca = 'ca'): Promise<number> {
  return new Promise((resolve, reject) => {
    request(
      {
        host: '127.0.0.1',
        port,
        path,
        ca: readFileSync(file(`${ca}.crt`)),
        ...(peer ? { cert: readFileSync(file(`${peer}.crt`)), key: readFileSync(file(`${peer}.key`)) } : {}),
        agent: false,
      },
      (response) => {
        response.resume();
        resolve(response.statusCode ?? 0);
      },
    )
      .on('error', reject)
      .end();
  });
}

test('serves only the peers a route names, keeps the timeouts, and takes rotated files on reload', async () => {
  newCa('ca');
  issue('ca', ['polls', 'gateway', 'realtime']);
  const tls = loadInternalTls({ ca: file('ca.crt'), cert: file('polls.crt'), key: file('polls.key') });
  const app = buildServiceApp({
    name: 'polls',
    logger: createLogger('polls', 'silent'),
    tls,
    timeouts: { headersMs: 4_000, requestMs: 8_000 },
  });
  app.get('/api/v1/things', async () => ({ ok: true }));
  app.get('/api/v1/shared', { config: { peers: ['gateway', 'realtime'] } }, async () => ({ ok: true }));
  await app.listen({ port: 0, host: '127.0.0.1' });
  after(() => app.close());
  assert.equal(app.server.headersTimeout, 4_000);
  assert.equal(app.server.requestTimeout, 8_000);
  const { port } = app.server.address() as { port: number };

  assert.equal(await call(port, '/api/v1/things', 'gateway'), 200);
  assert.equal(await call(port, '/api/v1/things', 'realtime'), 403);
  assert.equal(await call(port, '/api/v1/shared', 'realtime'), 200);
  assert.equal(await call(port, '/api/v1/things', undefined), 403);
  assert.equal(await call(port, '/healthz', undefined), 200);

  // Rotation to a new CA: the files are replaced, the server takes them on reload (as on SIGHUP).
  const oldGateway = { crt: readFileSync(file('gateway.crt')), key: readFileSync(file('gateway.key')) };
  newCa('ca2');
  issue('ca2', ['polls', 'gateway']);
  writeFileSync(file('ca.crt'), readFileSync(file('ca2.crt')));
  assert.equal(tls.reload(), true);
  assert.equal(tls.reload(), false, 'nothing changed since');
  assert.equal(await call(port, '/api/v1/things', 'gateway', 'ca2'), 200);
  writeFileSync(file('old.crt'), oldGateway.crt);
  writeFileSync(file('old.key'), oldGateway.key);
  assert.equal(await call(port, '/api/v1/things', 'old', 'ca2'), 403, 'a certificate of the old CA');
});
