import assert from 'node:assert/strict';
import { mock, test } from 'node:test';
import { type AdminClient, CliError } from '../client.ts';
import {
  formatDuration,
  formatSaga,
  listPath,
  parseListOptions,
  type SagaRow,
  sagaListRows,
  sagaStepRows,
  sagasCompensate,
  sagasList,
  sagasRetry,
  sagasShow,
} from './sagas.ts';

const saga = (patch: Partial<SagaRow> = {}): SagaRow => ({
  id: 'sg_1',
  kind: 'upgrade',
  workspaceId: 'ws_1',
  plan: 'pro',
  previousPlan: 'free',
  state: 'validate',
  outcome: null,
  amountCents: 1200,
  currency: 'usd',
  error: 'injected: validate fails once',
  attempts: 3,
  nextRunAt: '2025-05-01T12:00:05.000Z',
  invoiceId: null,
  paymentId: null,
  refundId: null,
  createdAt: '2025-05-01T12:00:00.000Z',
  updatedAt: '2025-05-01T12:00:04.000Z',
  steps: [
    {
      seq: 1,
      step: 'validate',
      title: 'Check the change is allowed',
      outcome: 'retry',
      detail: 'injected: validate fails once',
      durationMs: 3,
      at: '2025-05-01T12:00:01.000Z',
    },
  ],
  ...patch,
});

/** A client that answers every call with `answer` and remembers the paths asked for. */
function fakeClient(answer: unknown): AdminClient & { calls: string[] } {
  const calls: string[] = [];
  return {
    url: 'http://canvass.test',
    calls,
    get: async <T>(path: string) => {
      calls.push(`GET ${path}`);
      return answer as T;
    },
    post: async <T>(path: string) => {
      calls.push(`POST ${path}`);
      return answer as T;
    },
    stream: async () => {
      throw new Error('not streamed');
    },
  };
}

/** What a command printed to stdout. */
async function printed(action: () => Promise<unknown>): Promise<string> {
  let out = '';
  const write = mock.method(process.stdout, 'write', (chunk: string) => {
    out += chunk;
    return true;
  });
  try {
    await action();
  } finally {
    write.mock.restore();
  }
  return out;
}

const usageError = (pattern: RegExp) => (error: unknown) =>
  error instanceof CliError && error.exitCode === 2 && pattern.test(error.message);

test('the list asks billing with its own filters; running is an outcome there too', () => {
  assert.equal(listPath({}), '/admin/v1/billing/sagas');
  assert.equal(
    listPath(parseListOptions({ outcome: 'running', workspace: 'ws 1', limit: '10' })),
    '/admin/v1/billing/sagas?outcome=running&workspace=ws+1&limit=10',
  );
  assert.equal(
    listPath(parseListOptions({ state: 'charge', limit: '5' })),
    '/admin/v1/billing/sagas?state=charge&limit=5',
  );
});

test('list options it cannot take are usage errors, before anything is asked', () => {
  assert.throws(
    () => parseListOptions({ outcome: 'stuck' }),
    usageError(/--outcome must be one of running, /),
  );
  assert.throws(() => parseListOptions({ state: 'paying' }), usageError(/--state must be one of validate, /));
  for (const limit of ['0', '501', '2.5', 'ten', ''])
    assert.throws(
      () => parseListOptions({ limit }),
      usageError(/--limit must be a whole number from 1 to 500/),
    );
});

test('a list row shows the plan change and "running" for a saga without an outcome', () => {
  assert.deepEqual(sagaListRows([saga(), saga({ id: 'sg_2', state: 'receipt', outcome: 'completed' })]), [
    {
      id: 'sg_1',
      kind: 'upgrade',
      workspace: 'ws_1',
      plan: 'free→pro',
      state: 'validate',
      outcome: 'running',
      attempts: 3,
      updated: '2025-05-01T12:00:04.000Z',
    },
    {
      id: 'sg_2',
      kind: 'upgrade',
      workspace: 'ws_1',
      plan: 'free→pro',
      state: 'receipt',
      outcome: 'completed',
      attempts: 3,
      updated: '2025-05-01T12:00:04.000Z',
    },
  ]);
});

