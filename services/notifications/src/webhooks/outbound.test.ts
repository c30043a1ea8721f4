import assert from 'node:assert/strict';
import type { lookup } from 'node:dns';
import {
  createServer,
  type IncomingMessage,
  type RequestListener,
  type Server,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { Agent, buildConnector } from 'undici';
import { createOutboundAgent, createOutboundClient, guardConnector } from './outbound.ts';

interface Target {
  port: number;
  requests: IncomingMessage[];
  connections: number;
  servers: Server[];
}

/** A real HTTP server on 127.0.0.1 (and on ::1 at the same port when the host has IPv6) that counts. */
async function startTarget(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<Target> {
  const target: Target = { port: 0, requests: [], connections: 0, servers: [] };
  const listener: RequestListener = (req, res) => {
    target.requests.push(req);
    handler(req, res);
  };
  for (const host of ['127.0.0.1', '::1']) {
    const server = createServer(listener).on('connection', () => target.connections++);
    const listening = await new Promise<boolean>((resolve) => {
      server.once('error', () => resolve(false)).listen(target.port, host, () => resolve(true));
    });
    if (!listening) continue;
    target.port = (server.address() as AddressInfo).port;
    target.servers.push(server);
  }
  return target;
}

const closeTarget = (target: Target) =>
  Promise.all(
    target.servers.map((server) => {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(resolve));
    }),
  );

const resolvesTo = (...addresses: string[]) =>
  ((_hostname: string, _options: object, callback: (...args: unknown[]) => void) =>
    callback(
      null,
      addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 })),
    )) as unknown as typeof lookup;

const hook = {
  headers: { 'content-type': 'application/json', 'webhook-id': 'msg_1' },
  body: '{"type":"poll.closed"}',
};

let target: Target; // must never receive anything
let echo: Target; // the allowed receiver
let redirected: Target; // where echo's redirect points
const hanging: ServerResponse[] = [];
let hugeClosed: Promise<void>;

before(async () => {
  target = await startTarget((_req, res) => res.end('reached'));
  redirected = await startTarget((_req, res) => res.end('followed'));
  echo = await startTarget((req, res) => {
    if (req.url === '/redirect') {
      res.writeHead(302, { location: `http://127.0.0.1:${redirected.port}/` }).end('moved');
    } else if (req.url === '/hang') {
      hanging.push(res);
    } else if (req.url === '/huge') {
      hugeClosed = new Promise((resolve) => res.on('close', resolve));
      const chunk = Buffer.alloc(16 * 1024, 'x');
      const pump = () => {
        while (!res.destroyed && res.write(chunk));
        if (!res.destroyed) res.once('drain', pump);
      };
      res.writeHead(200);
      pump();
    } else {
      req.resume().on('end', () => res.writeHead(201).end(`accepted ${'y'.repeat(2000)}`));
    }
  });
});

after(async () => {
  for (const res of hanging) res.destroy();
  await Promise.all([closeTarget(target), closeTarget(echo), closeTarget(redirected)]);
});

test('refuses loopback, private and metadata URLs without the server receiving anything', async () => {
  const client = createOutboundClient({
    timeoutMs: 30_000, // a refusal must come before connecting, not from a timeout
    lookup: resolvesTo('127.0.0.1'),
  });
  const p = target.port;
  for (const url of [
    `http://127.0.0.1:${p}/`,
    `http://[::1]:${p}/`,
    `http://[::ffff:127.0.0.1]:${p}/`,
    `http://[::ffff:7f00:1]:${p}/`,
    `http://0x7f000001:${p}/`,
    `http://2130706433:${p}/`,
    `http://localhost:${p}/`,
    `http://public-looking.example.test:${p}/`,
    'http://169.254.169.254/latest/meta-data/',
    'http://10.0.0.1/',
  ]) {
    const result = await client.post(url, hook);
    assert.equal(result.status, null, url);
    assert.equal(result.error, 'address-refused', url);
    assert.ok(result.detail, url);
  }
  await client.close();
  assert.equal(target.requests.length, 0);
  assert.equal(target.connections, 0);
});

