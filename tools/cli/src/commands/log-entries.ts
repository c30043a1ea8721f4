// What `canvass logs` makes of one line of a process's log file: pino's JSON (level, time, msg,
// reqId, trace_id, …), or plain text (a stack trace on stderr, a Node warning), which belongs to the
// JSON line before it in the same file: it takes that line's time, and the trace and request
// filters keep it when they keep that line. Text has no level, so `--level` keeps it.

/** pino's numeric levels. */
export const LEVELS: Readonly<Record<string, number>> = {
  trace: 10,
  debug: 20,
  info: 30,
  warn: 40,
  error: 50,
  fatal: 60,
};

export interface LogEntry {
  /** The file's name without `.log`: `polls`, `realtime-2`, `launcher`. */
  process: string;
  /** Milliseconds since the epoch; a text line has its JSON line's. */
  time: number;
  line: string;
  /** The parsed JSON line; absent for text. */
  fields?: Record<string, unknown>;
}

export interface LogFilter {
  /** At least this pino level. */
  minLevel?: number;
  /** `trace_id` equals it. */
  trace?: string;
  /** `reqId` or `requestId` equals it. */
  request?: string;
  /** Milliseconds since the epoch. */
  since?: number;
}

export interface JsonLine {
  line: string;
  fields: Record<string, unknown>;
  time: number;
}

/** The line as JSON when it is an object with a time (pino's ISO time, or milliseconds). */
export function parseJsonLine(line: string): JsonLine | undefined {
  if (!line.startsWith('{')) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  const fields = value as Record<string, unknown>;
  const time =
    typeof fields.time === 'number'
      ? fields.time
      : typeof fields.time === 'string'
        ? Date.parse(fields.time)
        : Number.NaN;
  return Number.isFinite(time) ? { line, fields, time } : undefined;
}

const filtersContext = (filter: LogFilter) => filter.trace !== undefined || filter.request !== undefined;

/** The trace and request filters, which text lines follow. */
function matchesContext(fields: Record<string, unknown>, filter: LogFilter): boolean {
  if (filter.trace !== undefined && fields.trace_id !== filter.trace) return false;
  return (
    filter.request === undefined || fields.reqId === filter.request || fields.requestId === filter.request
  );
}

export function levelOf(fields: Record<string, unknown>): number | undefined {
  if (typeof fields.level === 'number') return fields.level;
  return typeof fields.level === 'string' ? LEVELS[fields.level] : undefined;
}

function matchesLevel(fields: Record<string, unknown>, filter: LogFilter): boolean {
  const level = levelOf(fields);
  return filter.minLevel === undefined || level === undefined || level >= filter.minLevel;
}

/** A JSON line and the text lines after it, or the text lines that open a file (no JSON line). */
export interface LogGroup {
  head?: JsonLine;
  text: string[];
}

/**
 * A group's lines that pass the filter. Text lines before any JSON line have `fallbackTime` (the
 * next JSON line's time, when there is one) and pass unless the filter is by trace or request.
 */
export function groupEntries(
  process: string,
  group: LogGroup,
  filter: LogFilter,
  fallbackTime = 0,
): LogEntry[] {
  const time = group.head?.time ?? fallbackTime;
  if (filter.since !== undefined && time < filter.since) return [];
  if (group.head ? !matchesContext(group.head.fields, filter) : filtersContext(filter)) return [];
  const entries: LogEntry[] = [];
  if (group.head && matchesLevel(group.head.fields, filter))
    entries.push({ process, time, line: group.head.line, fields: group.head.fields });
  for (const line of group.text) entries.push({ process, time, line });
  return entries;
}

/** Judges one process's lines as they come (following a file): each line is a group's next. */
export function lineJudge(process: string, filter: LogFilter, now = Date.now()) {
  let group: LogGroup = { text: [] };
  let time = now;
  return (line: string): LogEntry | undefined => {
    const head = parseJsonLine(line);
    if (head) group = { head, text: [] };
    // The line is its group's last: the entry for it is the last one kept, if it was kept.
    const entries = groupEntries(process, head ? group : { ...group, text: [line] }, filter, time);
    if (head) time = head.time;
    return entries.at(-1);
  };
}

/**
 * Every process's entries in time order (each list in its own order), as a merge: a process's lines
 * keep their order even where its clock steps back, and on a tie the earlier list goes first, so a
 * JSON line and its text lines stay together.
 */
export function mergeByTime(perProcess: readonly (readonly LogEntry[])[]): LogEntry[] {
  const next = perProcess.map(() => 0);
  const merged: LogEntry[] = [];
  for (;;) {
    let pick = -1;
    perProcess.forEach((entries, i) => {
      const entry = entries[next[i]!];
      if (entry && (pick < 0 || entry.time < perProcess[pick]![next[pick]!]!.time)) pick = i;
    });
    if (pick < 0) return merged;
    merged.push(perProcess[pick]![next[pick]!]!);
    next[pick]!++;
  }
}
