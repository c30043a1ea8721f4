// How `canvass logs` prints an entry: for people, one line (time, process, level, message, then
// the request, the error and the ids to follow it by, then the other fields), the error's stack
// below it; with --json, the line as the service wrote it (text lines as JSON of their own).
import { LEVELS, type LogEntry, levelOf } from './log-entries.ts';

const LEVEL_NAMES = new Map(Object.entries(LEVELS).map(([name, level]) => [level, name.toUpperCase()]));
/** Shown by themselves, or said by the process's name and the time. */
const SHOWN = new Set(['level', 'time', 'msg', 'service', 'hostname', 'pid', 'req', 'res', 'err']);
const IDS = ['reqId', 'requestId', 'trace_id', 'span_id'];

const text = (value: unknown) =>
  typeof value === 'string' && value !== '' && !/[\s"=]/.test(value) ? value : JSON.stringify(value);

function levelName(fields: Record<string, unknown>): string {
  const level = levelOf(fields);
  return level === undefined ? '?' : (LEVEL_NAMES.get(level) ?? `L${level}`);
}

/** The request and the response, as fastify logs them. */
function exchange(fields: Record<string, unknown>): string[] {
  const parts: string[] = [];
  const req = fields.req as { method?: unknown; url?: unknown } | undefined;
  if (req && typeof req === 'object') parts.push(`${req.method ?? ''} ${req.url ?? ''}`.trim());
  const res = fields.res as { statusCode?: unknown } | undefined;
  if (res && typeof res === 'object' && res.statusCode !== undefined) parts.push(`→ ${res.statusCode}`);
  if (typeof fields.responseTime === 'number') parts.push(`${fields.responseTime.toFixed(1)}ms`);
  return parts;
}

export function formatEntry(entry: LogEntry, width: number): string {
  const head = `${new Date(entry.time).toISOString()} ${entry.process.padEnd(width)}`;
  const { fields } = entry;
  if (!fields) return `${head} ${'-'.padEnd(5)} ${entry.line}`;
  const err = fields.err as { type?: unknown; message?: unknown; stack?: unknown } | undefined;
  const parts = [
    typeof fields.msg === 'string' ? fields.msg : text(fields.msg ?? ''),
    ...exchange(fields),
    ...(err && typeof err === 'object'
      ? [`err=${text(`${err.type ?? 'Error'}: ${err.message ?? ''}`)}`]
      : []),
    ...IDS.filter((key) => fields[key] !== undefined).map((key) => `${key}=${text(fields[key])}`),
    ...Object.entries(fields)
      .filter(
        ([key, value]) =>
          !SHOWN.has(key) && !IDS.includes(key) && key !== 'responseTime' && value !== undefined,
      )
      .map(([key, value]) => `${key}=${text(value)}`),
  ].filter((part) => part !== '');
  const stack =
    err && typeof err === 'object' && typeof err.stack === 'string'
      ? `\n${err.stack
          .split('\n')
          .map((line) => `    ${line}`)
          .join('\n')}`
      : '';
  return `${head} ${levelName(fields).padEnd(5)} ${parts.join('  ')}${stack}`;
}

/** `--json`: the line itself; a text line as `{ time, process, text }` so that every line is JSON. */
export function formatJson(entry: LogEntry): string {
  if (entry.fields) return entry.line;
  return JSON.stringify({
    time: new Date(entry.time).toISOString(),
    process: entry.process,
    text: entry.line,
  });
}
