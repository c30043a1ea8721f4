// Sends the fuzzer's requests over a real socket exactly as made (fetch and inject() would resolve
// `..` and re-encode the path first), checks each answer against what every answer must be, and
// writes what failed as a short list: grouped by operation, one line per kind of failure.
import { request as httpRequest } from 'node:http';
import type { FuzzRequest } from './fuzz.ts';

export type FuzzAnswer =
  | { status: number; contentType: string; body: string }
  | { status: 0; error: string; sent: boolean };

const KEEP_BYTES = 64 * 1024;

/**
 * A documented long poll (`wait=<seconds>`, such as the inbox's unread count) may rightly hold its
 * answer that long, so it gets those seconds on top of the usual limit.
 */
export function longPollSeconds(target: string): number {
  const wait = Number(/[?&]wait=(\d{1,3})(?:&|$)/.exec(target)?.[1] ?? 0);
  return Math.min(wait, 120);
}

/** Sends one request on a connection of its own (a hostile request must not spoil the next one). */
export function sendRaw(base: URL, fuzz: FuzzRequest, limitMs = 10_000): Promise<FuzzAnswer> {
  const timeoutMs = limitMs + longPollSeconds(fuzz.target) * 1000;
  return new Promise((resolve) => {
    let outgoing: ReturnType<typeof httpRequest> | undefined;
    let settled = false;
    const done = (answer: FuzzAnswer) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(answer);
    };
    const timer = setTimeout(() => {
      done({ status: 0, error: `no answer within ${timeoutMs / 1000} s`, sent: true });
      outgoing?.destroy();
    }, timeoutMs);
    try {
      outgoing = httpRequest({
        host: base.hostname,
        port: base.port,
        method: fuzz.method,
        path: fuzz.target,
        agent: false,
        headers: {
          ...fuzz.headers,
          ...(fuzz.body && !('content-length' in fuzz.headers)
            ? { 'content-length': String(fuzz.body.length) }
            : {}),
        },
      });
    } catch (error) {
      // Node refuses to send some heads at all (a control character in a header): not the server's doing.
      done({ status: 0, error: `not sent: ${(error as Error).message}`, sent: false });
      return;
    }
    outgoing.on('error', (error) => done({ status: 0, error: (error as Error).message, sent: true }));
    outgoing.on('response', (response) => {
      const chunks: Buffer[] = [];
      let kept = 0;
      response.on('data', (chunk: Buffer) => {
        if (kept < KEEP_BYTES) chunks.push(chunk);
        kept += chunk.length;
      });
      response.on('error', (error) => done({ status: 0, error: error.message, sent: true }));
      response.on('end', () =>
        done({
          status: response.statusCode ?? 0,
          contentType: String(response.headers['content-type'] ?? ''),
          body: Buffer.concat(chunks).toString('utf8'),
        }),
      );
    });
    outgoing.end(fuzz.body);
  });
}

/** What is wrong with an answer: a 5xx, no answer, or an error that is not RFC 9457 problem+json. */
export function faultsOf(fuzz: FuzzRequest, answer: FuzzAnswer): string[] {
  if ('error' in answer) return answer.sent ? [`no answer: ${answer.error}`] : [];
  const faults: string[] = [];
  if (answer.status >= 500) faults.push(`status ${answer.status}`);
  if (answer.status >= 400 && fuzz.method !== 'HEAD') {
    const type = answer.contentType.split(';')[0]!.trim().toLowerCase();
    if (type !== 'application/problem+json') faults.push(`error as ${type || 'no content type'}`);
    let parsed: unknown;
    try {
      parsed = JSON.parse(answer.body);
    } catch {
      parsed = undefined;
    }
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed))
      faults.push('error body is not a JSON object');
    else {
      const problem = parsed as Record<string, unknown>;
      const missing = [
        typeof problem.type === 'string' ? '' : 'type',
        typeof problem.title === 'string' ? '' : 'title',
        typeof problem.status === 'number' ? '' : 'status',
      ].filter(Boolean);
      if (missing.length > 0) faults.push(`problem without ${missing.join('/')}`);
      else if (problem.status !== answer.status) faults.push(`problem status ${problem.status}`);
    }
  }
  return faults;
}

