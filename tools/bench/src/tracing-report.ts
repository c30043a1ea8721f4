// The tracing phase in the benchmark's report: every slice of votes with its CPU per vote, each
// setting against the off slices of its own block (the same minutes of the same box), round by
// round (the spread), the CPU per vote of every process, and, when profiled, how much of each
// process's CPU was tracing code.
import type { TracingCheck } from './tracing-check.ts';
import type { TracingSlice } from './tracing-cluster.ts';
import { TRACING_MODES, type TracingMode } from './tracing-modes.ts';
import type { TracingBlock, TracingResult } from './tracing-phase.ts';
import type { TracingShare } from './tracing-profile.ts';

export interface TracingComparison {
  mode: TracingMode;
  votesPerSecond: number;
  cpuMsPerVote: number;
  /** The off slices of the same block. */
  off: { votesPerSecond: number; cpuMsPerVote: number };
  votesRatio: number;
  cpuRatio: number;
  /** Round by round: the setting's slice against the off slice of the same round. */
  rounds: { votesRatio: number; cpuRatio: number }[];
}

const mean = (values: number[]) => values.reduce((a, b) => a + b, 0) / Math.max(1, values.length);
const ratioOf = (value: number, base: number) => (base > 0 ? Math.round((value / base) * 1000) / 1000 : 0);

export function compareBlock(block: Pick<TracingBlock, 'mode' | 'slices'>): TracingComparison {
  const of = (mode: TracingMode) => block.slices.filter((slice) => slice.mode === mode);
  const summary = (slices: TracingSlice[]) => ({
    votesPerSecond: mean(slices.map((slice) => slice.votesPerSecond)),
    cpuMsPerVote: mean(slices.map((slice) => slice.cpuMsPerVote)),
  });
  const setting = summary(of(block.mode));
  const off = summary(of('off'));
  const rounds = of(block.mode).flatMap((slice) => {
    const base = of('off').find((candidate) => candidate.round === slice.round);
    return base
      ? [
          {
            votesRatio: ratioOf(slice.votesPerSecond, base.votesPerSecond),
            cpuRatio: ratioOf(slice.cpuMsPerVote, base.cpuMsPerVote),
          },
        ]
      : [];
  });
  return {
    mode: block.mode,
    ...setting,
    off,
    votesRatio: ratioOf(setting.votesPerSecond, off.votesPerSecond),
    cpuRatio: ratioOf(setting.cpuMsPerVote, off.cpuMsPerVote),
    rounds,
  };
}

const n = (value: number) => Math.round(value).toLocaleString('en-US');
const times = (value: number) => `${value.toFixed(2)}×`;
const ms = (value: number) => value.toFixed(3);
const row = (cells: (string | number)[]) => `| ${cells.join(' | ')} |`;
const align = (columns: number) => `|---|${Array.from({ length: columns }, () => '---:').join('|')}|`;

/** A cluster's check in a few words: what ran, or what did not run as its setting says. */
export function describeCheck(check: TracingCheck): string {
  if (check.problems.length > 0) return `**CHECK FAILED**: ${check.problems.join('; ')}`;
  const on = check.services.filter((service) => service.tracing);
  const hook = `${check.withRegisterHook}/${check.processes} processes with the hook`;
  const { gateway } = check;
  if (on.length === 0)
    return `${hook}; gateway ${gateway.traced}/${gateway.probes} probes traced; ${check.services.length} services off`;
  const spans = (key: 'keptSpans' | 'recentSpans') =>
    on.reduce((sum, service) => sum + (service[key] ?? 0), 0);
  return (
    `${hook}; gateway ${gateway.traced}/${gateway.probes} traced, ${gateway.sampled} sampled; ` +
    `${on.length} services on at ${on[0]!.ratio}; spans held ${n(spans('keptSpans'))} kept, ${n(spans('recentSpans'))} recent`
  );
}

function processRows(result: TracingResult): string[] {
  const slices = result.blocks.flatMap((block) => block.slices);
  const modes: TracingMode[] = ['off', ...result.blocks.map((block) => block.mode)];
  const used = (from: TracingSlice[], process: string) =>
    mean(from.map((slice) => slice.processes.find((entry) => entry.process === process)?.msPerVote ?? 0));
  const perMode = (mode: TracingMode, process: string) =>
    used(
      slices.filter((slice) => slice.mode === mode),
      process,
    );
  const onBlock = result.blocks.find((block) => block.mode === 'on');
  const delta = (process: string) =>
    onBlock
      ? used(
          onBlock.slices.filter((slice) => slice.mode === 'on'),
          process,
        ) -
        used(
          onBlock.slices.filter((slice) => slice.mode === 'off'),
          process,
        )
      : 0;
  const names = [...new Set(slices.flatMap((slice) => slice.processes.map((entry) => entry.process)))];
  names.sort((a, b) => perMode(modes[1] ?? 'off', b) - perMode(modes[1] ?? 'off', a));
  const header = ['CPU ms per acked vote, by process (mean of slices)', ...modes];
  if (onBlock) header.push('on − off, same block');
  const total = (mode: TracingMode) =>
    mean(slices.filter((slice) => slice.mode === mode).map((slice) => slice.cpuMsPerVote));
  const onComparison = onBlock ? compareBlock(onBlock) : undefined;
  return [
    row(header),
    align(header.length - 1),
    ...names
      .filter((name) => modes.some((mode) => perMode(mode, name) >= 0.001))
      .map((name) =>
        row([name, ...modes.map((mode) => ms(perMode(mode, name))), ...(onBlock ? [ms(delta(name))] : [])]),
      ),
    row([
      '**total**',
      ...modes.map((mode) => `**${ms(total(mode))}**`),
      ...(onComparison ? [`**${ms(onComparison.cpuMsPerVote - onComparison.off.cpuMsPerVote)}**`] : []),
    ]),
  ];
}

