import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { parseExposition } from './exposition.ts';
import { type ActiveAlert, createRuleEngine, referencedMetricNames } from './rule-engine.ts';
import { loadRuleDirectory, parseRuleFile } from './rule-file.ts';
import { createSeriesStore } from './series-store.ts';

const rulesDir = fileURLToPath(new URL('../../../deploy/prometheus/rules/', import.meta.url));
const MINUTE = 60_000;

test('an alert is pending until its expression has held for `for:`, then fires; it ends when it stops', () => {
  const groups = parseRuleFile(
    `groups:
  - name: g
    rules:
      - record: job:q:max
        expr: max by (job) (q)
      - alert: QueueDeep
        expr: job:q:max > 10
        for: 2m
        labels:
          severity: page
          team: "{{ $labels.job }}-team"
        annotations:
          summary: "{{ $labels.job }} holds {{ $value }}"
`,
    'inline.yml',
  );
  const store = createSeriesStore();
  const engine = createRuleEngine({ groups, store });
  const states: string[] = [];
  const depths = [0, 20, 20, 20, 20, 0, 20];
  depths.forEach((depth, minute) => {
    store.append({ __name__: 'q', job: 'relay', instance: 'a' }, minute * MINUTE, depth);
    store.append({ __name__: 'q', job: 'relay', instance: 'b' }, minute * MINUTE, depth / 2);
    engine.evaluate(minute * MINUTE);
    states.push(engine.alerts()[0]?.state ?? 'none');
  });
  assert.deepEqual(states, ['none', 'pending', 'pending', 'firing', 'firing', 'none', 'pending']);
  const [alert] = engine.alerts();
  assert.deepEqual(alert, {
    name: 'QueueDeep',
    state: 'pending',
    labels: { alertname: 'QueueDeep', job: 'relay', severity: 'page', team: 'relay-team' },
    annotations: { summary: 'relay holds 20' },
    activeAtMs: 6 * MINUTE,
    value: 20,
    partialWindow: false,
  });
  assert.equal(engine.ruleCount, 2);
});

test("a group's interval is honoured, and a failing rule is reported without stopping the others", () => {
  const groups = parseRuleFile(
    `groups:
  - name: slow
    interval: 5m
    rules:
      - record: slow_copy
        expr: x
  - name: broken
    rules:
      - record: ratio
        expr: x / on () y
      - alert: XHigh
        expr: x > 1
`,
    'inline.yml',
  );
  const store = createSeriesStore();
  const engine = createRuleEngine({ groups, store });
  for (let minute = 0; minute <= 6; minute++) {
    store.append({ __name__: 'x', a: '1' }, minute * MINUTE, minute);
    store.append({ __name__: 'y', b: '1' }, minute * MINUTE, 1);
    store.append({ __name__: 'y', b: '2' }, minute * MINUTE, 1);
    engine.evaluate(minute * MINUTE);
  }
  const [copy] = store.select([
    { name: '__name__', type: '=', value: 'slow_copy', matches: (v) => v === 'slow_copy' },
  ]);
  assert.deepEqual(copy!.samples.window(-1, 6 * MINUTE).times, [0, 5 * MINUTE]);
  assert.deepEqual(
    engine.failures().map((f) => [f.group, f.rule]),
    [['broken', 'ratio']],
  );
  assert.match(engine.failures()[0]!.error, /duplicate series/);
  assert.deepEqual(
    engine.alerts().map((a) => [a.name, a.state]),
    [['XHigh', 'firing']],
  );
});

/**
 * A gateway's /metrics over simulated time, as prom-client writes it: votes at 100/s, a stuffing
 * script's 429s, vote-to-screen latency and live viewers; `errorRate` of valid votes answered 503
 * and an outbox whose oldest event ages from `stallFrom` on.
 */
function gatewayExposition(
  seconds: number,
  errorsFrom: number | undefined,
  stallFrom: number | undefined,
): string {
  const failing = errorsFrom === undefined ? 0 : Math.max(0, seconds - errorsFrom);
  const votes = 100 * seconds;
  const errors = Math.round(0.1 * 100 * failing);
  const route = 'service="gateway",method="POST",route="/api/v1/polls/:pollId/votes"';
  const age = stallFrom === undefined ? 0 : Math.max(0, seconds - stallFrom);
  return `# HELP http_requests_total HTTP requests handled
# TYPE http_requests_total counter
http_requests_total{${route},status_code="201"} ${votes - errors}
http_requests_total{${route},status_code="503"} ${errors}
http_requests_total{${route},status_code="429"} ${50 * seconds}
# TYPE canvass_vote_to_screen_seconds histogram
canvass_vote_to_screen_seconds_bucket{le="0.25"} ${98 * seconds}
canvass_vote_to_screen_seconds_bucket{le="1"} ${99.9 * seconds}
canvass_vote_to_screen_seconds_bucket{le="+Inf"} ${votes}
canvass_vote_to_screen_seconds_sum ${20 * seconds}
canvass_vote_to_screen_seconds_count ${votes}
# TYPE canvass_live_connections gauge
canvass_live_connections{transport="websocket"} 400
# TYPE canvass_outbox_oldest_age_seconds gauge
canvass_outbox_oldest_age_seconds{service="polls"} ${age}
`;
}

