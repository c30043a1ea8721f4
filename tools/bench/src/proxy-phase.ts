// The gateway hop against the bare undici proxy hop (ceilings-bare-proxy.ts: the floor for any Node
// proxy) and nginx (the Debian package) as reverse proxies in front of the same upstream, in the
// same run: requests per second, latency, the p99 each hop adds over calling the upstream directly,
// and each proxy's CPU time per request (from /proc, all its processes).
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { cpuMs, freePort, repositoryRoot, startNodeScript, stopChild } from './processes.ts';

export interface HopFigures {
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  addedP99Ms: number;
  cpuMsPerRequest: number | null;
  failed: number;
}

export interface ProxyResult {
  direct: HopFigures;
  bareUndici: HopFigures;
  nginx: HopFigures | null;
  gateway: HopFigures;
  note?: string;
}

/** CPU time of several processes together (nginx's master and worker). */
const cpuOf = async (pids: readonly number[]) =>
  (await Promise.all(pids.map(cpuMs))).reduce((a, b) => a + b, 0);

async function childPids(pid: number): Promise<number[]> {
  const text = await readFile(`/proc/${pid}/task/${pid}/children`, 'utf8').catch(() => '');
  return [pid, ...text.split(' ').filter(Boolean).map(Number)];
}

async function waitForPort(port: number): Promise<void> {
  for (let i = 0; i < 100; i++) {
    const open = await fetch(`http://127.0.0.1:${port}/`).then(
      () => true,
      () => false,
    );
    if (open) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`nothing answers on port ${port}`);
}

export async function proxyPhase(
  options: { seconds: number; connections: number },
  progress: (text: string) => void,
): Promise<ProxyResult> {
  const dir = await mkdtemp(join(tmpdir(), 'canvass-bench-proxy-'));
  const children: ChildProcess[] = [];
  try {
    const upstreamPort = await freePort();
    children.push(
      (await startNodeScript('tools/bench/src/hello-upstream.ts', [String(upstreamPort)], { ready: /ready/ }))
        .child,
    );
    const path = '/api/v1/polls/BenchPoll001';

    async function measure(
      name: string,
      port: number,
      pids: readonly number[],
      baselineP99?: number,
    ): Promise<HopFigures> {
      progress(`  ${name}: GET ${path}, ${options.connections} connections, ${options.seconds} s`);
      const before = pids.length ? await cpuOf(pids) : 0;
      const result = await autocannon({
        url: `http://127.0.0.1:${port}${path}`,
        connections: options.connections,
        duration: options.seconds,
      });
      const used = pids.length ? (await cpuOf(pids)) - before : 0;
      const requests = result.requests.total;
      const failed = result.non2xx + result.errors + result.timeouts;
      // A rare dropped keep-alive connection is noise; more than 1% means the figures mean nothing.
      if (failed > requests / 100) throw new Error(`${name}: ${failed} of ${requests} requests failed`);
      return {
        requestsPerSecond: result.requests.average,
        p50Ms: result.latency.p50,
        p99Ms: result.latency.p99,
        addedP99Ms: baselineP99 === undefined ? 0 : result.latency.p99 - baselineP99,
        cpuMsPerRequest: pids.length ? Math.round((used / Math.max(1, requests)) * 10_000) / 10_000 : null,
        failed,
      };
    }

    const direct = await measure('direct to the upstream', upstreamPort, []);

    const bareUndiciPort = await freePort();
    const bareUndici = await startNodeScript(
      'tools/bench/src/ceilings-bare-proxy.ts',
      [String(bareUndiciPort), String(upstreamPort)],
      { ready: /ready/ },
    );
    children.push(bareUndici.child);
    const bareUndiciFigures = await measure(
      'the bare undici hop (1 process) in front',
      bareUndiciPort,
      [bareUndici.child.pid!],
      direct.p99Ms,
    );
    // Stopped before the next proxy, so it takes no CPU from it.
    await stopChild(children.pop()!);

    let nginx: HopFigures | null = null;
    let note: string | undefined;
    if (existsSync('/usr/sbin/nginx')) {
      const nginxPort = await freePort();
      const config = `worker_processes 1;
daemon off;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path ${dir}/body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  upstream canvass { server 127.0.0.1:${upstreamPort}; keepalive 128; }
  server {
    listen 127.0.0.1:${nginxPort};
    location / {
      proxy_pass http://canvass;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
    }
  }
}
`;
      await writeFile(join(dir, 'nginx.conf'), config);
      const master = spawn('/usr/sbin/nginx', ['-c', join(dir, 'nginx.conf'), '-p', dir], {
        stdio: 'ignore',
      });
      children.push(master);
      await waitForPort(nginxPort);
      nginx = await measure(
        'nginx (1 worker) in front',
        nginxPort,
        await childPids(master.pid!),
        direct.p99Ms,
      );
    } else {
      note = 'nginx is not installed (apt-get install -y nginx): no nginx figures';
    }

    const gatewayPort = await freePort();
    const upstreamUrl = `http://127.0.0.1:${upstreamPort}`;
    const { REDIS_URL: _redis, NATS_URL: _nats, ...environment } = process.env;
    // Memory rate limits (no Redis) and no results-cache listener (no NATS): the hop alone.
    const gateway = spawn(process.execPath, ['services/gateway/src/main.ts'], {
      cwd: repositoryRoot,
      env: {
        ...environment,
        PORT: String(gatewayPort),
        HOST: '127.0.0.1',
        LOG_LEVEL: 'warn',
        POLLS_URL: upstreamUrl,
        ANALYTICS_URL: upstreamUrl,
        IDENTITY_URL: upstreamUrl,
        REALTIME_URL: upstreamUrl,
        CANVASS_RATE_LIMITS: JSON.stringify({ perIp: { points: 100_000_000, windowSeconds: 60 } }),
      },
      stdio: 'ignore',
    });
    children.push(gateway);
    await waitForPort(gatewayPort);
    const figures = await measure(
      'the gateway (1 process) in front',
      gatewayPort,
      [gateway.pid!],
      direct.p99Ms,
    );
    return { direct, bareUndici: bareUndiciFigures, nginx, gateway: figures, ...(note ? { note } : {}) };
  } finally {
    for (const child of children.reverse()) await stopChild(child);
    await rm(dir, { recursive: true, force: true });
  }
}
