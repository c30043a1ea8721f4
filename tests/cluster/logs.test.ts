// `canvass logs` against the real cluster tier (docs/operations.md#logs): the launcher writes each
// process's lines to a file of its own and rotates it; one request's lines, the gateway's and the
// service's, are found by its x-request-id; --level error leaves out info; --follow prints a
// request's lines as they come.
import assert from 'node:assert/strict';
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { eventually } from '../support/api.ts';
import { type ClusterLauncher, startClusterLauncher } from '../support/cluster-launcher.ts';

const MAX_BYTES = 1024 * 1024;
const STARTED = Date.now();
const PLAIN_LINE = 'not JSON: a plain line from pid';
const SEEDED_REQUEST = `seeded-${randomUUID()}`;
let dir: string;
let launcher: ClusterLauncher;

/** A gateway log from before this start, one line short of the rotation size; and an older .1. */
async function seedGatewayLog(): Promise<void> {
  const line = (msg: string, extra: Record<string, unknown> = {}) =>
    `${JSON.stringify({ level: 30, time: '2025-01-01T00:00:00.000Z', service: 'gateway', msg, ...extra })}\n`;
  let text = line('seeded first line', { reqId: SEEDED_REQUEST });
  const filler = line(`seeded filler ${'x'.repeat(200)}`);
  while (text.length + filler.length <= MAX_BYTES - 600) text += filler;
  // 50 bytes short: the gateway's first line (longer than that) is the first of a new file.
  text += line('seeded last line', {
    pad: 'x'.repeat(MAX_BYTES - 50 - text.length - line('seeded last line', { pad: '' }).length),
  });
  assert.equal(Buffer.byteLength(text), MAX_BYTES - 50);
  await writeFile(join(dir, 'gateway.log'), text);
  await writeFile(join(dir, 'gateway.log.1'), line('the rotation replaces this file'));
}

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'canvass-cluster-logs-'));
  await seedGatewayLog();
  // Every process (they inherit the launcher's environment) first prints a line that is not JSON,
  // as a stack trace or a Node warning on stderr would be.
  const preload = join(dir, 'plain-line.cjs');
  await writeFile(preload, `process.stderr.write('${PLAIN_LINE} ' + process.pid + '\\n');\n`);
  launcher = await startClusterLauncher({
    NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --require ${preload}`.trim(),
    LOG_LEVEL: 'info',
    CANVASS_LOG_DIR: dir,
    CANVASS_LOG_MAX_BYTES: String(MAX_BYTES),
  });
});
after(async () => {
  await launcher?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}

function canvassLogs(...args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['tools/cli/src/main.ts', 'logs', ...args],
      { encoding: 'utf8', timeout: 60_000, env: { ...process.env, CANVASS_LOG_DIR: dir } },
      (error, stdout, stderr) => {
        resolve({ status: error ? (typeof error.code === 'number' ? error.code : null) : 0, stdout, stderr });
      },
    );
  });
}

/** A poll that does not exist: the gateway passes the request to polls, which answers 404. */
async function requestThroughGateway(requestId: string): Promise<void> {
  const response = await fetch(`${launcher.url}/api/v1/polls/logs-test-${randomUUID()}`, {
    headers: { 'x-request-id': requestId },
  });
  await response.arrayBuffer();
  assert.equal(response.status, 404);
  assert.equal(response.headers.get('x-request-id'), requestId);
}

/** The processes and messages of `canvass logs --json` output. */
const parsed = (stdout: string) =>
  stdout
    .trimEnd()
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as Record<string, unknown>);

test('the launcher says where the logs go and writes one file per process', async () => {
  assert.ok(launcher.output().includes(`logs: each process's lines also go to ${dir}/<name>.log`));
  for (const name of ['launcher', 'gateway', 'polls', 'realtime-1', 'realtime-2', 'billing']) {
    assert.ok((await stat(join(dir, `${name}.log`))).size > 0, name);
  }
  assert.equal((await stat(join(dir, 'polls.log'))).mode & 0o777, 0o600);
  const polls = await readFile(join(dir, 'polls.log'), 'utf8');
  assert.match(polls, new RegExp(`^${PLAIN_LINE} \\d+$`, 'm'), 'lines that are not JSON are kept');
  const printed = await canvassLogs('--service', 'polls', '--since', '10m', '--json');
  assert.ok(
    parsed(printed.stdout).some(
      (line) => line.process === 'polls' && String(line.text).startsWith(PLAIN_LINE),
    ),
  );
});