export interface Failure {
  fuzz: FuzzRequest;
  answer: FuzzAnswer;
  faults: string[];
}

const excerpt = (text: string, length: number) =>
  JSON.stringify(text.length > length ? `${text.slice(0, length)}…` : text).slice(1, -1);

/** The problem's type when the body is one, else the start of the body with ids blurred out. */
function shapeOf(answer: FuzzAnswer): string {
  if ('error' in answer) return answer.error;
  try {
    const type = JSON.parse(answer.body)?.type;
    if (typeof type === 'string') return type;
  } catch {}
  return answer.body.slice(0, 60).replace(/[A-Za-z0-9_-]{12,}/g, '…');
}

/**
 * What failed, in two parts: each kind of failure once (kind of input, status, what was wrong,
 * the problem type) with how many requests and operations showed it; then by operation, one
 * line per kind with the first request of its group and the start of its answer.
 */
export function failureReport(failures: readonly Failure[]): string {
  const byOperation = new Map<string, Map<string, { first: Failure; count: number; where: Set<string> }>>();
  const byKind = new Map<string, { requests: number; operations: Set<string> }>();
  for (const failure of failures) {
    const groups = byOperation.get(failure.fuzz.operation) ?? new Map();
    byOperation.set(failure.fuzz.operation, groups);
    const kind = `${failure.answer.status || '---'} ${failure.fuzz.input} [${failure.faults.join(', ')}] ${shapeOf(failure.answer)}`;
    const group = groups.get(kind) ?? { first: failure, count: 0, where: new Set<string>() };
    group.count += 1;
    if (group.where.size < 4) group.where.add(failure.fuzz.where);
    groups.set(kind, group);
    const seen = byKind.get(kind) ?? { requests: 0, operations: new Set<string>() };
    seen.requests += 1;
    seen.operations.add(failure.fuzz.operation);
    byKind.set(kind, seen);
  }
  const lines = ['Kinds of failure:'];
  for (const [kind, { requests, operations }] of [...byKind].sort(([a], [b]) => a.localeCompare(b)))
    lines.push(`  ${kind}: ${requests} requests, ${operations.size} operations`);
  lines.push('By operation:');
  for (const [operation, groups] of [...byOperation].sort(([a], [b]) => a.localeCompare(b))) {
    lines.push(operation);
    for (const { first, count, where } of groups.values()) {
      const { fuzz, answer, faults } = first;
      const body = 'error' in answer ? answer.error : answer.body;
      lines.push(
        `  ${answer.status || '---'} ${fuzz.input} [${faults.join(', ')}] ×${count} (${[...where].join('; ')})`,
        `      ${fuzz.method} ${excerpt(fuzz.target, 120)}`,
        `      ${excerpt(body, 200)}`,
      );
    }
  }
  return lines.join('\n');
}

/** How many answers of each status each kind of input got: `valid: 200×10 404×2`. */
export function statusSummary(results: readonly { fuzz: FuzzRequest; answer: FuzzAnswer }[]): string {
  const byInput = new Map<string, Map<number, number>>();
  for (const { fuzz, answer } of results) {
    const counts = byInput.get(fuzz.input) ?? new Map<number, number>();
    counts.set(answer.status, (counts.get(answer.status) ?? 0) + 1);
    byInput.set(fuzz.input, counts);
  }
  return [...byInput]
    .map(
      ([input, counts]) =>
        `${input}: ${[...counts]
          .sort(([a], [b]) => a - b)
          .map(([status, count]) => `${status || 'none'}×${count}`)
          .join(' ')}`,
    )
    .join('\n');
}
