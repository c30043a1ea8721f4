// `canvass sagas …`: billing's subscription sagas (upgrades, renewals) across workspaces, their step
// logs, and an operator's retry or compensate (billing's operator routes).
import { type AdminClient, CliError } from '../client.ts';
import { printJson, printTable } from '../output.ts';

export const sagasUsage = `Usage: canvass sagas <command> [options]

  list [--state S] [--outcome running|completed|compensated|failed] [--workspace ID] [--limit N]
      subscription sagas, newest first: id, kind, workspace, plan (previous→new), state, outcome
      (or running), attempts at the current step, last update; --state keeps those at one step
      (validate, reserve, charge, activate, receipt, void, refund, release, downgrade)
  show <sagaId>
      one saga: its fields, its step log (seq, step, outcome, duration, time, detail), its error
  retry <sagaId>
      runs a waiting saga's step now, with a fresh deadline: after a passing failure (the provider
      down, say) has cleared
  compensate <sagaId>
      sends a stuck saga back: before the charge it releases, at the charge it voids (settles the
      charge, refunds it if it went through), after the charge it refunds; a renewal before or at
      its charge moves the workspace to Free; it ends compensated

Options: --json, --url, --token (see canvass --help). Exit status: 0 done, 1 failed, 2 usage error.
`;

interface SagaStep {
  seq: number;
  step: string;
  title: string;
  outcome: string;
  detail: string | null;
  durationMs: number;
  at: string;
}

export interface SagaRow {
  id: string;
  kind: string;
  workspaceId: string;
  plan: string;
  previousPlan: string;
  state: string;
  outcome: 'completed' | 'compensated' | 'failed' | null;
  amountCents: number;
  currency: string;
  error: string | null;
  attempts: number;
  nextRunAt: string;
  invoiceId: string | null;
  paymentId: string | null;
  refundId: string | null;
  createdAt: string;
  updatedAt: string;
  steps: SagaStep[];
}

export const OUTCOMES = ['running', 'completed', 'compensated', 'failed'];
export const STATES = [
  'validate',
  'reserve',
  'charge',
  'activate',
  'receipt',
  'void',
  'refund',
  'release',
  'downgrade',
];
/** What a saga sent back does next, by the state compensate put it in. */
const AFTER_COMPENSATE: Record<string, string> = {
  release: 'releases the reservation (nothing was charged)',
  void: 'settles the charge: refunds it if it went through, then releases',
  refund: 'refunds the charge, then releases',
  downgrade: 'moves the workspace to Free',
};
/** The route's most per request. */
const MOST = 500;

const shorten = (text: string, max: number) => (text.length > max ? `${text.slice(0, max - 1)}…` : text);
const id = (text: string) => encodeURIComponent(text);
const outcomeOf = (saga: SagaRow) => saga.outcome ?? 'running';

export function formatDuration(ms: number): string {
  if (ms < 1000) return `${ms}ms`;
  if (ms < 60_000) return `${(Math.floor(ms / 100) / 10).toFixed(1)}s`;
  return `${Math.floor(ms / 60_000)}m${String(Math.floor((ms % 60_000) / 1000)).padStart(2, '0')}s`;
}

const formatAmount = (cents: number, currency: string) =>
  `${(cents / 100).toFixed(2)} ${currency.toUpperCase()}`;

function parseLimit(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const limit = Number(text);
  if (!Number.isInteger(limit) || limit < 1 || limit > MOST)
    throw new CliError(`--limit must be a whole number from 1 to ${MOST}.`, 2);
  return limit;
}

/** The list's options, checked: a usage error (exit 2) for anything the route or `--state` would not take. */
export function parseListOptions(options: {
  state?: string;
  outcome?: string;
  workspace?: string;
  limit?: string;
}): { state?: string; outcome?: string; workspace?: string; limit?: number } {
  if (options.outcome !== undefined && !OUTCOMES.includes(options.outcome))
    throw new CliError(`--outcome must be one of ${OUTCOMES.join(', ')}.`, 2);
  if (options.state !== undefined && !STATES.includes(options.state))
    throw new CliError(`--state must be one of ${STATES.join(', ')}.`, 2);
  const limit = parseLimit(options.limit);
  return {
    ...(options.state !== undefined ? { state: options.state } : {}),
    ...(options.outcome !== undefined ? { outcome: options.outcome } : {}),
    ...(options.workspace !== undefined ? { workspace: options.workspace } : {}),
    ...(limit !== undefined ? { limit } : {}),
  };
}

