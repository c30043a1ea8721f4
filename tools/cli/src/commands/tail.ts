// Live events on a subject (NATS wildcards: `polls.>`, `polls.events.*`; a poll's events all
// travel on its partition, `polls.events.<n>`), optionally only types starting with `--type`
// (`polls.vote`). The embedded tier streams them from the gateway; the cluster tier reads them
// from NATS directly.
import { payloadsOf } from '@canvass/eventing-nats';
import { connect } from '@nats-io/transport-node';
import type { AdminClient } from '../client.ts';
import { platformInfo } from './services.ts';

interface Tailed {
  subject: string;
  event: { id?: string; type?: string; time?: string; data?: unknown };
}

function print(tailed: Tailed, json: boolean, type: string | undefined): boolean {
  if (type && !tailed.event.type?.startsWith(type)) return false;
  if (json) {
    process.stdout.write(`${JSON.stringify(tailed)}\n`);
    return true;
  }
  const { event } = tailed;
  process.stdout.write(
    `${event.time ?? ''}  ${tailed.subject}  ${event.type ?? '?'}  ${event.id ?? '?'}  ${JSON.stringify(event.data)}\n`,
  );
  return true;
}

export async function tail(
  client: AdminClient,
  subject: string,
  options: { json: boolean; count?: number; natsUrl: string; type?: string },
): Promise<void> {
  const { tier } = await platformInfo(client);
  let seen = 0;
  const done = () => options.count !== undefined && seen >= options.count;
  if (!options.json) process.stderr.write(`Tailing ${subject} (${tier} tier); Ctrl-C stops.\n`);

  if (tier === 'cluster') {
    const nc = await connect({ servers: options.natsUrl, name: 'canvass-cli' });
    const subscription = nc.subscribe(subject);
    process.once('SIGINT', () => subscription.unsubscribe());
    tailing: for await (const message of subscription) {
      // A run of a partition's events (one message) is printed event by event.
      for (const payload of payloadsOf(message)) {
        const event: Tailed['event'] =
          typeof payload === 'object' && payload !== null ? (payload as Tailed['event']) : { data: payload };
        if (print({ subject: message.subject, event }, options.json, options.type)) seen++;
        if (done()) break tailing;
      }
    }
    await nc.close();
    return;
  }

  const abort = new AbortController();
  process.once('SIGINT', () => abort.abort());
  const stream = await client.stream(
    `/admin/v1/events/tail?subject=${encodeURIComponent(subject)}`,
    abort.signal,
  );
  const decoder = new TextDecoder();
  let buffer = '';
  try {
    for await (const chunk of stream) {
      buffer += decoder.decode(chunk, { stream: true });
      let end = buffer.indexOf('\n\n');
      while (end >= 0) {
        const frame = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        end = buffer.indexOf('\n\n');
        const data = frame.split('\n').find((line) => line.startsWith('data: '));
        if (!data) continue;
        if (print(JSON.parse(data.slice(6)) as Tailed, options.json, options.type)) seen++;
        if (done()) {
          abort.abort();
          return;
        }
      }
    }
  } catch (error) {
    if (!abort.signal.aborted) throw error;
  }
}
