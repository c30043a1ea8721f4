// The cluster launcher's log folder: `<process>.log` for each process, and `<process>.log.1`, the
// lines before the last rotation (tools/launcher/src/supervisor.ts). `canvass logs` reads each
// process's files from their end back (so the last 100 lines of 40 MB of logs cost little), and
// follows them by polling, across rotations.
import { type FileHandle, open, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { groupEntries, type JsonLine, type LogEntry, type LogFilter, parseJsonLine } from './log-entries.ts';

const CHUNK = 64 * 1024;
const NEWLINE = 0x0a;

/** The processes with logs in `dir`, by name; undefined when there is no such folder. */
export async function logProcesses(dir: string): Promise<string[] | undefined> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  const processes = names.flatMap((name) => /^(.+)\.log(?:\.1)?$/.exec(name)?.[1] ?? []);
  return [...new Set(processes)].sort();
}

/** `--service realtime` means `realtime` and `realtime-<n>`. */
export const isOfService = (process: string, service: string) =>
  process === service ||
  (process.startsWith(`${service}-`) && /^\d+$/.test(process.slice(service.length + 1)));

async function openIfThere(path: string): Promise<FileHandle | undefined> {
  try {
    return await open(path, 'r');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

/** Where the file's complete lines end: after its last newline (a line still being written waits). */
async function completeEnd(file: FileHandle, size: number): Promise<number> {
  for (let end = size; end > 0; end -= CHUNK) {
    const start = Math.max(0, end - CHUNK);
    const { buffer, bytesRead } = await file.read(Buffer.alloc(end - start), 0, end - start, start);
    const newline = buffer.subarray(0, bytesRead).lastIndexOf(NEWLINE);
    if (newline >= 0) return start + newline + 1;
  }
  return 0;
}

/** The file's non-empty lines before `end`, last first. */
async function* linesBackward(file: FileHandle, end: number): AsyncGenerator<string> {
  let position = end;
  let rest = Buffer.alloc(0);
  while (position > 0) {
    const size = Math.min(CHUNK, position);
    position -= size;
    const chunk = Buffer.alloc(size);
    await file.read(chunk, 0, size, position);
    const buffer = rest.length > 0 ? Buffer.concat([chunk, rest]) : chunk;
    let lineEnd = buffer.length;
    // A newline byte is never part of a multi-byte UTF-8 character: splitting bytes on it is safe.
    for (let newline = buffer.lastIndexOf(NEWLINE, lineEnd - 1); newline >= 0; ) {
      if (lineEnd > newline + 1) yield buffer.toString('utf8', newline + 1, lineEnd);
      lineEnd = newline;
      newline = lineEnd > 0 ? buffer.lastIndexOf(NEWLINE, lineEnd - 1) : -1;
    }
    rest = buffer.subarray(0, lineEnd);
  }
  if (rest.length > 0) yield rest.toString('utf8');
}

/** Where following a process's current file starts: its inode and an offset in it. */
export interface FollowFrom {
  ino: number | undefined;
  position: number;
}

/**
 * A process's entries that pass the filter, at most the last `most` (all when undefined), oldest
 * first; and where to follow its current file from.
 */
export async function recentEntries(
  dir: string,
  process: string,
  filter: LogFilter,
  most: number | undefined,
): Promise<{ entries: LogEntry[]; from: FollowFrom }> {
  const current = await openIfThere(join(dir, `${process}.log`));
  const rotated = await openIfThere(join(dir, `${process}.log.1`));
  const kept: LogEntry[][] = [];
  let count = 0;
  let from: FollowFrom = { ino: undefined, position: 0 };
  try {
    const stat = await current?.stat();
    if (current && stat) from = { ino: stat.ino, position: await completeEnd(current, stat.size) };
    // Going back: text lines wait for the JSON line they follow; the group is judged once it has it.
    let text: string[] = [];
    // The time of the JSON line after the text lines being judged; in files with no JSON line, the
    // time they were last written.
    let later = (stat ?? (await rotated?.stat()))?.mtimeMs ?? Date.now();
    const judge = (head: JsonLine | undefined) => {
      const entries = groupEntries(
        process,
        { ...(head ? { head } : {}), text: text.reverse() },
        filter,
        later,
      );
      text = [];
      if (head) later = head.time;
      count += entries.length;
      kept.push(entries);
      return head !== undefined && filter.since !== undefined && head.time < filter.since;
    };
    let done = false;
    const files = [
      ...(current ? [{ file: current, end: from.position }] : []),
      ...(rotated ? [{ file: rotated, end: (await rotated.stat()).size }] : []),
    ];
    for (const { file, end } of files) {
      for await (const line of linesBackward(file, end)) {
        const head = parseJsonLine(line);
        if (!head) {
          text.push(line);
          continue;
        }
        done = judge(head) || (most !== undefined && count >= most);
        if (done) break;
      }
      if (done) break;
    }
    if (!done && text.length > 0) judge(undefined);
  } finally {
    await current?.close();
    await rotated?.close();
  }
  const entries = kept.reverse().flat();
  return { entries: most === undefined ? entries : entries.slice(Math.max(0, entries.length - most)), from };
}

/** Bytes [from, to) of a file. */
async function readRange(file: FileHandle, from: number, to: number): Promise<Buffer> {
  const buffer = Buffer.alloc(Math.max(0, to - from));
  let done = 0;
  while (done < buffer.length) {
    const { bytesRead } = await file.read(buffer, done, buffer.length - done, from + done);
    if (bytesRead === 0) break;
    done += bytesRead;
  }
  return buffer.subarray(0, done);
}

/**
 * The lines added to a process's log since `from` (moved on past them); when the file was
 * rotated meanwhile, the rest of the old one (now `.log.1`) first.
 */
export async function newLines(dir: string, process: string, from: FollowFrom): Promise<string[]> {
  const path = join(dir, `${process}.log`);
  const lines: string[] = [];
  const take = (buffer: Buffer, whole: boolean) => {
    const end = whole ? buffer.length : buffer.lastIndexOf(NEWLINE) + 1;
    lines.push(...buffer.toString('utf8', 0, end).split('\n').filter(Boolean));
    return end;
  };
  const file = await openIfThere(path);
  try {
    const stat = await file?.stat();
    if (from.ino !== undefined && stat?.ino !== from.ino) {
      const old = await openIfThere(`${path}.1`);
      try {
        const oldStat = await old?.stat();
        if (old && oldStat?.ino === from.ino) take(await readRange(old, from.position, oldStat.size), true);
      } finally {
        await old?.close();
      }
      from.ino = undefined;
      from.position = 0;
    }
    if (!file || !stat) return lines;
    // Emptied in place: start over.
    if (stat.size < from.position) from.position = 0;
    from.ino = stat.ino;
    from.position += take(await readRange(file, from.position, stat.size), false);
  } finally {
    await file?.close();
  }
  return lines;
}
