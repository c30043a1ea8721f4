// What an operator relies on for billing's subscription sagas, through the real `canvass` command
// line against the embedded tier: every workspace's sagas listed and filtered (running is a saga
// without an outcome), one saga's step log, retry (a waiting step runs now), compensate (a stuck
// saga ends compensated, and cannot be sent back twice), clear errors for unknown ids and bad
// input, and nothing without the operator token.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { type EmbeddedPlatform, startEmbeddedPlatform } from '@canvass/launcher';
import { IDENTITY_HEADER, signIdentity } from '@canvass/service-kit';
import { sql } from 'kysely';
import { type Api, eventually, httpApi, injectApi } from '../support/api.ts';
import { canvass } from '../support/cli.ts';

const token = `test-operator-${crypto.randomUUID()}`;
let platform: EmbeddedPlatform;
let url: string;
let api: Api;
/** Workspaces whose upgrade fails at validate every time with a passing failure: it keeps retrying. */
const stuck = new Set<string>();

before(async () => {
  platform = await startEmbeddedPlatform({
    dataDir: 'memory://',
    logLevel: process.env.LOG_LEVEL ?? 'silent',
    adminToken: token,
    billing: {
      orchestrator: {
        intervalMs: 50,
        retryBaseMs: 20,
        retryMaxMs: 200,
        beforeStep(saga) {
          if (stuck.has(saga.workspace_id) && saga.state === 'validate')
            throw new Error('injected: validate fails for now');
        },
      },
    },
  });
  await platform.gateway.listen({ port: 0, host: '127.0.0.1' });
  const address = platform.gateway.server.address();
  url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  api = injectApi(platform.gateway);
});
after(() => platform.stop());

const billingDb = () => platform.host.database('billing').kysely;
const cli = (...args: string[]) => canvass(url, token, ...args);

/** Signs someone up, waits until billing has heard of the workspace, and starts a Pro upgrade. */
async function upgradedOwner(name: string, options: { stuck?: boolean } = {}) {
  const email = `${name}-${crypto.randomUUID().slice(0, 8)}@example.test`;
  const made = await api('POST', '/api/v1/accounts', {
    body: { email, password: 'a long enough password', name },
  });
  assert.equal(made.status, 202);
  const row = await eventually(async () => {
    const found = await sql<{ userId: string; workspace: string }>`
      select u.id as "userId", m.workspace_id as workspace from users u join memberships m on m.user_id = u.id
      where u.email = ${email}`.execute(platform.host.database('identity').kysely);
    assert.ok(found.rows[0]);
    return found.rows[0];
  });
  await eventually(async () => {
    const known = await sql`select 1 from workspaces where workspace_id = ${row.workspace}`.execute(
      billingDb(),
    );
    assert.equal(known.rows.length, 1);
  });
  if (options.stuck) stuck.add(row.workspace);
  const identity = await signIdentity(platform.internalSecret, {
    subject: row.userId,
    kind: 'user',
    workspace: row.workspace,
    role: 'owner',
    scopes: ['polls:read', 'polls:write', 'results:read', 'workspace:manage'],
  });
  const billing = platform.runtimes.find((runtime) => runtime.name === 'billing')!.app;
  const started = await billing.inject({
    method: 'POST',
    url: '/api/v1/billing/upgrade',
    headers: { [IDENTITY_HEADER]: identity, 'content-type': 'application/json' },
    payload: JSON.stringify({ plan: 'pro', paymentMethod: 'pm_card_visa' }),
  });
  assert.equal(started.statusCode, 202, started.body);
  return { workspace: row.workspace, sagaId: (JSON.parse(started.body) as { id: string }).id };
}

interface Saga {
  id: string;
  workspaceId: string;
  state: string;
  outcome: string | null;
  attempts: number;
  error: string | null;
  steps: { seq: number; step: string; outcome: string; detail: string | null }[];
}

/** The saga as `canvass sagas show --json` gives it, once `check` passes. */
function sagaOnceIt(sagaId: string, check: (saga: Saga) => void, timeoutMs?: number): Promise<Saga> {
  return eventually(async () => {
    const shown = await cli('sagas', 'show', sagaId, '--json');
    assert.equal(shown.status, 0, shown.stderr);
    const saga = JSON.parse(shown.stdout) as Saga;
    check(saga);
    return saga;
  }, timeoutMs);
}

const ids = (stdout: string) => (JSON.parse(stdout) as { sagas: Saga[] }).sagas.map((saga) => saga.id);

