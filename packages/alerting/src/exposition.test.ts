import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ExpositionParseError } from './errors.ts';
import { parseExposition } from './exposition.ts';

// What prom-client's registry.metrics() writes: a counter, a histogram, a gauge without labels.
const PROM_CLIENT_TEXT = `# HELP http_requests_total HTTP requests handled
# TYPE http_requests_total counter
http_requests_total{service="gateway",method="POST",route="/api/v1/polls/:pollId/votes",status_code="201"} 1500
http_requests_total{service="gateway",method="POST",route="/api/v1/polls/:pollId/votes",status_code="503"} 3

# HELP http_request_duration_seconds HTTP request latency
# TYPE http_request_duration_seconds histogram
http_request_duration_seconds_bucket{le="0.005",service="polls",method="GET",route="/healthz",status_code="200"} 7
http_request_duration_seconds_bucket{le="+Inf",service="polls",method="GET",route="/healthz",status_code="200"} 9
http_request_duration_seconds_sum{service="polls",method="GET",route="/healthz",status_code="200"} 0.0123
http_request_duration_seconds_count{service="polls",method="GET",route="/healthz",status_code="200"} 9

# HELP canvass_live_connections Open live connections
# TYPE canvass_live_connections gauge
canvass_live_connections 42
`;

test("prom-client's exposition becomes one sample a line, with its labels", () => {
  const samples = parseExposition(PROM_CLIENT_TEXT);
  assert.equal(samples.length, 7);
  assert.deepEqual(samples[1], {
    name: 'http_requests_total',
    labels: {
      service: 'gateway',
      method: 'POST',
      route: '/api/v1/polls/:pollId/votes',
      status_code: '503',
    },
    value: 3,
  });
  assert.deepEqual(samples[3], {
    name: 'http_request_duration_seconds_bucket',
    labels: { le: '+Inf', service: 'polls', method: 'GET', route: '/healthz', status_code: '200' },
    value: 9,
  });
  assert.deepEqual(samples[6], { name: 'canvass_live_connections', labels: {}, value: 42 });
});

test('escapes, special values, timestamps, blanks and a trailing comma', () => {
  const samples = parseExposition(
    [
      'weird{path="a\\"b\\\\c\\nd",} NaN',
      'up_and_down  +Inf 1700000000000',
      '  spaced { a = "1" , b="2"}\t-Inf',
      'sci 1.5e3',
      '# a comment that is neither HELP nor TYPE',
      '',
    ].join('\r\n'),
  );
  assert.deepEqual(samples[0]!.labels, { path: 'a"b\\c\nd' });
  assert.ok(Number.isNaN(samples[0]!.value));
  assert.equal(samples[1]!.value, Number.POSITIVE_INFINITY);
  assert.equal(samples[1]!.timestampMs, 1_700_000_000_000);
  assert.deepEqual(samples[2], {
    name: 'spaced',
    labels: { a: '1', b: '2' },
    value: Number.NEGATIVE_INFINITY,
  });
  assert.equal(samples[3]!.value, 1500);
});

test('text that is not the exposition format is refused with its line', () => {
  for (const [text, line] of [
    ['ok 1\nbroken{a="1" 2', 2],
    ['no_value', 1],
    ['bad_value{a="1"} twelve', 1],
    ['dup{a="1",a="2"} 1', 1],
    ['<html>', 1],
  ] as const) {
    assert.throws(
      () => parseExposition(text),
      (error: unknown) => error instanceof ExpositionParseError && error.line === line,
      text,
    );
  }
});