test('a request is found by its id in the gateway and the service it went to', async () => {
  const requestId = `logs-test-${randomUUID()}`;
  await requestThroughGateway(requestId);
  const lines = await eventually(async () => {
    const run = await canvassLogs('--request', requestId, '--json');
    assert.equal(run.status, 0, run.stderr);
    const lines = parsed(run.stdout);
    const seen = lines.map((line) => `${line.service} ${line.msg}`);
    for (const expected of [
      'gateway incoming request',
      'polls incoming request',
      'polls request completed',
      'gateway request completed',
    ]) {
      assert.ok(seen.includes(expected), `${expected} in ${JSON.stringify(seen)}`);
    }
    return lines;
  });
  assert.ok(lines.every((line) => line.reqId === requestId));
  const times = lines.map((line) => Date.parse(String(line.time)));
  assert.deepEqual(
    times,
    times.toSorted((a, b) => a - b),
    'merged by time',
  );

  const human = await canvassLogs('--request', requestId);
  assert.equal(human.status, 0, human.stderr);
  const text = human.stdout.trimEnd().split('\n');
  assert.equal(text.length, lines.length);
  assert.ok(text.some((line) => / gateway +INFO {2}incoming request {2}GET \/api\/v1\/polls\//.test(line)));
  assert.ok(text.some((line) => / polls +INFO {2}request completed {2}→ 404 /.test(line)));
  assert.ok(text.every((line) => line.includes(`reqId=${requestId}`)));

  const errorsOnly = await canvassLogs('--request', requestId, '--level', 'error');
  assert.equal(errorsOnly.status, 0, errorsOnly.stderr);
  assert.equal(errorsOnly.stdout, '', 'the request logged at info only');
});

test('--level error keeps errors (a process that died) and leaves out info', async () => {
  const realtime = /started realtime-2 \(pid (\d+)\)/.exec(launcher.output());
  assert.ok(realtime);
  process.kill(Number(realtime[1]), 'SIGKILL');
  await launcher.waitForOutput(/realtime-2 exited \(SIGKILL\); restarting/);
  const errors = await eventually(async () => {
    const run = await canvassLogs('--level', 'error', '--json');
    assert.equal(run.status, 0, run.stderr);
    const lines = parsed(run.stdout);
    assert.ok(
      lines.some((line) => line.service === 'launcher' && /realtime-2 exited/.test(String(line.msg))),
    );
    return lines;
  });
  // Text lines (no level) pass --level; every JSON line is an error or worse.
  assert.ok(
    errors.every((line) => line.text !== undefined || Number(line.level) >= 50),
    JSON.stringify(errors),
  );
  const all = parsed((await canvassLogs('--json', '--lines', '50')).stdout);
  assert.ok(
    all.some((line) => line.level === 30),
    'there are info lines to leave out',
  );
});

test('the gateway log past its size was rotated: the old lines are in .1, still read', async () => {
  const rotated = await readFile(join(dir, 'gateway.log.1'), 'utf8');
  assert.ok(rotated.startsWith(`{"level":30,"time":"2025-01-01T00:00:00.000Z","service":"gateway"`));
  assert.ok(!rotated.includes('the rotation replaces this file'), 'one .1 file is kept');
  const current = await readFile(join(dir, 'gateway.log'), 'utf8');
  assert.ok(!current.includes('seeded'));
  const first = JSON.parse(current.slice(0, current.indexOf('\n')));
  assert.ok(Date.parse(first.time) >= STARTED, 'the new file starts with this run first line');
  assert.ok(Buffer.byteLength(current) < MAX_BYTES);
  const seeded = await canvassLogs('--request', SEEDED_REQUEST, '--json');
  assert.equal(parsed(seeded.stdout)[0]?.msg, 'seeded first line');
});

test('--follow prints a new request lines as they come, until Ctrl-C', async () => {
  const requestId = `logs-follow-${randomUUID()}`;
  const follower: ChildProcess = spawn(
    process.execPath,
    ['tools/cli/src/main.ts', 'logs', '--follow', '--request', requestId],
    { env: { ...process.env, CANVASS_LOG_DIR: dir }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let stdout = '';
  let stderr = '';
  follower.stdout?.on('data', (chunk) => {
    stdout += chunk;
  });
  follower.stderr?.on('data', (chunk) => {
    stderr += chunk;
  });
  const exited = new Promise<number | null>((resolve) => follower.once('exit', resolve));
  try {
    await eventually(async () => assert.match(stderr, /Following the logs in /));
    await requestThroughGateway(requestId);
    await eventually(async () => {
      assert.match(stdout, / gateway +INFO {2}request completed /);
      assert.match(stdout, / polls +INFO {2}request completed /);
    });
  } finally {
    follower.kill('SIGINT');
  }
  assert.equal(await exited, 0, stderr);
  assert.ok(
    stdout
      .trimEnd()
      .split('\n')
      .every((line) => line.includes(`reqId=${requestId}`)),
  );
});
