// Rebuilds a read model from its source's event history and reports what it did.
import { type AdminClient, CliError } from '../client.ts';
import { printJson, progressBar } from '../output.ts';
import { platformInfo } from './services.ts';

interface ProjectionInfo {
  name: string;
  description: string;
  source: string;
  state: string;
}

async function findProjection(client: AdminClient, name: string) {
  const { services } = await platformInfo(client);
  const all: (ProjectionInfo & { service: string })[] = [];
  for (const service of services) {
    const list = await client.get<ProjectionInfo[]>(`/admin/v1/${service}/projections`).catch(() => []);
    all.push(...list.map((projection) => ({ ...projection, service })));
  }
  const found = all.find((projection) => projection.name === name);
  if (!found) {
    throw new CliError(
      `No projection "${name}". Projections: ${all.map((p) => p.name).join(', ') || 'none'}.`,
      2,
    );
  }
  return found;
}

export async function projectionsList(client: AdminClient, options: { json: boolean }) {
  const { services } = await platformInfo(client);
  const all = [];
  for (const service of services) {
    const list = await client.get<ProjectionInfo[]>(`/admin/v1/${service}/projections`).catch(() => []);
    all.push(...list.map((projection) => ({ ...projection, service })));
  }
  if (options.json) return printJson(all);
  for (const p of all)
    process.stdout.write(`${p.name}  (${p.service}, from ${p.source}; ${p.state})  ${p.description}\n`);
}

export async function projectionsRebuild(
  client: AdminClient,
  name: string | undefined,
  options: { json: boolean },
) {
  if (!name) throw new CliError('Say which projection to rebuild (canvass projections list shows them).', 2);
  const projection = await findProjection(client, name);
  const base = `/admin/v1/${projection.service}/projections/${projection.name}/rebuild`;
  const stats = await client.get<{ events: number; streams: number; lastPosition: number }>(
    `/admin/v1/${projection.source}/events/stats`,
  );
  const started = Date.now();
  await client.post(`${base}/begin`);
  const progress = options.json ? undefined : progressBar(`rebuilding ${name}`, stats.events);
  let after = 0;
  let read = 0;
  let applied = 0;
  try {
    for (;;) {
      const page = await client.get<{ events: unknown[]; next: number }>(
        `/admin/v1/${projection.source}/events?after=${after}&limit=2000`,
      );
      if (page.events.length === 0) break;
      const result = await client.post<{ applied: number }>(`${base}/events`, { events: page.events });
      read += page.events.length;
      applied += result.applied;
      after = page.next;
      progress?.update(Math.min(read, stats.events));
    }
  } catch (error) {
    progress?.finish();
    await client.post(`${base}/end`).catch(() => {});
    throw new CliError(
      `Rebuild of ${name} stopped after ${read} events: ${(error as Error).message}\nThe projection is INCOMPLETE; run the rebuild again.`,
    );
  }
  await client.post(`${base}/end`);
  progress?.finish();
  const seconds = (Date.now() - started) / 1000;
  const summary = {
    projection: name,
    source: projection.source,
    eventsRead: read,
    eventsApplied: applied,
    streams: stats.streams,
    seconds,
  };
  if (options.json) return printJson(summary);
  process.stdout.write(
    `Rebuilt ${name} from ${read} events of ${stats.streams} poll streams (${applied} applied) in ${seconds.toFixed(1)} s; live updates resumed.\n`,
  );
}