test('operators list sagas across workspaces, read a step log, retry and compensate with the CLI', async () => {
  const paid = await upgradedOwner('ann');
  const waiting = await upgradedOwner('bo', { stuck: true });
  await sagaOnceIt(paid.sagaId, (saga) => assert.equal(saga.outcome, 'completed'), 20_000);
  await sagaOnceIt(waiting.sagaId, (saga) => assert.ok(saga.attempts >= 2, JSON.stringify(saga)));

  // Both, newest first, as a table: the plan change, the state, "running" for no outcome yet.
  const table = await cli('sagas', 'list');
  assert.equal(table.status, 0, table.stderr);
  const [header, ...rows] = table.stdout.trim().split('\n');
  assert.match(header!, /^ID\s+KIND\s+WORKSPACE\s+PLAN\s+STATE\s+OUTCOME\s+ATTEMPTS\s+UPDATED$/);
  assert.equal(rows.length, 2, table.stdout);
  assert.match(
    rows[0]!,
    new RegExp(
      `^${waiting.sagaId}\\s+upgrade\\s+${waiting.workspace}\\s+free→pro\\s+validate\\s+running\\s+\\d+\\s+\\S+Z$`,
    ),
  );
  assert.match(
    rows[1]!,
    new RegExp(
      `^${paid.sagaId}\\s+upgrade\\s+${paid.workspace}\\s+free→pro\\s+receipt\\s+completed\\s+0\\s+\\S+Z$`,
    ),
  );
  // Filters: running is the saga without an outcome; by workspace; by the step it is at.
  const running = await cli('sagas', 'list', '--outcome', 'running', '--json');
  assert.equal(running.status, 0, running.stderr);
  assert.deepEqual(ids(running.stdout), [waiting.sagaId]);
  const completed = await cli(
    'sagas',
    'list',
    '--outcome',
    'completed',
    '--workspace',
    paid.workspace,
    '--json',
  );
  assert.deepEqual(ids(completed.stdout), [paid.sagaId]);
  assert.deepEqual(ids((await cli('sagas', 'list', '--state', 'validate', '--json')).stdout), [
    waiting.sagaId,
  ]);
  assert.deepEqual(ids((await cli('sagas', 'list', '--limit', '1', '--json')).stdout), [waiting.sagaId]);
  const none = await cli('sagas', 'list', '--outcome', 'failed');
  assert.equal(none.status, 0, none.stderr);
  assert.equal(none.stdout, 'No failed sagas.\n');

  // The step log: every step of the paid one; the stuck one's retries and its error.
  const shownPaid = await cli('sagas', 'show', paid.sagaId);
  assert.equal(shownPaid.status, 0, shownPaid.stderr);
  assert.match(shownPaid.stdout, new RegExp(`^Saga ${paid.sagaId} \\(upgrade, completed\\)\n`));
  assert.match(shownPaid.stdout, /^ {2}amount {9}29\.00 USD$/m);
  assert.match(shownPaid.stdout, /^SEQ\s+STEP\s+OUTCOME\s+DURATION\s+AT\s+DETAIL$/m);
  assert.deepEqual(
    [...shownPaid.stdout.matchAll(/^(\d+)\s+(\w+)\s+ok\s+\d/gm)].map((match) => `${match[1]} ${match[2]}`),
    ['1 validate', '2 reserve', '3 charge', '4 activate', '5 receipt'],
  );
  assert.match(shownPaid.stdout, /^3\s+charge\s+ok\s+\S+\s+\S+\s+charged pi_/m);
  assert.doesNotMatch(shownPaid.stdout, /^Error:/m);
  const shownWaiting = await cli('sagas', 'show', waiting.sagaId);
  assert.equal(shownWaiting.status, 0, shownWaiting.stderr);
  assert.match(shownWaiting.stdout, /^1\s+validate\s+retry\s+\S+\s+\S+\s+injected: validate fails for now$/m);
  assert.match(shownWaiting.stdout, /\nError: injected: validate fails for now\n$/);

  // Retry: a saga waiting a long while (as after many failures) runs its step now.
  await eventually(async () => {
    const parked = await sql`update sagas set next_run_at = now() + interval '1 hour'
      where id = ${waiting.sagaId} and lease_until is null`.execute(billingDb());
    assert.equal(Number(parked.numAffectedRows), 1);
  });
  const before = (await sagaOnceIt(waiting.sagaId, () => {})).steps.length;
  const retried = await cli('sagas', 'retry', waiting.sagaId);
  assert.equal(retried.status, 0, retried.stderr);
  assert.match(retried.stdout, new RegExp(`^Retrying ${waiting.sagaId}: its validate step runs now`));
  await sagaOnceIt(waiting.sagaId, (saga) => assert.ok(saga.steps.length > before, 'the step ran again'));

  // Compensate: stuck before the charge, it is released and ends compensated, never charged.
  const turned = await cli('sagas', 'compensate', waiting.sagaId);
  assert.equal(turned.status, 0, turned.stderr);
  assert.match(
    turned.stdout,
    new RegExp(`^Turned ${waiting.sagaId} back: it is now at release, which releases the reservation`),
  );
  const ended = await sagaOnceIt(waiting.sagaId, (saga) => assert.equal(saga.outcome, 'compensated'));
  assert.equal(ended.state, 'release');
  const last = ended.steps.slice(-2).map((step) => [step.step, step.outcome, step.detail]);
  assert.deepEqual(last, [
    [
      'validate',
      'compensate',
      'an operator turned it back to release (last error: injected: validate fails for now)',
    ],
    ['release', 'ok', 'released (not charged)'],
  ]);
  const charged = platform
    .payments!.control.ledger()
    .charges.filter((charge) => charge.idempotencyKey?.includes(waiting.sagaId));
  assert.deepEqual(charged, []);
  assert.deepEqual(ids((await cli('sagas', 'list', '--outcome', 'running', '--json')).stdout), []);

  // An ended saga is neither sent back again nor retried: exit 1 with the reason.
  const again = await cli('sagas', 'compensate', waiting.sagaId);
  assert.equal(again.status, 1);
  assert.match(again.stderr, /^canvass: .*409: This saga cannot be turned back: It compensated\.\n$/);
  const late = await cli('sagas', 'retry', paid.sagaId);
  assert.equal(late.status, 1);
  assert.match(late.stderr, /409: This saga has ended: It completed\./);
});