/** Scrapes every 15 s for `minutes` and evaluates the real rule files after each scrape. */
function run(minutes: number, errorsFrom?: number, stallFrom?: number) {
  const groups = loadRuleDirectory(rulesDir);
  const names = referencedMetricNames(groups);
  const store = createSeriesStore(names ? { keep: (name) => names.has(name) } : {});
  const engine = createRuleEngine({ groups, store });
  const target = { job: 'canvass-gateway', instance: 'gateway', component: 'gateway' };
  const timeline: { seconds: number; alerts: ActiveAlert[] }[] = [];
  for (let seconds = 0; seconds <= minutes * 60; seconds += 15) {
    const samples = parseExposition(gatewayExposition(seconds, errorsFrom, stallFrom)).map((sample) => ({
      labels: { ...sample.labels, ...target, __name__: sample.name },
      value: sample.value,
    }));
    store.ingest('gateway', samples, seconds * 1000);
    store.append({ __name__: 'up', ...target }, seconds * 1000, 1);
    store.evict(seconds * 1000);
    engine.evaluate(seconds * 1000);
    timeline.push({ seconds, alerts: engine.alerts() });
  }
  return { engine, timeline };
}

test('healthy traffic fires nothing, with every rule evaluating', () => {
  const { engine, timeline } = run(30);
  assert.deepEqual(
    timeline.filter((step) => step.alerts.length > 0),
    [],
  );
  assert.deepEqual(engine.failures(), []);
});

test('5xx on the vote route fire the vote-acceptance burn; a stalled relay goes pending, then fires', () => {
  const errorsFrom = 20 * 60;
  const stallFrom = 21 * 60;
  const { engine, timeline } = run(30, errorsFrom, stallFrom);
  assert.deepEqual(engine.failures(), []);
  const first = (name: string, state?: string) =>
    timeline.find((step) => step.alerts.some((a) => a.name === name && (!state || a.state === state)));
  assert.ok(timeline.filter((step) => step.seconds < errorsFrom).every((step) => step.alerts.length === 0));

  // No `for:` on the burn alerts: they fire at the first evaluation where both windows of a pair
  // burn. With only 20 healthy minutes of history, the 6 h and 30 m windows are both "since the
  // start": 10% errors for x minutes make 10% · x / (20 + x), over 0.6% once x > 1.28. So it
  // fires at the scrape 90 s in, where Prometheus, with 6 hours of history, would wait for the
  // 1 h window (about 3.5 minutes here): that is what partialWindow warns of.
  const burn = first('CanvassVoteAcceptanceBudgetBurn')!;
  assert.equal(burn.seconds, errorsFrom + 90);
  const alert = engine.alerts().find((a) => a.name === 'CanvassVoteAcceptanceBudgetBurn')!;
  assert.equal(alert.state, 'firing');
  assert.deepEqual(alert.labels, {
    alertname: 'CanvassVoteAcceptanceBudgetBurn',
    severity: 'page',
    slo: 'vote-acceptance',
  });
  assert.ok(alert.value > 14.4 * 0.001);
  assert.match(
    alert.annotations.description!,
    /^\d+(\.\d+)?% of vote requests \(POST \/api\/v1\/polls\/:pollId\/votes/,
  );
  // Its 6 h window (and the slow burn's 1 d and 3 d) cannot be held in 1 hour of history.
  assert.equal(alert.partialWindow, true);
  assert.equal(first('CanvassFreshnessBudgetBurn'), undefined);

  // The relay: over 60 s old from 22:00 on, held for `for: 1m`.
  const pending = first('CanvassRelayStalled', 'pending')!;
  const firing = first('CanvassRelayStalled', 'firing')!;
  assert.ok(pending.seconds > stallFrom + 60 && pending.seconds < firing.seconds);
  assert.equal(firing.seconds - pending.seconds, 60);
  const relay = engine.alerts().find((a) => a.name === 'CanvassRelayStalled')!;
  assert.deepEqual(relay.labels, { alertname: 'CanvassRelayStalled', service: 'polls', severity: 'page' });
  assert.equal(relay.activeAtMs, pending.seconds * 1000);
  assert.equal(relay.partialWindow, false);
  assert.match(relay.annotations.description!, /is 9m 0s old/);
});
