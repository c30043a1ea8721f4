import { type AdminClient, CliError } from '../client.ts';
import { printJson, printTable, progressBar } from '../output.ts';
import { parseDeadLetterId, platformInfo } from './services.ts';

interface DeadLetterRow {
  service: string;
  id: number;
  consumer: string;
  eventId: string | null;
  type: string | null;
  error: string;
  attempts: number;
  firstFailedAt: string;
  lastFailedAt: string;
  state: string;
  payload?: string;
}

async function listAll(client: AdminClient, state: string, only?: string): Promise<DeadLetterRow[]> {
  const { services } = await platformInfo(client);
  const rows: DeadLetterRow[] = [];
  for (const service of services.filter((s) => !only || s === only)) {
    rows.push(
      ...(await client.get<DeadLetterRow[]>(`/admin/v1/${service}/dead-letters?state=${state}&limit=1000`)),
    );
  }
  return rows;
}

const shorten = (text: string, max: number) => (text.length > max ? `${text.slice(0, max - 1)}…` : text);

export async function dlqList(
  client: AdminClient,
  options: { json: boolean; state: string; service?: string },
) {
  const rows = await listAll(client, options.state, options.service);
  if (options.json) return printJson(rows.map((row) => ({ ...row, id: `${row.service}:${row.id}` })));
  printTable(
    rows.map((row) => ({
      id: `${row.service}:${row.id}`,
      consumer: row.consumer,
      type: row.type,
      attempts: row.attempts,
      'last failed': row.lastFailedAt,
      state: row.state,
      error: shorten(row.error, 60),
    })),
    ['id', 'consumer', 'type', 'attempts', 'last failed', 'state', 'error'],
    options.state === 'pending'
      ? 'No dead letters: every event was handled.'
      : 'No dead letters in that state.',
  );
}

export async function dlqShow(client: AdminClient, text: string, options: { json: boolean }) {
  const { services } = await platformInfo(client);
  const { service, id } = parseDeadLetterId(text, services);
  const letter = await client.get<DeadLetterRow>(`/admin/v1/${service}/dead-letters/${id}`);
  if (options.json) return printJson({ ...letter, id: text });
  let payload = letter.payload ?? '';
  try {
    payload = JSON.stringify(JSON.parse(payload), null, 2);
  } catch {}
  process.stdout.write(
    [
      `Dead letter ${text} (${letter.state})`,
      `  consumer       ${letter.consumer}`,
      `  event          ${letter.eventId ?? '-'} (${letter.type ?? 'unknown type'})`,
      `  attempts       ${letter.attempts}`,
      `  first failed   ${letter.firstFailedAt}`,
      `  last failed    ${letter.lastFailedAt}`,
      `  error          ${letter.error}`,
      '  payload',
      payload.replace(/^/gm, '    '),
      '',
    ].join('\n'),
  );
}

export async function dlqReplay(
  client: AdminClient,
  target: string | undefined,
  options: { json: boolean; all: boolean },
) {
  const { services } = await platformInfo(client);
  let targets: { service: string; id: number }[];
  if (options.all) {
    targets = (await listAll(client, 'pending')).map((row) => ({ service: row.service, id: row.id }));
  } else if (target) {
    targets = [parseDeadLetterId(target, services)];
  } else {
    throw new CliError('Say which dead letter to replay (e.g. analytics:12) or --all.', 2);
  }
  const progress = options.all && !options.json ? progressBar('replaying', targets.length) : undefined;
  const results: { id: string; outcome: string; error?: string }[] = [];
  for (const [index, { service, id }] of targets.entries()) {
    try {
      await client.post(`/admin/v1/${service}/dead-letters/${id}/replay`);
      results.push({ id: `${service}:${id}`, outcome: 'replayed' });
    } catch (error) {
      results.push({ id: `${service}:${id}`, outcome: 'failed', error: (error as Error).message });
    }
    progress?.update(index + 1);
  }
  progress?.finish();
  const failed = results.filter((result) => result.outcome === 'failed');
  if (options.json) printJson(results);
  else if (targets.length === 0) process.stdout.write('Nothing to replay: no pending dead letters.\n');
  else {
    for (const result of failed) process.stdout.write(`${result.id}: ${result.error}\n`);
    process.stdout.write(
      `Replayed ${results.length - failed.length} of ${results.length}; ${failed.length} failed.\n`,
    );
  }
  if (failed.length > 0) throw new CliError('Some dead letters could not be replayed.', 1);
}

export async function dlqDiscard(
  client: AdminClient,
  target: string | undefined,
  options: { json: boolean },
) {
  if (!target) throw new CliError('Say which dead letter to discard (e.g. analytics:12).', 2);
  const { services } = await platformInfo(client);
  const { service, id } = parseDeadLetterId(target, services);
  const result = await client.post(`/admin/v1/${service}/dead-letters/${id}/discard`);
  if (options.json) printJson(result);
  else process.stdout.write(`Discarded ${target}.\n`);
}