test('list prints a table; --state asks billing for the sagas at that step; an empty list says what was asked', async () => {
  const client = fakeClient({ sagas: [saga(), saga({ id: 'sg_2', state: 'charge' })] });
  const table = await printed(() => sagasList(client, { json: false }));
  const [header, first, second] = table.trim().split('\n');
  assert.match(header!, /^ID\s+KIND\s+WORKSPACE\s+PLAN\s+STATE\s+OUTCOME\s+ATTEMPTS\s+UPDATED$/);
  assert.match(
    first!,
    /^sg_1\s+upgrade\s+ws_1\s+free→pro\s+validate\s+running\s+3\s+2025-05-01T12:00:04\.000Z$/,
  );
  assert.match(second!, /^sg_2\s.*\scharge\s/);

  const atCharge = fakeClient({ sagas: [saga({ id: 'sg_2', state: 'charge' })] });
  const charging = await printed(() => sagasList(atCharge, { json: true, state: 'charge' }));
  assert.deepEqual(atCharge.calls, ['GET /admin/v1/billing/sagas?state=charge']);
  assert.deepEqual(
    JSON.parse(charging).sagas.map((found: SagaRow) => found.id),
    ['sg_2'],
  );
  const none = await printed(() => sagasList(fakeClient({ sagas: [] }), { json: false, outcome: 'failed' }));
  assert.equal(none, 'No failed sagas.\n');
  const noneAt = await printed(() =>
    sagasList(fakeClient({ sagas: [] }), {
      json: false,
      outcome: 'running',
      state: 'activate',
      workspace: 'ws_1',
    }),
  );
  assert.equal(noneAt, 'No running sagas at activate for workspace ws_1.\n');
});

test('show prints the fields, the step log as a table and the error', async () => {
  const client = fakeClient(saga());
  const out = await printed(() => sagasShow(client, 'sg/1', { json: false }));
  assert.deepEqual(client.calls, ['GET /admin/v1/billing/sagas/sg%2F1']);
  assert.match(out, /^Saga sg_1 \(upgrade, running\)\n/);
  assert.match(out, /^ {2}plan {11}free → pro$/m);
  assert.match(out, /^ {2}amount {9}12\.00 USD$/m);
  assert.match(out, /^ {2}next run {7}2025-05-01T12:00:05\.000Z$/m);
  assert.match(out, /^SEQ\s+STEP\s+OUTCOME\s+DURATION\s+AT\s+DETAIL$/m);
  assert.match(
    out,
    /^1\s+validate\s+retry\s+3ms\s+2025-05-01T12:00:01\.000Z\s+injected: validate fails once$/m,
  );
  assert.match(out, /\nError: injected: validate fails once\n$/);

  // An ended saga has no next run; a saga without steps or error says so plainly.
  const ended = formatSaga(saga({ outcome: 'compensated', state: 'release' }));
  assert.match(ended, /^Saga sg_1 \(upgrade, compensated\)/);
  assert.doesNotMatch(ended, /next run/);
  const fresh = await printed(() =>
    sagasShow(fakeClient(saga({ steps: [], error: null })), 'sg_1', { json: false }),
  );
  assert.match(fresh, /No steps taken yet\.\n$/);
});

test('step rows give durations in plain units and shorten long details', () => {
  assert.deepEqual([0, 999, 1000, 1590, 59_999, 60_000, 119_999, 125_000].map(formatDuration), [
    '0ms',
    '999ms',
    '1.0s',
    '1.5s',
    '59.9s',
    '1m00s',
    '1m59s',
    '2m05s',
  ]);
  const [row] = sagaStepRows([{ ...saga().steps[0]!, detail: 'x'.repeat(200) }]);
  assert.equal(row!.detail!.length, 80);
  assert.ok(row!.detail!.endsWith('…'));
  assert.equal(sagaStepRows([{ ...saga().steps[0]!, detail: null }])[0]!.detail, null);
});

test('retry and compensate post to the saga and say what happens next', async () => {
  const retry = fakeClient(saga());
  const retried = await printed(() => sagasRetry(retry, 'sg_1', { json: false }));
  assert.deepEqual(retry.calls, ['POST /admin/v1/billing/sagas/sg_1/retry']);
  assert.match(retried, /^Retrying sg_1: its validate step runs now, with a fresh deadline\./);

  const compensate = fakeClient(saga({ state: 'void' }));
  const turned = await printed(() => sagasCompensate(compensate, 'sg_1', { json: false }));
  assert.deepEqual(compensate.calls, ['POST /admin/v1/billing/sagas/sg_1/compensate']);
  assert.match(
    turned,
    /^Turned sg_1 back: it is now at void, which settles the charge: refunds it if it went through/,
  );
  const json = await printed(() =>
    sagasCompensate(fakeClient(saga({ state: 'release' })), 'sg_1', { json: true }),
  );
  assert.equal(JSON.parse(json).state, 'release');
});

test('a command without its saga id is a usage error', async () => {
  const client = fakeClient(saga());
  for (const command of [sagasShow, sagasRetry, sagasCompensate])
    await assert.rejects(
      command(client, undefined, { json: false }),
      usageError(/^Say which saga to \w+ \(its id/),
    );
  assert.deepEqual(client.calls, []);
});
