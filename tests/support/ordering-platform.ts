// Polls and analytics as processes of their own (their real main.ts), on fresh databases and a
// NATS server of the test's own: what the ordering tests pause, kill and restart.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { createPostgresDatabase, type Database } from '@canvass/database';
import { provisionDatabases } from '@canvass/launcher';
import { sql } from 'kysely';
import { type Api, eventually, httpApi } from './api.ts';
import { freePort, POSTGRES_URL } from './cluster.ts';
import { type PrivateNats, startPrivateNats } from './nats-server.ts';
import { type ServiceProcess, startServiceProcess, stopProcess, waitReady } from './processes.ts';
import { figuresOf, recount } from './recount.ts';

export interface OrderingPlatform {
  nats: PrivateNats;
  pollsDb: Database;
  /** The polls processes' public API, taking turns among them request by request. */
  polls: Api;
  analytics: Api;
  adminToken: string;
  pollsProcesses: ServiceProcess[];
  analyticsProcess(): ServiceProcess;
  startAnalytics(env?: Record<string, string>): Promise<ServiceProcess>;
  /** Calls an operator route (`/admin/v1/…`) of a service. */
  admin(service: 'polls' | 'analytics', method: string, path: string, body?: unknown): Promise<unknown>;
  /** Waits until analytics' results of every poll equal a recount of its stream. */
  converges(pollIds: readonly string[], timeoutMs?: number): Promise<void>;
  dispose(): Promise<void>;
}

export async function startOrderingPlatform(
  options: { pollsProcesses?: number; nats?: Parameters<typeof startPrivateNats>[0] } = {},
): Promise<OrderingPlatform> {
  const nats = await startPrivateNats(options.nats);
  const urls = await provisionDatabases({
    adminUrl: POSTGRES_URL,
    prefix: 'canvass_test_ordering_',
    services: ['polls', 'analytics'],
  });
  // Every run starts from nothing: no earlier run's streams, positions or checkpoints.
  for (const service of ['polls', 'analytics']) {
    const db = createPostgresDatabase({ url: urls[service]!, schema: service });
    await sql.raw(`drop schema if exists ${service} cascade`).execute(db.kysely);
    await db.close();
  }
  const pollsDb = createPostgresDatabase({ url: urls.polls!, schema: 'polls' });
  const adminToken = randomBytes(16).toString('hex');
  const common = { NATS_URL: nats.url, CANVASS_ADMIN_TOKEN: adminToken };
  const pollsPorts: number[] = [];
  const pollsProcesses: ServiceProcess[] = [];
  for (let i = 0; i < (options.pollsProcesses ?? 1); i++) {
    const port = await freePort();
    pollsPorts.push(port);
    pollsProcesses.push(
      startServiceProcess('polls', { ...common, PORT: String(port), DATABASE_URL: urls.polls! }),
    );
    await waitReady(port);
  }
  const analyticsPort = await freePort();
  let analytics: ServiceProcess | undefined;
  const startAnalytics = async (env: Record<string, string> = {}) => {
    analytics = startServiceProcess('analytics', {
      ...common,
      PORT: String(analyticsPort),
      DATABASE_URL: urls.analytics!,
      ...env,
    });
    await waitReady(analyticsPort);
    return analytics;
  };
  await startAnalytics();
  const ports = { polls: pollsPorts[0]!, analytics: analyticsPort };
  const analyticsApi = httpApi(`http://127.0.0.1:${analyticsPort}`);
  return {
    nats,
    pollsDb,
    polls: (() => {
      const apis = pollsPorts.map((port) => httpApi(`http://127.0.0.1:${port}`));
      let turn = 0;
      return (method, url, init) => apis[turn++ % apis.length]!(method, url, init);
    })(),
    analytics: analyticsApi,
    adminToken,
    pollsProcesses,
    analyticsProcess: () => analytics!,
    startAnalytics,
    async admin(service, method, path, body) {
      const response = await httpApi(`http://127.0.0.1:${ports[service]}`)(method, path, {
        headers: { authorization: `Bearer ${adminToken}` },
        ...(body !== undefined ? { body } : {}),
      });
      assert.ok(
        response.status < 300,
        `${method} ${path}: ${response.status} ${JSON.stringify(response.body)}`,
      );
      return response.body;
    },
    async converges(pollIds, timeoutMs = 90_000) {
      await eventually(async () => {
        for (const pollId of pollIds) {
          const results = await analyticsApi('GET', `/api/v1/polls/${pollId}/results`);
          assert.equal(results.status, 200, `results of ${pollId}: ${JSON.stringify(results.body)}`);
          assert.deepEqual(figuresOf(results.body), await recount(pollsDb, pollId), `poll ${pollId}`);
        }
      }, timeoutMs);
    },
    async dispose() {
      if (analytics) {
        analytics.child.kill('SIGCONT');
        await stopProcess(analytics);
      }
      for (const process of pollsProcesses) await stopProcess(process);
      await pollsDb.close();
      await nats.dispose();
    },
  };
}

/** Rebuilds analytics' tallies from polls' history through the operator API, as the CLI does. */
export async function rebuildTallies(platform: OrderingPlatform): Promise<void> {
  const base = '/admin/v1/projections/tallies/rebuild';
  await platform.admin('analytics', 'POST', `${base}/begin`);
  let after = 0;
  for (;;) {
    const page = (await platform.admin('polls', 'GET', `/admin/v1/events?after=${after}&limit=500`)) as {
      events: unknown[];
      next: number;
    };
    if (page.events.length === 0) break;
    await platform.admin('analytics', 'POST', `${base}/events`, { events: page.events });
    after = page.next;
  }
  await platform.admin('analytics', 'POST', `${base}/end`);
}
