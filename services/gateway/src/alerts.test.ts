import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildServiceApp, createLogger, requireAdminToken } from '@canvass/service-kit';
import type { FastifyInstance } from 'fastify';
import { Counter, Registry } from 'prom-client';
import { alertRoutes } from './alerts.ts';
import type { ForwardRequest, Upstream } from './upstream.ts';

const TOKEN = 'operator-token';
const START = Date.UTC(2026, 0, 5, 9, 0, 0);
const MINUTE = 60_000;

interface AlertsAnswer {
  evaluatedAt: string | null;
  alerts: {
    name: string;
    state: string;
    labels: Record<string, string>;
    annotations: Record<string, string>;
    activeAt: string;
    value: number | null;
    partialWindow: boolean;
  }[];
  rules: number;
  partialHistorySeconds: number;
  failedRules: unknown[];
  targets: { job: string; instance: string; component: string; up: boolean | null; error?: string }[];
}

/** A service instance whose /metrics answers (or not) as the test says. */
function fakePeer(name: string) {
  const peer = {
    failing: false,
    requests: [] as ForwardRequest[],
    upstream: {
      name,
      async forward(request: ForwardRequest) {
        peer.requests.push(request);
        if (peer.failing) throw new Error('connect ECONNREFUSED 127.0.0.1:8081');
        const body = `# TYPE canvass_consumer_lag gauge\ncanvass_consumer_lag{service="analytics",consumer="analytics-tallies",instance="pod-a"} 12\n`;
        return { status: 200, headers: { 'content-type': 'text/plain' }, body: Buffer.from(body) };
      },
    } satisfies Upstream,
  };
  return peer;
}

function appWith(
  options: Omit<Parameters<typeof alertRoutes>[1], 'adminToken' | 'intervalMs'>,
): FastifyInstance {
  const app = buildServiceApp({ name: 'gateway', logger: createLogger('gateway', 'silent') });
  app.register(async (admin) => {
    admin.addHook('onRequest', requireAdminToken(TOKEN));
    alertRoutes(admin, { ...options, adminToken: TOKEN, intervalMs: 5 });
  });
  return app;
}

async function alerts(app: FastifyInstance): Promise<AlertsAnswer> {
  const response = await app.inject({
    url: '/admin/v1/alerts',
    headers: { authorization: `Bearer ${TOKEN}` },
  });
  assert.equal(response.statusCode, 200, response.body);
  return response.json();
}

