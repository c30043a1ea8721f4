import assert from 'node:assert/strict';
import { appendFile, mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { CliError } from '../client.ts';
import { type LogsOptions, logs, parseLogsOptions } from './logs.ts';

const now = Date.parse('2025-05-01T12:00:00.000Z');
const at = (seconds: number) => new Date(now + seconds * 1000).toISOString();
const pino = (seconds: number, fields: Record<string, unknown>) =>
  JSON.stringify({ level: 30, time: at(seconds), ...fields });
const lines = (...text: string[]) => text.map((line) => `${line}\n`).join('');
const options = (patch: Partial<LogsOptions> = {}): LogsOptions => ({ follow: false, json: false, ...patch });
const isUsageError = (error: unknown) => error instanceof CliError && error.exitCode === 2;

let dir: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'canvass-logs-'));
  await writeFile(
    join(dir, 'gateway.log'),
    lines(
      pino(1, { reqId: 'r1', trace_id: 't1', msg: 'incoming request' }),
      pino(4, { reqId: 'r1', trace_id: 't1', msg: 'request completed' }),
      pino(5, { reqId: 'r2', trace_id: 't2', msg: 'incoming request' }),
    ),
  );
  await writeFile(
    join(dir, 'polls.log'),
    lines(
      pino(2, { reqId: 'r1', trace_id: 't1', msg: 'incoming request' }),
      pino(3, { level: 50, reqId: 'r1', trace_id: 't1', msg: 'failed' }),
      'Error: boom',
    ),
  );
  await writeFile(join(dir, 'realtime-1.log'), lines(pino(6, { msg: 'viewer joined' })));
  await writeFile(join(dir, 'realtime-2.log'), lines(pino(7, { msg: 'viewer left' })));
});
after(() => rm(dir, { recursive: true, force: true }));

/**
 * What `canvass logs` printed to stdout (not replacing process.stdout: the test runner reports
 * there); with `during`, what it printed while following until `during` was done.
 */
async function printed(
  dir: string,
  patch: Partial<LogsOptions>,
  during?: (soFar: () => string) => Promise<void>,
): Promise<string> {
  let out = '';
  const abort = new AbortController();
  let following = () => {};
  const started = new Promise<void>((resolve) => {
    following = resolve;
  });
  const note = (text: string) => {
    if (text.startsWith('Following')) following();
  };
  const write = (text: string) => {
    out += text;
  };
  const running = logs(dir, options(patch), { signal: abort.signal, out: write, note });
  if (during) {
    await Promise.race([started, running]);
    try {
      await during(() => out);
    } finally {
      abort.abort();
    }
  }
  await running;
  return out;
}

/** Waits until `condition` holds (the follower reads every 250 ms), at most 10 s. */
async function until(condition: () => boolean, what: string): Promise<void> {
  for (const deadline = Date.now() + 10_000; !condition(); await sleep(20)) {
    if (Date.now() > deadline) throw new Error(`still no ${what}`);
  }
}

/** The messages of what was printed, in order (text lines as they are). */
const messages = (out: string) =>
  out
    .trimEnd()
    .split('\n')
    .filter(Boolean)
    .map((line) => line.replace(/^\S+ \S+ +\S+ +/, ''));

test('the flags are checked: a bad one is a usage error (exit 2)', () => {
  for (const bad of [
    { level: 'loud' },
    { level: '30' },
    { lines: '-1' },
    { lines: 'ten' },
    { lines: '1e3' },
    { lines: '1000001' },
    { since: 'yesterday' },
    { since: '2025-05-02T00:00:00Z' },
    { trace: '' },
    { request: ' ' },
    { service: ['polls', ''] },
  ]) {
    assert.throws(() => parseLogsOptions(options(bad), now), isUsageError, JSON.stringify(bad));
  }
});

