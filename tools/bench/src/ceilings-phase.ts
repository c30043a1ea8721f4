// This machine's own ceilings, measured in the same run as the platform so each platform figure has
// a floor or ceiling beside it: a node:http hello world (what one Node process answers at most), a
// bare undici proxy hop in front of it (what any Node proxy, the gateway included, can reach at
// most), and PostgreSQL inserting vote-shaped rows batched and one by one (what a vote write path
// can reach). The JetStream publish and raw WebSocket broadcast ceilings belong to other phases.
import type { ChildProcess } from 'node:child_process';
import autocannon from 'autocannon';
import { postgresInsertRates } from './ceilings-postgres.ts';
import { cpuMs, freePort, startNodeScript, stopChild } from './processes.ts';

export interface CeilingsOptions {
  seconds: number;
  connections: number;
  postgresUrl: string;
  /** Rows the batched PostgreSQL insert measure writes (the one-row-per-INSERT one: a tenth). */
  rows: number;
}

export interface CeilingsResult {
  seconds: number;
  connections: number;
  rows: number;
  /** node:http hello world, one process, GET with keep-alive. */
  helloPerSecond: number;
  /** node:http + undici Pool in front of the same hello world; CPU time of the proxy process alone. */
  bareProxy: { perSecond: number; p50Ms: number; p99Ms: number; p999Ms: number; cpuMsPerRequest: number };
  pgBatchedRowsPerSecond: number;
  pgSingleRowsPerSecond: number;
  pgSingleRows: number;
}

// The same path and answer as the proxy phase, so the figures compare.
const PATH = '/api/v1/polls/BenchPoll001';

async function load(name: string, port: number, options: CeilingsOptions, progress: (text: string) => void) {
  progress(`  ${name}: GET ${PATH}, ${options.connections} connections, ${options.seconds} s`);
  const result = await autocannon({
    url: `http://127.0.0.1:${port}${PATH}`,
    connections: options.connections,
    duration: options.seconds,
  });
  const failed = result.non2xx + result.errors + result.timeouts;
  // A rare dropped keep-alive connection is noise; more than 1% means the figures mean nothing.
  if (failed > result.requests.total / 100)
    throw new Error(`${name}: ${failed} of ${result.requests.total} requests failed`);
  return result;
}

export async function ceilingsPhase(
  options: CeilingsOptions,
  progress: (text: string) => void,
): Promise<CeilingsResult> {
  const children: ChildProcess[] = [];
  let hello: autocannon.Result;
  let proxied: autocannon.Result;
  let proxyCpuMs: number;
  try {
    const upstreamPort = await freePort();
    const upstream = await startNodeScript('tools/bench/src/hello-upstream.ts', [String(upstreamPort)], {
      ready: /ready/,
    });
    children.push(upstream.child);
    hello = await load('node:http hello world', upstreamPort, options, progress);

    const proxyPort = await freePort();
    const proxy = await startNodeScript(
      'tools/bench/src/ceilings-bare-proxy.ts',
      [String(proxyPort), String(upstreamPort)],
      { ready: /ready/ },
    );
    children.push(proxy.child);
    const cpuBefore = await cpuMs(proxy.child.pid!);
    proxied = await load('bare undici proxy in front of it', proxyPort, options, progress);
    proxyCpuMs = (await cpuMs(proxy.child.pid!)) - cpuBefore;
  } finally {
    for (const child of children.reverse()) await stopChild(child);
  }
  const inserts = await postgresInsertRates(options.postgresUrl, options.rows, progress);
  return {
    seconds: options.seconds,
    connections: options.connections,
    rows: options.rows,
    helloPerSecond: hello.requests.average,
    bareProxy: {
      perSecond: proxied.requests.average,
      p50Ms: proxied.latency.p50,
      p99Ms: proxied.latency.p99,
      p999Ms: proxied.latency.p99_9,
      cpuMsPerRequest: Math.round((proxyCpuMs / Math.max(1, proxied.requests.total)) * 1000) / 1000,
    },
    pgBatchedRowsPerSecond: inserts.batchedRowsPerSecond,
    pgSingleRowsPerSecond: inserts.singleRowsPerSecond,
    pgSingleRows: inserts.singleRows,
  };
}
