// Proof that a bench cluster traces as its setting says, so an on/off comparison compares what it
// claims to:
// - every service process was started with the register hook (`--import @canvass/telemetry/register`,
//   the launcher's supervisor does it), read from its command line;
// - the gateway: probe requests carry a client `traceparent` flagged unsampled. Untraced, the
//   gateway answers with that same header; traced, with its own request span (same trace id, a new
//   span id) flagged sampled when Canvass's sampler chose the trace;
// - polls, analytics, identity, notifications and billing: their /admin/v1/telemetry/status
//   through the gateway (operator token): tracing on or off, the sampling ratio, whether unsampled
//   spans are recorded, and how many spans the trace store holds.
import { randomBytes } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { commandLine } from './cpu-meter.ts';

export interface ExpectedTracing {
  tracing: boolean;
  ratio?: number;
  keepErrorsAndSlow?: boolean;
}

export interface ServiceTracing {
  service: string;
  tracing: boolean;
  ratio?: number;
  keepErrorsAndSlow?: boolean;
  keptSpans?: number;
  recentSpans?: number;
}

export interface TracingCheck {
  /** Service processes under the launcher, and how many were started with the register hook. */
  processes: number;
  withRegisterHook: number;
  gateway: { probes: number; traced: number; sampled: number };
  services: ServiceTracing[];
  /** Empty when everything runs as the setting says. */
  problems: string[];
}

const SERVICES = ['polls', 'analytics', 'identity', 'notifications', 'billing'] as const;
const REGISTER = '--import @canvass/telemetry/register';

async function childrenOf(pid: number): Promise<number[]> {
  const found: number[] = [];
  for (const name of await readdir('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const stat = await readFile(`/proc/${name}/stat`, 'utf8').catch(() => '');
    if (Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === pid) found.push(Number(name));
  }
  return found;
}

/** Probes the gateway: how many answers named a span of its own, and how many of those were sampled. */
async function probeGateway(url: string, path: string, probes: number): Promise<TracingCheck['gateway']> {
  let traced = 0;
  let sampled = 0;
  for (let i = 0; i < probes; i++) {
    const sent = `00-${randomBytes(16).toString('hex')}-${randomBytes(8).toString('hex')}-00`;
    const response = await fetch(`${url}${path}`, { headers: { traceparent: sent } });
    await response.arrayBuffer();
    const answer = response.headers.get('traceparent') ?? '';
    if (answer !== sent && answer.slice(3, 35) === sent.slice(3, 35)) {
      traced++;
      if (answer.endsWith('-01')) sampled++;
    }
  }
  return { probes, traced, sampled };
}

async function serviceStatus(url: string, token: string, service: string): Promise<ServiceTracing> {
  const response = await fetch(`${url}/admin/v1/${service}/telemetry/status`, {
    headers: { authorization: `Bearer ${token}` },
  });
  if (response.status !== 200) throw new Error(`${service}: telemetry status ${response.status}`);
  const body = (await response.json()) as {
    tracing: boolean;
    settings?: { ratio: number; keepErrorsAndSlow: boolean };
    keptSpans?: number;
    recentSpans?: number;
  };
  return {
    service,
    tracing: body.tracing,
    ...(body.settings
      ? { ratio: body.settings.ratio, keepErrorsAndSlow: body.settings.keepErrorsAndSlow }
      : {}),
    ...(body.keptSpans !== undefined ? { keptSpans: body.keptSpans } : {}),
    ...(body.recentSpans !== undefined ? { recentSpans: body.recentSpans } : {}),
  };
}

/** What differs from the expected setting, in words; empty when nothing does. */
export function tracingProblems(check: Omit<TracingCheck, 'problems'>, expected: ExpectedTracing): string[] {
  const problems: string[] = [];
  if (check.withRegisterHook < check.processes)
    problems.push(`${check.processes - check.withRegisterHook} processes started without the register hook`);
  const { gateway } = check;
  if (expected.tracing && gateway.traced < gateway.probes)
    problems.push(`gateway: ${gateway.probes - gateway.traced} of ${gateway.probes} probes untraced`);
  if (!expected.tracing && gateway.traced > 0) problems.push(`gateway: ${gateway.traced} probes traced`);
  if (expected.ratio === 1 && gateway.sampled < gateway.probes)
    problems.push(`gateway: ${gateway.probes - gateway.sampled} probes unsampled at ratio 1`);
  if (expected.ratio === 0 && gateway.sampled > 0)
    problems.push(`gateway: ${gateway.sampled} probes sampled at ratio 0`);
  for (const service of check.services) {
    if (service.tracing !== expected.tracing)
      problems.push(`${service.service}: tracing ${service.tracing ? 'on' : 'off'}`);
    else if (expected.tracing && service.ratio !== expected.ratio)
      problems.push(`${service.service}: ratio ${service.ratio}`);
    else if (expected.tracing && service.keepErrorsAndSlow !== expected.keepErrorsAndSlow)
      problems.push(`${service.service}: keepErrorsAndSlow ${service.keepErrorsAndSlow}`);
  }
  return problems;
}

export async function checkTracing(options: {
  url: string;
  launcherPid: number;
  adminToken: string;
  /** A traced path of the gateway (a poll's page). */
  probePath: string;
  probes: number;
  expected: ExpectedTracing;
}): Promise<TracingCheck> {
  const children = await childrenOf(options.launcherPid);
  const lines = await Promise.all(children.map(commandLine));
  const services = await Promise.all(
    SERVICES.map((service) => serviceStatus(options.url, options.adminToken, service)),
  );
  const check = {
    processes: children.length,
    withRegisterHook: lines.filter((line) => line.includes(REGISTER)).length,
    gateway: await probeGateway(options.url, options.probePath, options.probes),
    services,
  };
  return { ...check, problems: tracingProblems(check, options.expected) };
}
