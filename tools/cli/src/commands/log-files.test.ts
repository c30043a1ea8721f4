import assert from 'node:assert/strict';
import { appendFile, mkdir, mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { type FollowFrom, isOfService, logProcesses, newLines, recentEntries } from './log-files.ts';

const at = (seconds: number) => Date.parse('2025-05-01T12:00:00.000Z') + seconds * 1000;
const pino = (seconds: number, fields: Record<string, unknown> = {}) =>
  JSON.stringify({ level: 30, time: new Date(at(seconds)).toISOString(), msg: `line ${seconds}`, ...fields });
const lines = (...text: string[]) => text.map((line) => `${line}\n`).join('');

let dir: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'canvass-log-files-'));
});
after(() => rm(dir, { recursive: true, force: true }));

test('the processes are the names of the .log and .log.1 files; no folder, no answer', async () => {
  const folder = join(dir, 'list');
  assert.equal(await logProcesses(folder), undefined);
  await mkdir(folder);
  assert.deepEqual(await logProcesses(folder), []);
  for (const name of [
    'polls.log',
    'polls.log.1',
    'realtime-1.log',
    'gateway.log.1',
    'notes.txt',
    'x.log.2',
  ]) {
    await writeFile(join(folder, name), '');
  }
  assert.deepEqual(await logProcesses(folder), ['gateway', 'polls', 'realtime-1']);
});

test('--service realtime means realtime and each realtime-<n>', () => {
  assert.ok(isOfService('realtime', 'realtime'));
  assert.ok(isOfService('realtime-12', 'realtime'));
  assert.ok(isOfService('realtime-1', 'realtime-1'));
  assert.ok(!isOfService('realtime-x', 'realtime'));
  assert.ok(!isOfService('payment-provider', 'payment'));
  assert.ok(!isOfService('realtime-2', 'realtime-1'));
});

test('the last lines come from the rotated file too, oldest first; text goes with its JSON line', async () => {
  await writeFile(join(dir, 'polls.log.1'), lines(pino(1), pino(2), pino(3, { level: 50 })));
  // A stack trace printed after the rotation still belongs to the last line before it.
  await writeFile(
    join(dir, 'polls.log'),
    `${lines('Error: boom', '    at x', pino(4), pino(5))}{"level":30,"ti`,
  );
  const all = await recentEntries(dir, 'polls', {}, undefined);
  assert.deepEqual(
    all.entries.map((entry) => [
      entry.line.startsWith('{') ? JSON.parse(entry.line).msg : entry.line,
      entry.time,
    ]),
    [
      ['line 1', at(1)],
      ['line 2', at(2)],
      ['line 3', at(3)],
      ['Error: boom', at(3)],
      ['    at x', at(3)],
      ['line 4', at(4)],
      ['line 5', at(5)],
    ],
    'the line still being written is left for later',
  );
  const last = await recentEntries(dir, 'polls', {}, 3);
  assert.deepEqual(
    last.entries.map((entry) => entry.line),
    ['    at x', pino(4), pino(5)],
  );
  assert.equal(last.from.position, Buffer.byteLength(lines('Error: boom', '    at x', pino(4), pino(5))));
  const errors = await recentEntries(dir, 'polls', { minLevel: 50 }, 100);
  assert.deepEqual(
    errors.entries.map((entry) => entry.line),
    [pino(3, { level: 50 }), 'Error: boom', '    at x'],
  );
  const since = await recentEntries(dir, 'polls', { since: at(4) }, undefined);
  assert.deepEqual(
    since.entries.map((entry) => entry.line),
    [pino(4), pino(5)],
  );
});

test('text with no JSON line before it takes the next one time, or the file time', async () => {
  await writeFile(join(dir, 'billing.log'), lines('(node:1) Warning: early', pino(7)));
  const { entries } = await recentEntries(dir, 'billing', {}, undefined);
  assert.deepEqual(
    entries.map((entry) => entry.time),
    [at(7), at(7)],
  );
  await writeFile(join(dir, 'plain.log'), lines('only text'));
  const plain = await recentEntries(dir, 'plain', {}, undefined);
  assert.ok(Math.abs(plain.entries[0]!.time - Date.now()) < 60_000);
});

test('lines longer than a read, and characters split between reads, come back whole', async () => {
  const long = (n: number) => pino(n, { msg: `${'é€😀'.repeat(9_000 + n)} end ${n}` });
  await writeFile(join(dir, 'wide.log'), lines(long(1), long(2), long(3)));
  const { entries } = await recentEntries(dir, 'wide', {}, undefined);
  assert.deepEqual(
    entries.map((entry) => entry.line),
    [long(1), long(2), long(3)],
  );
  const few = await recentEntries(dir, 'wide', {}, 1);
  assert.deepEqual(
    few.entries.map((entry) => entry.line),
    [long(3)],
  );
});

test('following reads what is added, waits for a line to end, and goes across a rotation', async () => {
  const path = join(dir, 'gateway.log');
  await writeFile(path, lines(pino(1)));
  const { from } = await recentEntries(dir, 'gateway', {}, 10);
  assert.deepEqual(await newLines(dir, 'gateway', from), []);
  await appendFile(path, `${lines(pino(2))}{"half":`);
  assert.deepEqual(await newLines(dir, 'gateway', from), [pino(2)]);
  await appendFile(path, `"line"}\n${lines(pino(3))}`);
  assert.deepEqual(await newLines(dir, 'gateway', from), ['{"half":"line"}', pino(3)]);
  // The launcher rotates: the rest of the old file (now .1) first, then the new one from its start.
  await appendFile(path, lines(pino(4)));
  await rename(path, `${path}.1`);
  await writeFile(path, lines(pino(5)));
  assert.deepEqual(await newLines(dir, 'gateway', from), [pino(4), pino(5)]);
  assert.deepEqual(await newLines(dir, 'gateway', from), []);
  // Emptied in place (and now shorter than where it was read to): from the start again.
  await writeFile(path, lines(pino(6, { msg: 'short' })));
  assert.deepEqual(await newLines(dir, 'gateway', from), [pino(6, { msg: 'short' })]);
});

test('a file that appears is followed from its first line; a file removed gives nothing', async () => {
  const from: FollowFrom = { ino: undefined, position: 0 };
  assert.deepEqual(await newLines(dir, 'realtime-3', from), []);
  await writeFile(join(dir, 'realtime-3.log'), lines(pino(1), pino(2)));
  assert.deepEqual(await newLines(dir, 'realtime-3', from), [pino(1), pino(2)]);
  await rm(join(dir, 'realtime-3.log'));
  assert.deepEqual(await newLines(dir, 'realtime-3', from), []);
});