test('the defaults: the last 100 lines, 10 when following, every line since --since', () => {
  assert.equal(parseLogsOptions(options(), now).most, 100);
  assert.equal(parseLogsOptions(options({ follow: true }), now).most, 10);
  assert.equal(parseLogsOptions(options({ since: '10m' }), now).most, undefined);
  assert.equal(parseLogsOptions(options({ since: '10m', lines: '5' }), now).most, 5);
  assert.deepEqual(
    parseLogsOptions(
      options({ level: 'WARN', trace: 't', request: 'r', since: '10m', service: ['polls'] }),
      now,
    ),
    {
      filter: { minLevel: 40, trace: 't', request: 'r', since: now - 600_000 },
      most: undefined,
      services: ['polls'],
    },
  );
});

test('every process merged by time, text beside its line; --lines keeps the last', async () => {
  assert.deepEqual(messages(await printed(dir, {})), [
    'incoming request  reqId=r1  trace_id=t1',
    'incoming request  reqId=r1  trace_id=t1',
    'failed  reqId=r1  trace_id=t1',
    'Error: boom',
    'request completed  reqId=r1  trace_id=t1',
    'incoming request  reqId=r2  trace_id=t2',
    'viewer joined',
    'viewer left',
  ]);
  const out = await printed(dir, { lines: '2' });
  assert.match(out, /^\S+ realtime-1 +INFO {2}viewer joined\n\S+ realtime-2 +INFO {2}viewer left\n$/);
});

test('--request, --trace, --level and --service choose lines; --json prints them as written', async () => {
  const request = await printed(dir, { request: 'r1', json: true });
  assert.deepEqual(
    request
      .trimEnd()
      .split('\n')
      .map((line) => JSON.parse(line).msg ?? JSON.parse(line).text),
    ['incoming request', 'incoming request', 'failed', 'Error: boom', 'request completed'],
  );
  assert.equal(messages(await printed(dir, { trace: 't2' })).length, 1);
  assert.deepEqual(messages(await printed(dir, { level: 'error' })), [
    'failed  reqId=r1  trace_id=t1',
    'Error: boom',
  ]);
  assert.deepEqual(messages(await printed(dir, { service: ['realtime'] })), ['viewer joined', 'viewer left']);
  assert.equal(messages(await printed(dir, { service: ['realtime-2', 'gateway'] })).length, 4);
});

test('an unknown service is a usage error naming those there are; no folder says how to get one', async () => {
  await assert.rejects(
    logs(dir, options({ service: ['pols'] })),
    (error) =>
      isUsageError(error) &&
      /No logs of pols .*there are logs of gateway, polls, realtime-1, realtime-2/.test(
        (error as Error).message,
      ),
  );
  await assert.rejects(
    logs(join(dir, 'missing'), options()),
    (error) =>
      error instanceof CliError &&
      error.exitCode === 1 &&
      /start the cluster with npm run start:cluster first/.test(error.message),
  );
});

test('--follow prints new lines of every process, across a rotation and from a new process', async () => {
  const folder = await mkdtemp(join(tmpdir(), 'canvass-logs-follow-'));
  try {
    const gateway = join(folder, 'gateway.log');
    await writeFile(gateway, lines(pino(1, { msg: 'before' })));
    const out = await printed(folder, { follow: true, lines: '0', level: 'info' }, async (soFar) => {
      await appendFile(
        gateway,
        lines(pino(2, { msg: 'new line' }), pino(3, { level: 20, msg: 'debug: not shown' })),
      );
      await until(() => soFar().includes('new line'), 'new line');
      await appendFile(gateway, lines(pino(4, { msg: 'just before the rotation' })));
      await rename(gateway, `${gateway}.1`);
      await writeFile(gateway, lines(pino(5, { msg: 'after the rotation' })));
      await writeFile(join(folder, 'realtime-3.log'), lines(pino(6, { msg: 'a new process' })));
      await until(() => /after the rotation[\s\S]*a new process/.test(soFar()), 'lines after the rotation');
    });
    assert.deepEqual(messages(out), [
      'new line',
      'just before the rotation',
      'after the rotation',
      'a new process',
    ]);
  } finally {
    await rm(folder, { recursive: true, force: true });
  }
});
