import type { AdminClient } from '../client.ts';
import { printJson, printTable } from '../output.ts';
import { platformInfo } from './services.ts';

interface OutboxStatus {
  service: string;
  pending: number;
  oldestPendingAgeSeconds: number;
  failing: number;
  lastError: string | null;
  sent: number;
}

interface ConsumerStatus {
  service: string;
  name: string;
  lag: number;
  deadLetters: number;
}

export async function outboxStatus(client: AdminClient, options: { json: boolean }) {
  const { tier, services } = await platformInfo(client);
  const outboxes = await Promise.all(services.map((s) => client.get<OutboxStatus>(`/admin/v1/${s}/outbox`)));
  const consumers = (
    await Promise.all(services.map((s) => client.get<ConsumerStatus[]>(`/admin/v1/${s}/consumers`)))
  ).flat();
  if (options.json) return printJson({ tier, outboxes, consumers });
  process.stdout.write(`Outboxes (${tier} tier)\n`);
  printTable(
    outboxes.map((o) => ({
      service: o.service,
      pending: o.pending,
      'oldest pending': o.pending === 0 ? '-' : `${o.oldestPendingAgeSeconds.toFixed(1)} s`,
      failing: o.failing,
      'sent (kept)': o.sent,
      'last error': o.lastError,
    })),
    ['service', 'pending', 'oldest pending', 'failing', 'sent (kept)', 'last error'],
    'No service has an outbox.',
  );
  process.stdout.write('\nConsumers\n');
  printTable(
    consumers.map((c) => ({
      service: c.service,
      consumer: c.name,
      lag: c.lag,
      'dead letters': c.deadLetters,
    })),
    ['service', 'consumer', 'lag', 'dead letters'],
    'No consumers.',
  );
}
