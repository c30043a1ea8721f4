// `canvass logs`: the cluster tier's logs, every process's merged by time, filtered by service,
// level, trace, request or time, printed for people or as JSON, optionally followed.
import { setTimeout as sleep } from 'node:timers/promises';
import { CliError } from '../client.ts';
import { LEVELS, type LogEntry, type LogFilter, lineJudge, mergeByTime } from './log-entries.ts';
import { type FollowFrom, isOfService, logProcesses, newLines, recentEntries } from './log-files.ts';
import { formatEntry, formatJson } from './log-format.ts';
import { parseSince } from './webhooks.ts';

export const logsUsage = `Usage: canvass logs [options]

The cluster tier's logs: npm run start:cluster writes each process's lines to a file of its own in
$CANVASS_LOG_DIR (default .canvass/logs); this prints every process's, merged by time.

  -f, --follow       keep printing lines as they come, across rotations (Ctrl-C stops)
  --service NAME     only this service's processes (repeat for more; realtime: realtime-1, realtime-2…)
  --level LEVEL      at least this level: trace, debug, info, warn, error, fatal
  --trace TRACE_ID   lines whose trace_id is this
  --request ID       lines whose reqId or requestId is this (the x-request-id a client got)
  --since TIME       lines since an ISO time or a time ago (30s, 10m, 2h, 1d)
  --lines N          the last N lines: default 100, 10 with --follow, every one with --since
  --json             the lines as the processes wrote them, one JSON object a line

Lines that are not JSON (a stack trace, a Node warning) go with the JSON line before them: its
time, its trace and request; --level keeps them. Exit status: 0 done, 1 failed, 2 usage error.
`;

export interface LogsOptions {
  follow: boolean;
  json: boolean;
  service?: readonly string[];
  level?: string;
  trace?: string;
  request?: string;
  since?: string;
  lines?: string;
}

const MOST_LINES = 1_000_000;
const FOLLOW_EVERY_MS = 250;

function nonEmpty(flag: string, value: string | undefined): string | undefined {
  if (value !== undefined && value.trim() === '') throw new CliError(`--${flag} needs a value.`, 2);
  return value;
}

/** The options, checked: a usage error (exit 2) for a bad one. `most` undefined means every line. */
export function parseLogsOptions(
  options: LogsOptions,
  now = Date.now(),
): { filter: LogFilter; most: number | undefined; services: string[] } {
  const filter: LogFilter = {};
  if (options.level !== undefined) {
    const level = LEVELS[options.level.toLowerCase()];
    if (level === undefined)
      throw new CliError(
        `--level must be one of ${Object.keys(LEVELS).join(', ')} (got ${options.level}).`,
        2,
      );
    filter.minLevel = level;
  }
  const trace = nonEmpty('trace', options.trace);
  if (trace !== undefined) filter.trace = trace;
  const request = nonEmpty('request', options.request);
  if (request !== undefined) filter.request = request;
  if (options.since !== undefined) filter.since = Date.parse(parseSince(options.since, now));
  let most: number | undefined = options.follow ? 10 : options.since !== undefined ? undefined : 100;
  if (options.lines !== undefined) {
    most = /^\d+$/.test(options.lines) ? Number(options.lines) : Number.NaN;
    if (!(most <= MOST_LINES))
      throw new CliError(`--lines must be a whole number from 0 to ${MOST_LINES} (got ${options.lines}).`, 2);
  }
  const services = (options.service ?? []).map((name) => nonEmpty('service', name)!);
  return { filter, most, services };
}

/** Where `canvass logs` writes (stdout and stderr but in tests), and what stops --follow. */
export interface LogsIo {
  signal?: AbortSignal;
  out?: (text: string) => void;
  note?: (text: string) => void;
}

/** Prints the logs in `dir`; with --follow, goes on until `signal` aborts. */
export async function logs(dir: string, options: LogsOptions, io: LogsIo = {}): Promise<void> {
  const { signal } = io;
  const out = io.out ?? ((text: string) => process.stdout.write(text));
  const note = io.note ?? ((text: string) => process.stderr.write(text));
  const { filter, most, services } = parseLogsOptions(options);
  const all = await logProcesses(dir);
  if (!all) {
    throw new CliError(
      `No logs at ${dir}: start the cluster with npm run start:cluster first (or set CANVASS_LOG_DIR to where its logs are).`,
    );
  }
  const unknown = services.filter((service) => !all.some((name) => isOfService(name, service)));
  if (unknown.length > 0) {
    throw new CliError(
      `No logs of ${unknown.join(', ')} in ${dir}; there are logs of ${all.join(', ') || 'no process yet'}.`,
      2,
    );
  }
  const chosen = (names: readonly string[]) =>
    services.length === 0
      ? names
      : names.filter((name) => services.some((service) => isOfService(name, service)));
  const processes = chosen(all);
  let width = Math.max(8, ...processes.map((name) => name.length));
  const print = (entries: readonly LogEntry[]) => {
    if (entries.length === 0) return;
    const lines = entries.map((entry) => (options.json ? formatJson(entry) : formatEntry(entry, width)));
    out(`${lines.join('\n')}\n`);
  };

  const recent = await Promise.all(processes.map((name) => recentEntries(dir, name, filter, most)));
  const merged = mergeByTime(recent.map(({ entries }) => entries));
  print(most === undefined ? merged : merged.slice(merged.length - Math.min(most, merged.length)));
  if (!options.follow) {
    if (merged.length === 0 && !options.json) note(`No log lines in ${dir} match.\n`);
    return;
  }

  if (!options.json) note(`Following the logs in ${dir}; Ctrl-C stops.\n`);
  const followed = new Map<string, { from: FollowFrom; judge: ReturnType<typeof lineJudge> }>(
    processes.map((name, i) => [name, { from: recent[i]!.from, judge: lineJudge(name, filter) }]),
  );
  while (!signal?.aborted) {
    await sleep(FOLLOW_EVERY_MS, undefined, signal ? { signal } : {}).catch(() => {});
    if (signal?.aborted) break;
    // A process started since (one more realtime process) is followed from its first line.
    for (const name of chosen((await logProcesses(dir)) ?? [])) {
      if (followed.has(name)) continue;
      followed.set(name, { from: { ino: undefined, position: 0 }, judge: lineJudge(name, filter) });
      width = Math.max(width, name.length);
    }
    const batches = await Promise.all(
      [...followed].map(async ([name, { from, judge }]) =>
        (await newLines(dir, name, from)).flatMap((line) => judge(line) ?? []),
      ),
    );
    print(mergeByTime(batches));
  }
}
