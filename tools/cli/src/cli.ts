// `canvass`: the operator's command line, for both tiers. It talks to the gateway's operator API
// (/admin/v1) with the operator token; `events tail` in the cluster tier reads NATS directly.
import { parseArgs } from 'node:util';
import { adminClient, CliError } from './client.ts';
import { dlqDiscard, dlqList, dlqReplay, dlqShow } from './commands/dead-letters.ts';
import { logs, logsUsage } from './commands/logs.ts';
import { outboxStatus } from './commands/outbox.ts';
import { projectionsList, projectionsRebuild } from './commands/projections.ts';
import { sagasCompensate, sagasList, sagasRetry, sagasShow, sagasUsage } from './commands/sagas.ts';
import { streamsVerify } from './commands/streams.ts';
import { tail } from './commands/tail.ts';
import {
  webhooksDeliveries,
  webhooksEndpoints,
  webhooksReplay,
  webhooksResend,
  webhooksUsage,
} from './commands/webhooks.ts';
import { cliSettings } from './config.ts';

export const usage = `Usage: canvass <command> [options]

Events
  events dlq list [--state pending|replayed|discarded|all] [--service NAME]
  events dlq show <service:id>
  events dlq replay <service:id> | --all
  events dlq discard <service:id>
  events outbox status          each service's log: unpublished events per partition, relay owner
                                and failures; consumer lag, parked events, dead letters
  events tail <subject>         live events, e.g. 'polls.>' or 'polls.events.3' (one partition)
                                [--type polls.vote] [--count N]

Read models and history
  projections list
  projections rebuild <name>    rebuild a read model from the event history (progress, summary)
  streams verify <pollId>       check a poll's hash chain

Webhooks (every workspace; canvass webhooks --help for more)
  webhooks endpoints [--workspace ID]
  webhooks deliveries [--endpoint ID] [--status pending|succeeded|failed] [--limit N]
                                the delivery log, newest first
  webhooks resend <deliveryId>  deliver the same message again (the same webhook-id)
  webhooks replay <endpointId> --since <ISO time|30m|2h|1d> [--only-failed]

Billing sagas (every workspace; canvass sagas --help for more)
  sagas list [--state S] [--outcome running|completed|compensated|failed] [--workspace ID] [--limit N]
  sagas show <sagaId>           a saga's fields and its step log
  sagas retry <sagaId>          run a waiting saga's step now
  sagas compensate <sagaId>     send a stuck saga back (release, void or refund)

Logs (cluster tier; canvass logs --help for more)
  logs [-f] [--service NAME] [--level LEVEL] [--trace ID] [--request ID] [--since 10m] [--lines N]
                                every process's log lines merged by time, from .canvass/logs

Options
  --url URL      gateway address (default $CANVASS_URL or http://localhost:8080)
  --token TOKEN  operator token (default $CANVASS_ADMIN_TOKEN or the file .canvass/admin-token)
  --json         machine-readable output
  -h, --help     this help

Exit status: 0 done, 1 failed, 2 usage error.
`;

