// The CPU table of the report: milliseconds of CPU per acknowledged vote at saturation and at each
// offered rate of the open loop, for every process involved, beside what a GET /healthz through
// the gateway costs in the same run.
import type { CpuPerRequest } from './cpu-meter.ts';
import type { VotesCpu } from './votes-phase.ts';

const ms = (value: number | undefined) => (value === undefined ? '' : value.toFixed(3));
const percent = (part: number, whole: number) => (whole > 0 ? `${Math.round((part / whole) * 100)}%` : '–');
const seconds = (window: CpuPerRequest) => `${(window.windowMs / 1000).toFixed(1)} s`;
/** Machine busy time neither the counted processes nor the load generator used (other work, or noise). */
const elsewhere = (window: CpuPerRequest) =>
  Math.max(0, window.machineMs - window.totalMs - window.loadGeneratorMs);

export function renderCpuBreakdown(cpu: VotesCpu, polls: number): string {
  const { offered } = cpu;
  const windows = [cpu.healthz, cpu.onePoll, cpu.manyPolls, ...offered.map((rate) => rate.cpu)];
  // Rows in the order of the many-polls window's biggest users; processes only in others after.
  const names = [...new Set(windows.flatMap((window) => window.processes.map((row) => row.process)))];
  const used = (window: CpuPerRequest, name: string) => window.processes.find((row) => row.process === name);
  names.sort((a, b) => (used(cpu.manyPolls, b)?.cpuMs ?? 0) - (used(cpu.manyPolls, a)?.cpuMs ?? 0));
  const row = (cells: string[]) => `| ${cells.join(' | ')} |`;
  const lines = [
    row([
      'CPU ms per request, by process',
      'GET /healthz (baseline)',
      'acked vote, one poll',
      `acked vote, ${polls} polls`,
      ...offered.map((rate) => `acked vote at ${rate.perSecond.toLocaleString('en-US')}/s offered`),
      `${polls} polls: share`,
    ]),
    `|---|${'---:|'.repeat(windows.length + 1)}`,
    ...names
      .filter((name) => windows.some((window) => (used(window, name)?.cpuMs ?? 0) > 0))
      .map((name) => {
        const count = Math.max(...windows.map((window) => used(window, name)?.count ?? 0));
        return row([
          count > 1 && !name.includes('exited') ? `${name} (${count} processes)` : name,
          ...windows.map((window) => ms(used(window, name)?.msPerRequest ?? 0)),
          percent(used(cpu.manyPolls, name)?.cpuMs ?? 0, cpu.manyPolls.totalMs),
        ]);
      }),
    row([
      '**total**',
      ...windows.map((window) => `**${ms(window.msPerRequest)}**`),
      percent(cpu.manyPolls.totalMs, cpu.manyPolls.totalMs),
    ]),
    row([
      'the load generator (this process; not in the total)',
      ...windows.map((window) => ms(window.loadGeneratorMs / Math.max(1, window.requests))),
      '',
    ]),
    row([
      'everything else on this machine (not in the total)',
      ...windows.map((window) => ms(elsewhere(window) / Math.max(1, window.requests))),
      '',
    ]),
    '',
    'Windows: the votes’ from the load’s start until the read model counts every acknowledged vote; ' +
      `GET /healthz ${seconds(cpu.healthz)}, ${cpu.healthz.requests.toLocaleString('en-US')} requests; ` +
      `one poll ${seconds(cpu.onePoll)}, ${cpu.onePoll.requests.toLocaleString('en-US')} votes; ` +
      `${polls} polls ${seconds(cpu.manyPolls)}, ${cpu.manyPolls.requests.toLocaleString('en-US')} votes` +
      offered
        .map(
          (rate) =>
            `; ${rate.perSecond.toLocaleString('en-US')}/s offered (open loop over ${polls} polls) ` +
            `${seconds(rate.cpu)}, ${rate.cpu.requests.toLocaleString('en-US')} votes`,
        )
        .join('') +
      '. Below saturation fewer votes share each batch (a gateway turn, a polls write, a relay run, ' +
      'a consumer batch), so each costs more' +
      offered
        .filter((rate) => rate.probed)
        .map(
          (rate) =>
            `; the freshness probe (one vote at a time, a live viewer, the results read every 5 ms) ran ` +
            `during the ${rate.perSecond.toLocaleString('en-US')}/s load, its CPU in that column and its votes not`,
        )
        .join('') +
      '. ' +
      'CPU from /proc (utime + stime, 10 ms ticks) of every process in each tree.',
    ...cpu.notes.map((note) => `Note: ${note}.`),
  ];
  return lines.join('\n');
}
