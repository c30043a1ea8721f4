// The upstream the proxy comparison puts behind nginx and the gateway: answers every request with
// a small JSON body, like a poll read. Run as its own process: `node hello-upstream.ts <port>`.
import { createServer } from 'node:http';

const body = JSON.stringify({
  id: 'BenchPoll001',
  question: 'Which proxy is faster?',
  type: 'single_choice',
  status: 'open',
  options: [
    { id: 'a', label: 'nginx' },
    { id: 'b', label: 'the gateway' },
  ],
});
const server = createServer((_request, response) => {
  response.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
  response.end(body);
});
server.keepAliveTimeout = 60_000;
server.listen(Number(process.argv[2]), '127.0.0.1', () => process.stdout.write('ready\n'));