export async function run(argv: readonly string[]): Promise<number> {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(argv);
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n\n${usage}`);
    return 2;
  }
  const { values, positionals } = parsed;
  if (values.help || positionals.length === 0) {
    process.stdout.write(usageOf(positionals[0]));
    return values.help ? 0 : 2;
  }
  const settings = await cliSettings({
    ...(values.url ? { url: values.url } : {}),
    ...(values.token ? { token: values.token } : {}),
  });
  const client = adminClient(settings.url, settings.token);
  const json = values.json ?? false;
  const [group, command, sub, arg] = positionals;
  const key = [group, command, group === 'events' && command === 'dlq' ? sub : undefined]
    .filter(Boolean)
    .join(' ');
  try {
    switch (key) {
      case 'events dlq list':
        await dlqList(client, {
          json,
          state: values.state ?? 'pending',
          ...(values.service ? { service: values.service.at(-1)! } : {}),
        });
        break;
      case 'events dlq show':
        await dlqShow(client, requireArg(arg, 'a dead letter id'), { json });
        break;
      case 'events dlq replay':
        await dlqReplay(client, arg, { json, all: values.all ?? false });
        break;
      case 'events dlq discard':
        await dlqDiscard(client, arg, { json });
        break;
      case 'events outbox':
        if (sub !== 'status') throw new CliError(`Unknown command: events outbox ${sub ?? ''}`, 2);
        await outboxStatus(client, { json });
        break;
      case 'events tail':
        await tail(client, requireArg(sub, 'a subject'), {
          json,
          natsUrl: settings.natsUrl,
          ...(values.count ? { count: Number(values.count) } : {}),
          ...(values.type ? { type: values.type } : {}),
        });
        break;
      case 'projections list':
        await projectionsList(client, { json });
        break;
      case 'projections rebuild':
        await projectionsRebuild(client, sub, { json });
        break;
      case 'streams verify':
        await streamsVerify(client, sub, { json });
        break;
      case 'webhooks endpoints':
        await webhooksEndpoints(client, {
          json,
          ...(values.workspace ? { workspace: values.workspace } : {}),
          ...(values.limit ? { limit: values.limit } : {}),
        });
        break;
      case 'webhooks deliveries':
        await webhooksDeliveries(client, {
          json,
          ...(values.endpoint ? { endpoint: values.endpoint } : {}),
          ...(values.status ? { status: values.status } : {}),
          ...(values.limit ? { limit: values.limit } : {}),
          ...(values.cursor ? { cursor: values.cursor } : {}),
        });
        break;
      case 'webhooks resend':
        await webhooksResend(client, sub, { json });
        break;
      case 'webhooks replay':
        await webhooksReplay(client, sub, {
          json,
          ...(values.since ? { since: values.since } : {}),
          onlyFailed: values['only-failed'] ?? false,
        });
        break;
      case 'sagas list':
        await sagasList(client, {
          json,
          ...(values.state ? { state: values.state } : {}),
          ...(values.outcome ? { outcome: values.outcome } : {}),
          ...(values.workspace ? { workspace: values.workspace } : {}),
          ...(values.limit ? { limit: values.limit } : {}),
        });
        break;
      case 'sagas show':
        await sagasShow(client, sub, { json });
        break;
      case 'sagas retry':
        await sagasRetry(client, sub, { json });
        break;
      case 'sagas compensate':
        await sagasCompensate(client, sub, { json });
        break;
      case 'logs':
        await followable((signal) =>
          logs(
            settings.logDir,
            {
              json,
              follow: values.follow ?? false,
              ...(values.service ? { service: values.service } : {}),
              ...(values.level !== undefined ? { level: values.level } : {}),
              ...(values.trace !== undefined ? { trace: values.trace } : {}),
              ...(values.request !== undefined ? { request: values.request } : {}),
              ...(values.since !== undefined ? { since: values.since } : {}),
              ...(values.lines !== undefined ? { lines: values.lines } : {}),
            },
            { signal },
          ),
        );
        break;
      default:
        throw new CliError(`Unknown command: ${positionals.join(' ')}\n\n${usageOf(group)}`, 2);
    }
    return 0;
  } catch (error) {
    const exitCode = error instanceof CliError ? error.exitCode : 1;
    process.stderr.write(`canvass: ${(error as Error).message}\n`);
    return exitCode;
  }
}

/** A command group's own help, or the whole list. */
function usageOf(group: string | undefined): string {
  if (group === 'webhooks') return webhooksUsage;
  if (group === 'sagas') return sagasUsage;
  if (group === 'logs') return logsUsage;
  return usage;
}

/** Runs a command that may go on until Ctrl-C, or until what reads its output is gone (`| head`). */
async function followable(command: (signal: AbortSignal) => Promise<void>): Promise<void> {
  const abort = new AbortController();
  const stop = () => abort.abort();
  process.once('SIGINT', stop);
  // Stays on: writes already under way fail after the command ends, and end it quietly too.
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE') throw error;
    stop();
  });
  try {
    await command(abort.signal);
  } finally {
    process.off('SIGINT', stop);
  }
}

function requireArg(value: string | undefined, what: string): string {
  if (!value) throw new CliError(`Missing ${what}.`, 2);
  return value;
}

function parse(argv: readonly string[]) {
  return parseArgs({
    args: [...argv],
    allowPositionals: true,
    options: {
      url: { type: 'string' },
      token: { type: 'string' },
      json: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
      all: { type: 'boolean' },
      state: { type: 'string' },
      service: { type: 'string', multiple: true },
      count: { type: 'string' },
      type: { type: 'string' },
      workspace: { type: 'string' },
      endpoint: { type: 'string' },
      status: { type: 'string' },
      outcome: { type: 'string' },
      limit: { type: 'string' },
      cursor: { type: 'string' },
      since: { type: 'string' },
      'only-failed': { type: 'boolean' },
      follow: { type: 'boolean', short: 'f' },
      level: { type: 'string' },
      trace: { type: 'string' },
      request: { type: 'string' },
      lines: { type: 'string' },
    },
  });
}
