// The floor any Node reverse proxy can reach on this machine: node:http in, an undici keep-alive
// pool out, and nothing else (no routing, limits, logging or framework). Small answers are read
// whole and written in one go, as the gateway does. Run as its own process:
// `node ceilings-bare-proxy.ts <port> <upstream port>`.
import { createServer, type IncomingHttpHeaders, type OutgoingHttpHeaders } from 'node:http';
import { Pool } from 'undici';

const port = Number(process.argv[2]);
const upstreamPort = Number(process.argv[3]);
const pool = new Pool(`http://127.0.0.1:${upstreamPort}`, { connections: 128, keepAliveTimeout: 60_000 });

// Hop-by-hop headers belong to one connection (RFC 9110 §7.6.1); undici refuses some of them.
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'transfer-encoding',
  'te',
  'trailer',
  'upgrade',
  'host',
]);

function endToEnd(headers: IncomingHttpHeaders): Record<string, string | string[]> {
  const kept: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined && !HOP_BY_HOP.has(name)) kept[name] = value;
  }
  return kept;
}

const server = createServer((request, response) => {
  const method = request.method ?? 'GET';
  pool
    .request({
      method: method as 'GET',
      path: request.url ?? '/',
      headers: endToEnd(request.headers),
      body: method === 'GET' || method === 'HEAD' ? null : request,
    })
    .then(async (answer) => {
      const body = Buffer.from(await answer.body.arrayBuffer());
      const headers: OutgoingHttpHeaders = endToEnd(answer.headers as IncomingHttpHeaders);
      headers['content-length'] = body.length;
      response.writeHead(answer.statusCode, headers);
      response.end(body);
    })
    .catch(() => {
      if (!response.headersSent) response.writeHead(502);
      response.end();
    });
});
server.keepAliveTimeout = 60_000;
server.listen(port, '127.0.0.1', () => process.stdout.write('ready\n'));
