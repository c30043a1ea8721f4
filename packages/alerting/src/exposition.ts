// Prometheus' text exposition format (version 0.0.4), what prom-client's `registry.metrics()`
// writes: `# HELP` and `# TYPE` lines, then one sample a line,
// `name{label="value",…} value [timestamp]`. Types do not matter to the evaluator (a histogram is
// its `_bucket`, `_sum` and `_count` series), so comments are skipped.
import { ExpositionParseError } from './errors.ts';
import type { Labels } from './labels.ts';

export interface ExposedSample {
  name: string;
  /** Without `__name__`. */
  labels: Labels;
  value: number;
  /** Milliseconds since the epoch, when the exposition gives one (prom-client does not). */
  timestampMs?: number;
}

const NAME = /[a-zA-Z_:][a-zA-Z0-9_:]*/y;
const LABEL_NAME = /[a-zA-Z_][a-zA-Z0-9_]*/y;
const DECIMAL = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

/** Go's strconv.ParseFloat, for the spellings an exposition uses. */
export function parseGoFloat(text: string): number | undefined {
  if (DECIMAL.test(text)) return Number(text);
  switch (text.toLowerCase()) {
    case 'nan':
      return Number.NaN;
    case 'inf':
    case '+inf':
    case 'infinity':
    case '+infinity':
      return Number.POSITIVE_INFINITY;
    case '-inf':
    case '-infinity':
      return Number.NEGATIVE_INFINITY;
    default:
      return undefined;
  }
}

export function parseExposition(text: string): ExposedSample[] {
  const samples: ExposedSample[] = [];
  const lines = text.split('\n');
  for (let index = 0; index < lines.length; index++) {
    const line = lines[index]!.replace(/\r$/, '');
    const trimmed = line.trimStart();
    if (trimmed === '' || trimmed.startsWith('#')) continue;
    samples.push(parseSampleLine(trimmed, index + 1));
  }
  return samples;
}

function parseSampleLine(line: string, lineNumber: number): ExposedSample {
  const fail = (message: string): never => {
    throw new ExpositionParseError(message, lineNumber);
  };
  NAME.lastIndex = 0;
  const name = NAME.exec(line)?.[0] ?? fail('expected a metric name');
  let at = name.length;
  const skipBlanks = () => {
    while (line[at] === ' ' || line[at] === '\t') at++;
  };
  const labels: Record<string, string> = {};
  skipBlanks();
  if (line[at] === '{') {
    at++;
    for (;;) {
      skipBlanks();
      if (line[at] === '}') break;
      LABEL_NAME.lastIndex = at;
      const label = LABEL_NAME.exec(line)?.[0] ?? fail(`expected a label name in ${name}`);
      at += label.length;
      skipBlanks();
      if (line[at] !== '=') fail(`expected = after label ${label}`);
      at++;
      skipBlanks();
      if (line[at] !== '"') fail(`expected a quoted value for label ${label}`);
      at++;
      let value = '';
      for (;;) {
        const char = line[at++];
        if (char === undefined) fail(`unterminated value of label ${label}`);
        if (char === '"') break;
        if (char === '\\') {
          const escaped = line[at++];
          if (escaped === 'n') value += '\n';
          else if (escaped === '\\' || escaped === '"') value += escaped;
          else fail(`invalid escape \\${escaped ?? ''} in label ${label}`);
        } else {
          value += char;
        }
      }
      if (label in labels) fail(`label ${label} given twice`);
      labels[label] = value;
      skipBlanks();
      if (line[at] === ',') at++;
      else if (line[at] !== '}') fail(`expected , or } after label ${label}`);
    }
    at++;
  }
  const rest = line
    .slice(at)
    .trim()
    .split(/[ \t]+/);
  if (rest.length === 0 || rest[0] === '' || rest.length > 2)
    fail(`expected a value (and a timestamp) for ${name}`);
  const value = parseGoFloat(rest[0]!) ?? fail(`invalid value ${rest[0]} for ${name}`);
  const sample: ExposedSample = { name, labels, value };
  if (rest[1] !== undefined) {
    if (!/^-?\d+$/.test(rest[1])) fail(`invalid timestamp ${rest[1]} for ${name}`);
    sample.timestampMs = Number(rest[1]);
  }
  return sample;
}
