// Plain, aligned tables for people; `--json` for scripts; a progress bar on a terminal.
export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

export function printTable(
  rows: readonly Record<string, unknown>[],
  columns: readonly string[],
  empty: string,
): void {
  if (rows.length === 0) {
    process.stdout.write(`${empty}\n`);
    return;
  }
  const cell = (value: unknown) => (value === null || value === undefined ? '-' : String(value));
  const widths = columns.map((column) =>
    Math.max(column.length, ...rows.map((row) => cell(row[column]).length)),
  );
  const line = (values: string[]) =>
    values
      .map((value, i) => value.padEnd(widths[i]!))
      .join('  ')
      .trimEnd();
  process.stdout.write(`${line(columns.map((c) => c.toUpperCase()))}\n`);
  for (const row of rows) process.stdout.write(`${line(columns.map((c) => cell(row[c])))}\n`);
}

export interface Progress {
  update(done: number): void;
  finish(): void;
}

export function progressBar(label: string, total: number): Progress {
  const started = Date.now();
  const tty = process.stderr.isTTY;
  let lastPrinted = -1;
  const render = (done: number) => {
    const fraction = total === 0 ? 1 : Math.min(1, done / total);
    const rate = done / Math.max(0.001, (Date.now() - started) / 1000);
    const text = `${label} ${String(Math.round(fraction * 100)).padStart(3)}% ${done}/${total} (${Math.round(rate)}/s)`;
    if (tty) {
      const width = 30;
      const filled = Math.round(fraction * width);
      process.stderr.write(`\r[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${text}`);
    } else if (Math.floor(fraction * 10) > lastPrinted) {
      lastPrinted = Math.floor(fraction * 10);
      process.stderr.write(`${text}\n`);
    }
  };
  return {
    update: render,
    finish() {
      if (tty) process.stderr.write('\n');
    },
  };
}
