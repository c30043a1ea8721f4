import assert from 'node:assert/strict';
import { test } from 'node:test';
import { groupEntries, type LogEntry, lineJudge, mergeByTime, parseJsonLine } from './log-entries.ts';

const at = (seconds: number) => Date.parse('2025-05-01T12:00:00.000Z') + seconds * 1000;
const pino = (seconds: number, fields: Record<string, unknown>) =>
  JSON.stringify({ level: 30, time: new Date(at(seconds)).toISOString(), ...fields });

test('a JSON line is an object with a time, ISO (pino isoTime) or milliseconds', () => {
  assert.equal(parseJsonLine(pino(1, { msg: 'ready' }))?.time, at(1));
  assert.equal(parseJsonLine(JSON.stringify({ time: at(2), msg: 'epoch' }))?.time, at(2));
  assert.equal(parseJsonLine(pino(1, { msg: 'x' }))?.fields.msg, 'x');
  for (const line of [
    'Error: boom',
    '    at main (file.ts:1:1)',
    '(node:12) Warning: something',
    '{"msg":"no time"}',
    '{"time":"not a time"}',
    '[1,2]',
    '{ not json',
  ]) {
    assert.equal(parseJsonLine(line), undefined, line);
  }
});

test('--level keeps lines at that level and above, and text lines, which have no level', () => {
  const group = { head: parseJsonLine(pino(1, { level: 30, msg: 'info' }))!, text: ['a warning'] };
  assert.deepEqual(
    groupEntries('polls', group, { minLevel: 50 }).map((entry) => entry.line),
    ['a warning'],
  );
  const error = { head: parseJsonLine(pino(1, { level: 50, msg: 'failed' }))!, text: [] };
  assert.equal(groupEntries('polls', error, { minLevel: 50 }).length, 1);
  const labelled = { head: parseJsonLine(pino(1, { level: 'warn', msg: 'label' }))!, text: [] };
  assert.equal(groupEntries('polls', labelled, { minLevel: 40 }).length, 1);
  assert.equal(groupEntries('polls', labelled, { minLevel: 50 }).length, 0);
});

test('--trace and --request keep the lines with those ids, and the text lines after them', () => {
  const line = (fields: Record<string, unknown>) => ({
    head: parseJsonLine(pino(1, fields))!,
    text: ['  at x'],
  });
  const traced = line({ trace_id: 't1', reqId: 'r1', msg: 'incoming request' });
  assert.equal(groupEntries('gateway', traced, { trace: 't1' }).length, 2);
  assert.equal(groupEntries('gateway', traced, { trace: 't2' }).length, 0);
  assert.equal(groupEntries('gateway', traced, { request: 'r1' }).length, 2);
  assert.equal(groupEntries('gateway', traced, { request: 'r1', trace: 't2' }).length, 0);
  assert.equal(groupEntries('billing', line({ requestId: 'r1' }), { request: 'r1' }).length, 2);
  assert.equal(groupEntries('billing', line({ msg: 'no ids' }), { request: 'r1' }).length, 0);
  // Text that opens a file follows no line: no trace or request is its.
  assert.equal(groupEntries('polls', { text: ['Error: boom'] }, { request: 'r1' }).length, 0);
  assert.equal(groupEntries('polls', { text: ['Error: boom'] }, {}).length, 1);
});

test('--since keeps lines at or after it; text lines have their JSON line time', () => {
  const group = { head: parseJsonLine(pino(10, { msg: 'x' }))!, text: ['after'] };
  assert.deepEqual(
    groupEntries('polls', group, { since: at(10) }).map((entry) => entry.time),
    [at(10), at(10)],
  );
  assert.equal(groupEntries('polls', group, { since: at(11) }).length, 0);
  assert.equal(groupEntries('polls', { text: ['first'] }, { since: at(5) }, at(4)).length, 0);
  assert.equal(groupEntries('polls', { text: ['first'] }, { since: at(5) }, at(6))[0]?.time, at(6));
});

test('following a file, a text line goes with the JSON line before it', () => {
  const judge = lineJudge('polls', { request: 'r1' }, at(0));
  const kept = [
    'orphan text',
    pino(1, { reqId: 'r1', level: 50, msg: 'failed' }),
    'Error: boom',
    '    at handler (polls.ts:1:1)',
    pino(2, { reqId: 'r2', msg: 'other' }),
    'Error: other',
    pino(3, { requestId: 'r1', msg: 'again' }),
  ].flatMap((line) => judge(line) ?? []);
  assert.deepEqual(
    kept.map((entry) => [entry.line.slice(0, 12), entry.time]),
    [
      [pino(1, { reqId: 'r1', level: 50, msg: 'failed' }).slice(0, 12), at(1)],
      ['Error: boom', at(1)],
      ['    at handl', at(1)],
      [pino(3, { requestId: 'r1', msg: 'again' }).slice(0, 12), at(3)],
    ],
  );
});

test('merging keeps each process in its own order and its text lines beside their JSON line', () => {
  const entry = (process: string, seconds: number, line: string): LogEntry => ({
    process,
    time: at(seconds),
    line,
  });
  const gateway = [entry('gateway', 1, 'g1'), entry('gateway', 3, 'g3'), entry('gateway', 3, 'g3 text')];
  // polls' clock stepped back between its second and third lines: they stay in its order.
  const polls = [
    entry('polls', 2, 'p2'),
    entry('polls', 3, 'p3'),
    entry('polls', 2.5, 'p2.5'),
    entry('polls', 4, 'p4'),
  ];
  assert.deepEqual(
    mergeByTime([gateway, polls, []]).map((e) => e.line),
    ['g1', 'p2', 'g3', 'g3 text', 'p3', 'p2.5', 'p4'],
  );
  assert.deepEqual(mergeByTime([]), []);
});
