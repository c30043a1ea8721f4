import type { AdminClient } from '../client.ts';
import { printJson, printTable } from '../output.ts';
import { platformInfo } from './services.ts';

interface PartitionStatus {
  partition: number;
  head: number;
  published: number;
  pending: number;
  owner: string | null;
  attempts: number;
  lastError: string | null;
}

interface OutboxStatus {
  service: string;
  log: string;
  pending: number;
  oldestPendingAgeSeconds: number;
  failing: number;
  lastError: string | null;
  partitions: PartitionStatus[];
}

interface ConsumerStatus {
  service: string;
  name: string;
  lag: number;
  parked: number;
  deadLetters: number;
}

export async function outboxStatus(client: AdminClient, options: { json: boolean }) {
  const { tier, services } = await platformInfo(client);
  const outboxes = await Promise.all(services.map((s) => client.get<OutboxStatus>(`/admin/v1/${s}/outbox`)));
  const consumers = (
    await Promise.all(services.map((s) => client.get<ConsumerStatus[]>(`/admin/v1/${s}/consumers`)))
  ).flat();
  if (options.json) return printJson({ tier, outboxes, consumers });
  process.stdout.write(`Event logs (${tier} tier): what each service has not yet published\n`);
  printTable(
    outboxes.map((o) => ({
      service: o.service,
      log: o.log,
      pending: o.pending,
      'oldest pending': o.pending === 0 ? '-' : `${o.oldestPendingAgeSeconds.toFixed(1)} s`,
      'failing partitions': o.failing,
      relay: [...new Set(o.partitions.map((p) => p.owner ?? 'none'))].join(', '),
      'last error': o.lastError,
    })),
    ['service', 'log', 'pending', 'oldest pending', 'failing partitions', 'relay', 'last error'],
    'No service has an event log.',
  );
  const behind = outboxes.flatMap((o) =>
    o.partitions
      .filter((p) => p.pending > 0 || p.lastError)
      .map((p) => ({
        service: o.service,
        partition: p.partition,
        pending: p.pending,
        'published / head': `${p.published} / ${p.head}`,
        attempts: p.attempts,
        'last error': p.lastError,
      })),
  );
  if (behind.length > 0) {
    process.stdout.write('\nPartitions behind (a failing one holds back only its own events)\n');
    printTable(behind, ['service', 'partition', 'pending', 'published / head', 'attempts', 'last error'], '');
  }
  process.stdout.write('\nConsumers\n');
  printTable(
    consumers.map((c) => ({
      service: c.service,
      consumer: c.name,
      lag: c.lag,
      parked: c.parked,
      'dead letters': c.deadLetters,
    })),
    ['service', 'consumer', 'lag', 'parked', 'dead letters'],
    'No consumers.',
  );
}