function profileRows(result: TracingResult): string[] {
  const profiled: { mode: TracingMode; shares: TracingShare[] }[] = [
    ...(result.offProfile ? [{ mode: 'off' as const, shares: result.offProfile }] : []),
    ...result.blocks.flatMap((block) => (block.profile ? [{ mode: block.mode, shares: block.profile }] : [])),
  ];
  if (profiled.length === 0) return [];
  const processes = [...new Set(profiled.flatMap((p) => p.shares.map((share) => share.process)))];
  const lines = [
    '',
    'Share of each process’s CPU profile charged to tracing code during its slices (code of @opentelemetry/*, ' +
      '@fastify/otel, the module hooks and packages/telemetry; what tracing adds elsewhere, such as garbage ' +
      'collection or bigger events, is not in it):',
    '',
    row(['process', ...profiled.map((p) => p.mode)]),
    align(profiled.length),
    ...processes.map((process) =>
      row([
        process,
        ...profiled.map((p) =>
          p.shares
            .filter((share) => share.process === process)
            .map((share) => `${share.percent}% of ${n(share.totalMs)} ms`)
            .join(', '),
        ),
      ]),
    ),
  ];
  const on = profiled.find((p) => p.mode === 'on');
  for (const share of on?.shares.filter((entry) => entry.tracingMs > 0).slice(0, 5) ?? []) {
    lines.push(
      '',
      `${share.process}, tracing on (${share.tracingMs} of ${share.totalMs} ms): ` +
        share.byPackage.map((entry) => `${entry.name} ${entry.percent}%`).join(', '),
    );
  }
  return lines;
}

export function renderTracing(result: TracingResult | null | undefined): string[] {
  if (!result) return ['Tracing on and off: not measured.'];
  const comparisons = result.blocks.map(compareBlock);
  const offSlices = result.blocks.flatMap((block) => block.slices.filter((slice) => slice.mode === 'off'));
  const range = (values: number[], format: (value: number) => string) =>
    `${format(Math.min(...values))}–${format(Math.max(...values))}`;
  // The same measure compares versions of the code too (another checkout, the unbatched gateway),
  // both clusters with tracing off: the heading says which it is.
  const ofCode =
    result.blocks.length > 0 && result.blocks.every((b) => !TRACING_MODES[b.mode].expected.tracing);
  const lines = [
    (ofCode
      ? 'Side by side in this run, both clusters with tracing off: two clusters (this checkout, kept; and each other version in turn), '
      : 'Tracing, off and on in this run: two clusters side by side (tracing off, kept; and each setting in turn), ') +
      `closed-loop votes over ${result.polls} polls, ${result.connections} connections, in ${result.seconds} s slices ` +
      `that alternate between them, ${result.rounds} round${result.rounds > 1 ? 's' : ''} per ${ofCode ? 'version' : 'setting'}; ` +
      `each ${ofCode ? 'version' : 'setting'} against the off slices of its own block.` +
      (ofCode ? '' : ' Aim: votes/s ≥ 0.9× off.') +
      (result.profiled ? ' Profiled: every figure includes the profiler’s own cost.' : ''),
    '',
    row([
      ofCode ? 'cluster' : 'tracing',
      'votes/s',
      'CPU ms per vote',
      'votes/s ratio',
      'CPU ratio',
      'by round',
      'checked',
    ]),
    '|---|---:|---:|---:|---:|---|---|',
    row([
      TRACING_MODES.off.label,
      n(mean(offSlices.map((slice) => slice.votesPerSecond))),
      ms(mean(offSlices.map((slice) => slice.cpuMsPerVote))),
      '1.00×',
      '1.00×',
      offSlices.length > 1
        ? `${range(
            offSlices.map((slice) => slice.votesPerSecond),
            n,
          )} votes/s`
        : '',
      describeCheck(result.offCheck),
    ]),
    ...comparisons.map((comparison, i) =>
      row([
        TRACING_MODES[comparison.mode].label,
        n(comparison.votesPerSecond),
        ms(comparison.cpuMsPerVote),
        `**${times(comparison.votesRatio)}**`,
        times(comparison.cpuRatio),
        comparison.rounds.map((r) => `${times(r.votesRatio)} / ${times(r.cpuRatio)}`).join(', '),
        describeCheck(result.blocks[i]!.check),
      ]),
    ),
    '',
    'Every slice (other work: busy CPU time on the box that none of the counted processes nor the load ' +
      'generator used; box check: a fixed piece of hashing timed just before the slice, higher when the ' +
      'virtual machine was slower):',
    '',
    row(['slice', 'votes/s', 'p99 ms', 'CPU ms per vote', 'other work, ms per vote', 'box check ms']),
    '|---|---:|---:|---:|---:|---:|',
    ...result.blocks.flatMap((block) =>
      block.slices.map((slice) =>
        row([
          `${block.mode} block, round ${slice.round}: ${slice.mode}`,
          n(slice.votesPerSecond),
          slice.p99Ms,
          ms(slice.cpuMsPerVote),
          ms(slice.elsewhereMsPerVote),
          slice.boxCheckMs,
        ]),
      ),
    ),
    '',
    ...processRows(result),
    ...profileRows(result),
    ...result.notes.map((note) => `Note: ${note}.`),
  ];
  return lines;
}