test('unknown ids and bad input are clear errors with a non-zero exit', async () => {
  for (const command of ['show', 'retry', 'compensate']) {
    const unknown = await cli('sagas', command, 'saga_nosuchsaga');
    assert.equal(unknown.status, 1, command);
    assert.match(unknown.stderr, /404: Saga not found: No saga saga_nosuchsaga\./, command);
    assert.equal(unknown.stdout, '');
  }

  for (const args of [
    ['sagas', 'list', '--outcome', 'stuck'],
    ['sagas', 'list', '--state', 'paying'],
    ['sagas', 'list', '--limit', '0'],
    ['sagas', 'list', '--limit', '1000'],
    ['sagas', 'show'],
    ['sagas', 'retry'],
    ['sagas', 'compensate'],
    ['sagas', 'rewind'],
    ['sagas', 'list', '--no-such-option'],
  ]) {
    const result = await cli(...args);
    assert.equal(result.status, 2, `${args.join(' ')}: ${result.stderr}`);
    assert.match(result.stderr, /^(canvass: )?\S/, args.join(' '));
  }
  const outcome = await cli('sagas', 'list', '--outcome', 'stuck');
  assert.match(
    outcome.stderr,
    /^canvass: --outcome must be one of running, completed, compensated, failed\.\n$/,
  );
  const help = await cli('sagas', '--help');
  assert.equal(help.status, 0);
  assert.match(help.stdout, /compensate <sagaId>/);
  assert.match((await cli('--help')).stdout, /sagas list \[--state S\]/);
});

test('without the operator token the saga operator routes answer 401, and the CLI says so', async () => {
  const anonymous = httpApi(url);
  for (const [method, path] of [
    ['GET', '/admin/v1/billing/sagas'],
    ['GET', '/admin/v1/billing/sagas/saga_x'],
    ['POST', '/admin/v1/billing/sagas/saga_x/retry'],
    ['POST', '/admin/v1/billing/sagas/saga_x/compensate'],
  ] as const) {
    const response = await anonymous(method, path, method === 'POST' ? { body: {} } : {});
    assert.equal(response.status, 401, `${method} ${path}`);
    assert.match(response.headers['content-type']!, /^application\/problem\+json/);
  }
  for (const args of [
    ['sagas', 'list'],
    ['sagas', 'show', 'saga_x'],
    ['sagas', 'compensate', 'saga_x'],
  ]) {
    const refused = await canvass(url, 'not-the-operator-token', ...args);
    assert.equal(refused.status, 1, args.join(' '));
    assert.match(refused.stderr, /401: Operator token required.*check CANVASS_ADMIN_TOKEN/);
    assert.equal(refused.stdout, '');
  }
});
