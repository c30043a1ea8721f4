// The capacity model's inputs (docs/scaling.md), measured in the same run: votes/s one core of each
// process carries (from the votes phase's CPU per acknowledged vote, 16 polls), what a vote leaves
// behind (rows and bytes in polls' database, bytes per message in the POLLS stream), and what one
// realtime process serves (from the fan-out phase).
import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import pg from 'pg';
import type { CpuPerRequest } from './cpu-meter.ts';
import type { FanoutResult } from './fanout-phase.ts';

export interface StorageFigures {
  votes: number;
  /** poll_events rows of vote casts and votes rows, per vote. */
  rowsPerVote: number;
  voteEventJsonBytes: number;
  pollEventRowBytes: number;
  voteRowBytes: number;
  /** The POLLS stream's bytes per stored message (one replica). */
  streamBytesPerMessage: number | null;
}

export interface CapacityFigures {
  perCore: { process: string; msPerVote: number; votesPerSecondPerCore: number }[];
  totalMsPerVote: number;
  storage: StorageFigures | null;
  realtime: { snapshotsPerSecond: number; memoryPerViewerKiB: number; viewersAtTenUpdates: number } | null;
}

/** Rows and bytes a vote left in polls' database and the POLLS stream, after the votes phase. */
export async function measureStorage(pollsDatabaseUrl: string, natsUrl: string): Promise<StorageFigures> {
  const client = new pg.Client({ connectionString: pollsDatabaseUrl });
  await client.connect();
  let figures: Omit<StorageFigures, 'streamBytesPerMessage'>;
  try {
    const { rows } = await client.query<{
      votes: string;
      vote_events: string;
      json_bytes: string | null;
      event_row_bytes: string | null;
      vote_row_bytes: string | null;
    }>(`select
        (select count(*) from polls.votes) as votes,
        (select count(*) from polls.poll_events where type like 'polls.vote.cast.%') as vote_events,
        (select avg(octet_length(event::text)) from polls.poll_events where type like 'polls.vote.cast.%') as json_bytes,
        (select avg(pg_column_size(e.*)) from polls.poll_events e where type like 'polls.vote.cast.%') as event_row_bytes,
        (select avg(pg_column_size(v.*)) from polls.votes v) as vote_row_bytes`);
    const row = rows[0]!;
    const votes = Number(row.votes);
    figures = {
      votes,
      rowsPerVote: votes > 0 ? (votes + Number(row.vote_events)) / votes : 0,
      voteEventJsonBytes: Math.round(Number(row.json_bytes ?? 0)),
      pollEventRowBytes: Math.round(Number(row.event_row_bytes ?? 0)),
      voteRowBytes: Math.round(Number(row.vote_row_bytes ?? 0)),
    };
  } finally {
    await client.end();
  }
  const nc = await connect({ servers: natsUrl, noAsyncTraces: true });
  try {
    const jsm = await jetstreamManager(nc);
    const state = (await jsm.streams.info('POLLS')).state;
    return {
      ...figures,
      streamBytesPerMessage: state.messages > 0 ? Math.round(state.bytes / state.messages) : null,
    };
  } catch {
    return { ...figures, streamBytesPerMessage: null };
  } finally {
    await nc.close();
  }
}

export function capacityFigures(
  cpu: CpuPerRequest | undefined,
  storage: StorageFigures | null,
  fanout: FanoutResult | undefined,
): CapacityFigures {
  const perCore = (cpu?.processes ?? [])
    .filter((p) => p.msPerRequest >= 0.005)
    .map((p) => ({
      process: p.process,
      msPerVote: p.msPerRequest,
      votesPerSecondPerCore: Math.round(1_000 / p.msPerRequest),
    }))
    .sort((a, b) => b.msPerVote - a.msPerVote);
  return {
    perCore,
    totalMsPerVote: cpu?.msPerRequest ?? 0,
    storage,
    realtime:
      fanout && fanout.realtimeDeliveredPerSecond > 0
        ? {
            snapshotsPerSecond: Math.round(fanout.realtimeDeliveredPerSecond),
            memoryPerViewerKiB: fanout.memoryPerConnectionKiB,
            viewersAtTenUpdates: Math.round(fanout.realtimeDeliveredPerSecond / 10),
          }
        : null,
  };
}

const n = (value: number) => Math.round(value).toLocaleString('en-US');

export function renderCapacity(capacity: CapacityFigures | null | undefined): string[] {
  if (!capacity) return [];
  const lines = [
    '',
    '### Capacity figures (the inputs of docs/scaling.md)',
    '',
    'Votes/s one core of each process would carry: 1000 ÷ its CPU per acknowledged vote (votes phase, 16 polls).',
    '',
    '| process | CPU ms per vote | votes/s per core |',
    '|---|---:|---:|',
    ...capacity.perCore.map((p) => `| ${p.process} | ${p.msPerVote} | ${n(p.votesPerSecondPerCore)} |`),
    `| **every process** | **${capacity.totalMsPerVote}** | **${n(capacity.totalMsPerVote > 0 ? 1_000 / capacity.totalMsPerVote : 0)}** |`,
  ];
  const storage = capacity.storage;
  if (storage) {
    lines.push(
      '',
      `What a vote leaves behind (${n(storage.votes)} votes in polls' database): ${storage.rowsPerVote.toFixed(2)} rows ` +
        `(a votes row of ${storage.voteRowBytes} bytes and a poll_events row of ${storage.pollEventRowBytes}); ` +
        `the vote event is ${storage.voteEventJsonBytes} bytes of JSON` +
        (storage.streamBytesPerMessage !== null
          ? `, ${storage.streamBytesPerMessage} bytes per message in the POLLS stream (one replica; a message is a run of a partition's events, so this grows with run sizes).`
          : '; the POLLS stream could not be read.'),
    );
  }
  if (capacity.realtime) {
    lines.push(
      '',
      `One realtime process (fan-out phase): ${n(capacity.realtime.snapshotsPerSecond)} snapshots/s, ` +
        `${capacity.realtime.memoryPerViewerKiB} KiB per idle viewer; at 10 updates/s per poll that is ` +
        `${n(capacity.realtime.viewersAtTenUpdates)} viewers of always-changing polls.`,
    );
  }
  return lines;
}