export function listPath(options: { outcome?: string; workspace?: string; limit?: number; state?: string }) {
  const search = new URLSearchParams();
  if (options.outcome) search.set('outcome', options.outcome);
  if (options.workspace) search.set('workspace', options.workspace);
  if (options.state) search.set('state', options.state);
  if (options.limit !== undefined) search.set('limit', String(options.limit));
  const text = search.toString();
  return `/admin/v1/billing/sagas${text ? `?${text}` : ''}`;
}

export function sagaListRows(sagas: readonly SagaRow[]) {
  return sagas.map((saga) => ({
    id: saga.id,
    kind: saga.kind,
    workspace: saga.workspaceId,
    plan: `${saga.previousPlan}→${saga.plan}`,
    state: saga.state,
    outcome: outcomeOf(saga),
    attempts: saga.attempts,
    updated: saga.updatedAt,
  }));
}

export async function sagasList(
  client: AdminClient,
  options: { json: boolean; state?: string; outcome?: string; workspace?: string; limit?: string },
) {
  const filters = parseListOptions(options);
  const page = await client.get<{ sagas: SagaRow[] }>(listPath(filters));
  const sagas = page.sagas;
  if (options.json) return printJson({ sagas });
  printTable(
    sagaListRows(sagas),
    ['id', 'kind', 'workspace', 'plan', 'state', 'outcome', 'attempts', 'updated'],
    `No ${filters.outcome ? `${filters.outcome} ` : ''}sagas${filters.state ? ` at ${filters.state}` : ''}${
      filters.workspace ? ` for workspace ${filters.workspace}` : ''
    }.`,
  );
}

/** `sagas show` without --json: the saga's fields, then its step log, then its error. */
export function formatSaga(saga: SagaRow): string {
  const fields = [
    `Saga ${saga.id} (${saga.kind}, ${outcomeOf(saga)})`,
    `  workspace      ${saga.workspaceId}`,
    `  plan           ${saga.previousPlan} → ${saga.plan}`,
    `  state          ${saga.state}`,
    `  amount         ${formatAmount(saga.amountCents, saga.currency)}`,
    `  attempts       ${saga.attempts}`,
    ...(saga.outcome ? [] : [`  next run       ${saga.nextRunAt}`]),
    `  invoice        ${saga.invoiceId ?? '-'}`,
    `  payment        ${saga.paymentId ?? '-'}`,
    `  refund         ${saga.refundId ?? '-'}`,
    `  created        ${saga.createdAt}`,
    `  updated        ${saga.updatedAt}`,
    '',
  ];
  return fields.join('\n');
}

export const sagaStepRows = (steps: readonly SagaStep[]) =>
  steps.map((step) => ({
    seq: step.seq,
    step: step.step,
    outcome: step.outcome,
    duration: formatDuration(step.durationMs),
    at: step.at,
    detail: step.detail === null ? null : shorten(step.detail, 80),
  }));

export async function sagasShow(client: AdminClient, sagaId: string | undefined, options: { json: boolean }) {
  if (!sagaId) throw new CliError('Say which saga to show (its id, from canvass sagas list).', 2);
  const saga = await client.get<SagaRow>(`/admin/v1/billing/sagas/${id(sagaId)}`);
  if (options.json) return printJson(saga);
  process.stdout.write(`${formatSaga(saga)}\n`);
  printTable(
    sagaStepRows(saga.steps),
    ['seq', 'step', 'outcome', 'duration', 'at', 'detail'],
    'No steps taken yet.',
  );
  if (saga.error) process.stdout.write(`\nError: ${saga.error}\n`);
}

export async function sagasRetry(
  client: AdminClient,
  sagaId: string | undefined,
  options: { json: boolean },
) {
  if (!sagaId) throw new CliError('Say which saga to retry (its id, from canvass sagas list).', 2);
  const saga = await client.post<SagaRow>(`/admin/v1/billing/sagas/${id(sagaId)}/retry`);
  if (options.json) return printJson(saga);
  process.stdout.write(
    `Retrying ${saga.id}: its ${saga.state} step runs now, with a fresh deadline. Follow it with canvass sagas show ${saga.id}.\n`,
  );
}

export async function sagasCompensate(
  client: AdminClient,
  sagaId: string | undefined,
  options: { json: boolean },
) {
  if (!sagaId) throw new CliError('Say which saga to compensate (its id, from canvass sagas list).', 2);
  const saga = await client.post<SagaRow>(`/admin/v1/billing/sagas/${id(sagaId)}/compensate`);
  if (options.json) return printJson(saga);
  const next = AFTER_COMPENSATE[saga.state];
  process.stdout.write(
    `Turned ${saga.id} back: it is now at ${saga.state}${next ? `, which ${next}` : ''}, and ends compensated. Follow it with canvass sagas show ${saga.id}.\n`,
  );
}