/** Moves the clock and waits for a scrape and an evaluation at the new time. */
async function evaluatedAt(
  app: FastifyInstance,
  clock: { now: number },
  time: number,
): Promise<AlertsAnswer> {
  clock.now = time;
  const deadline = Date.now() + 5_000;
  for (;;) {
    const answer = await alerts(app);
    if (answer.evaluatedAt === new Date(time).toISOString()) return answer;
    assert.ok(Date.now() < deadline, `no evaluation at ${new Date(time).toISOString()} within 5 s`);
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
}

test('a peer that stops answering /metrics is down: CanvassTargetDown pending, then firing after 5 minutes', async () => {
  const polls = fakePeer('polls-1');
  const analytics = fakePeer('analytics-1');
  const clock = { now: START };
  const app = appWith({ peers: [polls.upstream, analytics.upstream], now: () => clock.now });
  await app.ready();
  try {
    const healthy = await evaluatedAt(app, clock, START);
    assert.deepEqual(healthy.alerts, []);
    assert.ok(healthy.rules > 40);
    assert.deepEqual(healthy.failedRules, []);
    assert.deepEqual(healthy.targets, [
      { job: 'canvass-services', instance: 'polls-1', component: 'polls', up: true },
      { job: 'canvass-services', instance: 'analytics-1', component: 'analytics', up: true },
    ]);
    // Peers are asked with the operator token, as Prometheus' canvass-gateway job asks.
    assert.deepEqual(polls.requests[0], {
      method: 'GET',
      url: '/metrics',
      headers: { authorization: `Bearer ${TOKEN}` },
    });

    polls.failing = true;
    const pending = await evaluatedAt(app, clock, START + MINUTE);
    assert.equal(pending.targets[0]!.up, false);
    assert.match(pending.targets[0]!.error!, /ECONNREFUSED/);
    assert.deepEqual(pending.alerts, [
      {
        name: 'CanvassTargetDown',
        state: 'pending',
        labels: {
          alertname: 'CanvassTargetDown',
          job: 'canvass-services',
          instance: 'polls-1',
          component: 'polls',
          severity: 'ticket',
        },
        annotations: {
          summary: 'Prometheus cannot scrape polls at polls-1',
          description:
            'canvass-services target polls-1 (polls) has not answered /metrics for 5 minutes: the process is down, or refuses the scraper (operator token, certificate).',
          runbook: 'docs/observability.md#canvasstargetdown',
        },
        activeAt: new Date(START + MINUTE).toISOString(),
        value: 0,
        partialWindow: false,
      },
    ]);
    assert.equal((await evaluatedAt(app, clock, START + 5 * MINUTE)).alerts[0]!.state, 'pending');
    const firing = await evaluatedAt(app, clock, START + 6 * MINUTE);
    assert.deepEqual(
      firing.alerts.map((alert) => [alert.name, alert.state, alert.labels.instance]),
      [['CanvassTargetDown', 'firing', 'polls-1']],
    );
    assert.equal(firing.partialHistorySeconds, 360);

    polls.failing = false;
    assert.deepEqual((await evaluatedAt(app, clock, START + 7 * MINUTE)).alerts, []);
  } finally {
    await app.close();
  }
  // Closed: the timer is stopped, no peer is asked again.
  const asked = polls.requests.length;
  await new Promise((resolve) => setTimeout(resolve, 30));
  assert.equal(polls.requests.length, asked);
});

test("the embedded tier: no peers, the process's one registry, the gateway's own up", async () => {
  const registry = new Registry();
  const requests = new Counter({
    name: 'http_requests_total',
    help: 'HTTP requests handled',
    labelNames: ['service', 'method', 'route', 'status_code'],
    registers: [registry],
  });
  const vote = { service: 'gateway', method: 'POST', route: '/api/v1/polls/:pollId/votes' };
  const clock = { now: START };
  const app = appWith({ peers: [], ownMetrics: registry, now: () => clock.now });
  await app.ready();
  try {
    requests.inc({ ...vote, status_code: '201' }, 1000);
    let answer = await evaluatedAt(app, clock, START);
    assert.deepEqual(answer.targets, [
      { job: 'canvass-gateway', instance: 'gateway', component: 'gateway', up: true },
    ]);
    assert.equal(answer.partialHistorySeconds, 0);
    // Every vote fails for two minutes: the burn-rate page, evaluated over the 2 minutes held.
    for (let minute = 1; minute <= 2; minute++) {
      requests.inc({ ...vote, status_code: '503' }, 600);
      answer = await evaluatedAt(app, clock, START + minute * MINUTE);
    }
    const burn = answer.alerts.find((alert) => alert.name === 'CanvassVoteAcceptanceBudgetBurn');
    assert.equal(burn?.state, 'firing');
    assert.equal(burn?.partialWindow, true);
    assert.equal(answer.partialHistorySeconds, 120);
  } finally {
    await app.close();
  }
});

test("the alerts are the operator's; rules that cannot load answer 503 and say why", async () => {
  const app = appWith({ peers: [], rulesDir: '/nonexistent/rules' });
  await app.ready();
  try {
    const anonymous = await app.inject({ url: '/admin/v1/alerts' });
    assert.equal(anonymous.statusCode, 401);
    const response = await app.inject({
      url: '/admin/v1/alerts',
      headers: { authorization: `Bearer ${TOKEN}` },
    });
    assert.equal(response.statusCode, 503);
    assert.equal(response.headers['content-type'], 'application/problem+json; charset=utf-8');
    const problem = response.json();
    assert.match(problem.type, /alert-rules-unavailable/);
    assert.match(problem.detail, /\/nonexistent\/rules could not be loaded/);
  } finally {
    await app.close();
  }
});
