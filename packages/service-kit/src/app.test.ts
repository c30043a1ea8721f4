import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { test } from 'node:test';
import Type from 'typebox';
import { buildServiceApp } from './app.ts';
import { drain } from './drain.ts';
import { createLogger } from './logger.ts';
import { HttpProblem } from './problem.ts';

function app(readiness: { name: string; check: () => void }[] = []) {
  const built = buildServiceApp({ name: 'sample', logger: createLogger('sample', 'silent'), readiness });
  built.post(
    '/things',
    { schema: { body: Type.Object({ name: Type.String({ minLength: 2 }), size: Type.Integer() }) } },
    async () => ({ ok: true }),
  );
  built.get('/boom', async () => {
    throw new Error('secret internal detail');
  });
  built.get('/teapot', async () => {
    throw new HttpProblem(418, 'teapot', 'I am a teapot', 'Short and stout.', { spout: 1 });
  });
  return built;
}

test('readiness follows its checks and names what is not ready', async () => {
  let databaseUp = true;
  const service = app([
    {
      name: 'database',
      check: () => {
        if (!databaseUp) throw new Error('connection refused');
      },
    },
  ]);
  assert.equal((await service.inject('/readyz')).statusCode, 200);
  databaseUp = false;
  const down = await service.inject('/readyz');
  assert.equal(down.statusCode, 503);
  assert.match(down.headers['content-type'] as string, /application\/problem\+json/);
  assert.deepEqual(down.json().checks, { drain: 'ok', database: 'connection refused' });
  databaseUp = true;
  assert.equal((await service.inject('/readyz')).statusCode, 200);
  assert.equal((await service.inject('/healthz')).statusCode, 200);
});

test('a draining process says it is not ready and closes every connection it answers on, for the drain period', async () => {
  const service = app();
  const before = await service.inject('/healthz');
  assert.equal(before.headers.connection, 'keep-alive', 'connections are kept alive before');
  const started = Date.now();
  const drained = drain(service, 300);
  const ready = await service.inject('/readyz');
  assert.equal(ready.statusCode, 503);
  assert.equal(ready.json().checks.drain, 'draining: this process is going away');
  assert.equal(ready.headers.connection, 'close');
  assert.equal((await service.inject('/healthz')).headers.connection, 'close', 'every answer closes');
  await drained;
  assert.ok(Date.now() - started >= 290, 'the drain lasts its period');
});

test('a request that arrives once the process is closing is not handled, and its 503 says so', async () => {
  const service = app();
  let release = () => {};
  let entered = () => {};
  const inSlow = new Promise<void>((resolve) => {
    entered = resolve;
  });
  let counted = 0;
  service.post('/slow', async () => {
    entered();
    await new Promise<void>((resolve) => {
      release = resolve;
    });
    return { slow: true };
  });
  service.post('/count', async () => ({ counted: ++counted }));
  await service.listen({ port: 0, host: '127.0.0.1' });
  const { port } = service.server.address() as { port: number };
  const socket = connect(port, '127.0.0.1');
  let received = '';
  socket.on('data', (chunk) => {
    received += chunk;
  });
  const request = (path: string) =>
    `POST ${path} HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: 2\r\n\r\n{}`;
  socket.write(request('/slow'));
  await inSlow;
  const closed = service.close();
  // The next request on the same connection comes while the process closes: pipelined, as a
  // pooled connection's next request is already on its way.
  socket.write(request('/count'));
  await new Promise((resolve) => setTimeout(resolve, 50));
  release();
  await closed;
  await new Promise((resolve) => socket.once('close', resolve));
  const answers = received.split(/(?=HTTP\/1\.1 )/);
  assert.equal(answers.length, 2, received);
  assert.match(answers[0]!, /^HTTP\/1\.1 200/);
  assert.match(answers[1]!, /^HTTP\/1\.1 503/);
  assert.match(answers[1]!, /canvass-unprocessed: closing/i);
  assert.match(answers[1]!, /application\/problem\+json/);
  assert.equal(counted, 0, 'the request was not handled');
});

test('validation errors list every bad field', async () => {
  const response = await app().inject({
    method: 'POST',
    url: '/things',
    payload: { name: 'x', size: 'big' },
  });
  assert.equal(response.statusCode, 400);
  const fields = response.json().errors.map((error: { field: string }) => error.field);
  assert.deepEqual(fields.sort(), ['/name', '/size']);
});

test('an unexpected error is a 500 problem without internals', async () => {
  const response = await app().inject('/boom');
  assert.equal(response.statusCode, 500);
  assert.doesNotMatch(response.body, /secret internal detail|\.ts:/);
  assert.match(response.json().detail, new RegExp(response.headers['x-request-id'] as string));
});

test('an HttpProblem keeps its status, type and extensions', async () => {
  const response = await app().inject('/teapot');
  assert.equal(response.statusCode, 418);
  assert.deepEqual(
    { ...(response.json() as object), requestId: undefined },
    {
      status: 418,
      type: '/problems/teapot',
      title: 'I am a teapot',
      detail: 'Short and stout.',
      spout: 1,
      instance: '/teapot',
      requestId: undefined,
    },
  );
});

test('metrics count requests per route', async () => {
  const service = app();
  await service.inject('/teapot');
  await service.inject('/teapot');
  const metrics = (await service.inject('/metrics')).body;
  assert.match(
    metrics,
    /http_requests_total\{service="sample",method="GET",route="\/teapot",status_code="418"\} 2/,
  );
  assert.match(metrics, /http_request_duration_seconds_bucket\{.*route="\/teapot"/);
});