test('the agent itself refuses the same URLs when the URL pre-check is skipped', async () => {
  const agent = createOutboundAgent({ timeoutMs: 30_000, lookup: resolvesTo('8.8.8.8', '127.0.0.1') });
  const p = target.port;
  for (const origin of [
    `http://127.0.0.1:${p}`,
    `http://[::1]:${p}`,
    `http://[::ffff:127.0.0.1]:${p}`,
    new URL(`http://0x7f000001:${p}`).origin,
    `http://public-looking.example.test:${p}`, // mixed DNS answers: one private address refuses the name
    'http://169.254.169.254',
    'http://10.0.0.1',
  ]) {
    await assert.rejects(agent.request({ origin, path: '/', method: 'POST', body: 'x' }), {
      code: 'ADDRESS_REFUSED',
    });
  }
  await agent.close();
  assert.equal(target.requests.length, 0);
  assert.equal(target.connections, 0);
});

test('the connected-socket check alone stops a name that reached loopback', async () => {
  // No lookup guard here: the connection is made, then destroyed before the request is written.
  const agent = new Agent({ connect: guardConnector(buildConnector({}), {}) });
  await assert.rejects(
    agent.request({ origin: `http://localhost:${target.port}`, path: '/', method: 'POST' }),
    {
      code: 'ADDRESS_REFUSED',
    },
  );
  await agent.close();
  assert.equal(target.requests.length, 0);
});

test('with allowLoopback a POST arrives with its headers and body; status and excerpt come back', async () => {
  const client = createOutboundClient({ allowLoopback: true });
  const result = await client.post(`http://127.0.0.1:${echo.port}/hook?x=1`, hook);
  await client.close();
  assert.equal(result.status, 201);
  assert.equal(result.error, undefined);
  assert.equal(result.excerpt.length, 1024);
  assert.ok(result.excerpt.startsWith('accepted yyy'));
  const received = echo.requests.at(-1)!;
  assert.equal(received.method, 'POST');
  assert.equal(received.url, '/hook?x=1');
  assert.equal(received.headers['webhook-id'], 'msg_1');
  assert.equal(received.headers['content-type'], 'application/json');
});

test('allowLoopback keeps private and metadata addresses refused', async () => {
  const client = createOutboundClient({ allowLoopback: true, lookup: resolvesTo('10.1.2.3') });
  for (const url of ['http://169.254.169.254/', 'http://10.0.0.1/', 'http://hooks.example.test/']) {
    assert.equal((await client.post(url, hook)).error, 'address-refused', url);
  }
  await client.close();
});

test('a redirect is returned as is and its Location receives nothing', async () => {
  const client = createOutboundClient({ allowLoopback: true });
  const result = await client.post(`http://127.0.0.1:${echo.port}/redirect`, hook);
  await client.close();
  assert.equal(result.status, 302);
  assert.equal(result.excerpt, 'moved');
  assert.equal(redirected.requests.length, 0);
  assert.equal(redirected.connections, 0);
});

test('an endless response body is cut at maxResponseBytes and its socket destroyed', async () => {
  const client = createOutboundClient({ allowLoopback: true, maxResponseBytes: 64 * 1024 });
  const result = await client.post(`http://127.0.0.1:${echo.port}/huge`, hook);
  assert.equal(result.status, 200);
  assert.equal(result.excerpt, 'x'.repeat(1024));
  await hugeClosed; // the server sees its response closed: the client did not keep reading
  await client.close();
});

test('a server that never answers gives a timeout', async () => {
  const client = createOutboundClient({ allowLoopback: true, timeoutMs: 300 });
  const result = await client.post(`http://127.0.0.1:${echo.port}/hang`, hook);
  await client.close();
  assert.equal(result.status, null);
  assert.equal(result.error, 'timeout');
  assert.ok(result.latencyMs >= 250, `gave up after ${result.latencyMs} ms`);
});

test('network failures become results, never exceptions', async () => {
  const failing = (_hostname: string, _options: object, callback: (error: Error) => void) =>
    callback(Object.assign(new Error('getaddrinfo ENOTFOUND'), { code: 'ENOTFOUND' }));
  const client = createOutboundClient({ allowLoopback: true, lookup: failing as unknown as typeof lookup });
  const dns = await client.post('http://nowhere.example.test/', hook);
  assert.equal(dns.error, 'dns-failed');
  const closedPort = await startTarget(() => {});
  await closeTarget(closedPort);
  const refused = await client.post(`http://127.0.0.1:${closedPort.port}/`, hook);
  assert.equal(refused.error, 'connect-failed');
  const invalid = await client.post('ftp://example.com/', hook);
  assert.equal(invalid.error, 'invalid-url');
  await client.close();
});
