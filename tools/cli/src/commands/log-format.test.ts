import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseJsonLine } from './log-entries.ts';
import { formatEntry, formatJson } from './log-format.ts';

const entry = (process: string, fields: Record<string, unknown>) => {
  const parsed = parseJsonLine(JSON.stringify({ time: '2025-05-01T12:00:00.123Z', ...fields }))!;
  return { process, time: parsed.time, line: parsed.line, fields: parsed.fields };
};

test('a request line shows time, process, level, message, the exchange and the ids to follow', () => {
  const line = formatEntry(
    entry('gateway', {
      level: 30,
      service: 'gateway',
      reqId: 'r-1',
      trace_id: '4bf92f3577b34da6a3ce929d0e0e4736',
      span_id: '00f067aa0ba902b7',
      res: { statusCode: 404 },
      responseTime: 12.345,
      msg: 'request completed',
    }),
    10,
  );
  assert.equal(
    line,
    '2025-05-01T12:00:00.123Z gateway    INFO  request completed  → 404  12.3ms  reqId=r-1  trace_id=4bf92f3577b34da6a3ce929d0e0e4736  span_id=00f067aa0ba902b7',
  );
  assert.match(
    formatEntry(
      entry('polls', { level: 30, req: { method: 'GET', url: '/api/v1/polls/p1' }, msg: 'incoming request' }),
      8,
    ),
    / INFO {2}incoming request {2}GET \/api\/v1\/polls\/p1$/,
  );
});

test('other fields follow as key=value; an error shows its message and, below, its stack', () => {
  const line = formatEntry(
    entry('billing', {
      level: 50,
      sagaId: 'sg_1',
      detail: 'two words',
      attempts: 3,
      err: {
        type: 'Error',
        message: 'provider down',
        stack: 'Error: provider down\n    at charge (billing.ts:1:1)',
      },
      msg: 'step failed',
    }),
    8,
  );
  assert.equal(
    line,
    [
      '2025-05-01T12:00:00.123Z billing  ERROR step failed  err="Error: provider down"  sagaId=sg_1  detail="two words"  attempts=3',
      '    Error: provider down',
      '        at charge (billing.ts:1:1)',
    ].join('\n'),
  );
  assert.match(formatEntry(entry('polls', { level: 35, msg: 'custom' }), 8), / L35 {3}custom$/);
});

test('a text line shows as it is; with --json every line is JSON', () => {
  const text = {
    process: 'polls',
    time: Date.parse('2025-05-01T12:00:00.123Z'),
    line: '    at main (x.ts:1:1)',
  };
  assert.equal(formatEntry(text, 8), '2025-05-01T12:00:00.123Z polls    -         at main (x.ts:1:1)');
  assert.deepEqual(JSON.parse(formatJson(text)), {
    time: '2025-05-01T12:00:00.123Z',
    process: 'polls',
    text: '    at main (x.ts:1:1)',
  });
  const json = entry('polls', { level: 30, msg: 'as written' });
  assert.equal(formatJson(json), json.line);
});
