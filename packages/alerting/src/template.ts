// Alert labels and annotations are Go templates in Prometheus. This is the subset the rule files
// use: text with `{{ … }}` actions reading `$labels.<name>` (or `.Labels.<name>`), `$value` (or
// `.Value`), quoted strings and numbers, piped through humanize, humanizeDuration or
// humanizePercentage, and `{{-`/`-}}` trimming. Anything else is refused when the rule loads.
import { TemplateError } from './errors.ts';
import { formatGoFloat, humanize, humanizeDuration, humanizePercentage } from './go-format.ts';
import type { Labels } from './labels.ts';

export interface TemplateData {
  labels: Labels;
  value: number;
}

export type Template = (data: TemplateData) => string;

type Operand = (data: TemplateData) => string | number;

const FUNCTIONS: Readonly<Record<string, (value: number) => string>> = {
  humanize,
  humanizeDuration,
  humanizePercentage,
};

const ACTION = /\{\{(-\s)?([\s\S]*?)(\s-)?\}\}/g;
const WORD = /"(?:[^"\\]|\\.)*"|`[^`]*`|\||[^\s|]+/g;

export function compileTemplate(text: string): Template {
  if (!text.includes('{{')) return () => text;
  const parts: (string | Operand)[] = [];
  let last = 0;
  let trimNext = false;
  for (const match of text.matchAll(ACTION)) {
    let literal = text.slice(last, match.index);
    if (trimNext) literal = literal.trimStart();
    if (match[1]) literal = literal.trimEnd();
    parts.push(literal);
    parts.push(pipeline(match[2]!.trim(), text));
    trimNext = match[3] !== undefined;
    last = match.index + match[0].length;
  }
  let tail = text.slice(last);
  if (trimNext) tail = tail.trimStart();
  if (tail.includes('{{')) throw new TemplateError(`unclosed action in ${JSON.stringify(text)}`);
  parts.push(tail);
  return (data) => {
    try {
      return parts.map((part) => (typeof part === 'string' ? part : print(part(data)))).join('');
    } catch (error) {
      // As Prometheus does, the failure shows in the text rather than failing the alert.
      return `<error expanding template: ${(error as Error).message}>`;
    }
  };
}

function print(value: string | number): string {
  return typeof value === 'number' ? formatGoFloat(value) : value;
}

function pipeline(action: string, whole: string): Operand {
  const commands = splitCommands(
    [...action.matchAll(WORD)].map((m) => m[0]),
    whole,
  );
  let result: Operand | undefined;
  for (const words of commands) {
    const [head, ...args] = words;
    const func = FUNCTIONS[head!];
    if (func) {
      const operands = args.map((word) => operand(word, whole));
      if (result) operands.push(result);
      if (operands.length !== 1)
        throw new TemplateError(`${head} takes one argument, in ${JSON.stringify(whole)}`);
      const input = operands[0]!;
      result = (data) => func(toNumber(input(data)));
      continue;
    }
    if (result || words.length !== 1) {
      throw new TemplateError(
        `unsupported template command "${words.join(' ')}" in ${JSON.stringify(whole)}`,
      );
    }
    result = operand(head!, whole);
  }
  if (!result) throw new TemplateError(`empty action in ${JSON.stringify(whole)}`);
  return result;
}

function splitCommands(words: string[], whole: string): string[][] {
  const commands: string[][] = [[]];
  for (const word of words) {
    if (word === '|') commands.push([]);
    else commands.at(-1)!.push(word);
  }
  if (commands.some((command) => command.length === 0)) {
    throw new TemplateError(`malformed pipeline in ${JSON.stringify(whole)}`);
  }
  return commands;
}

function operand(word: string, whole: string): Operand {
  if (word === '$value' || word === '.Value') return (data) => data.value;
  const label = /^(?:\$labels|\.Labels)\.([a-zA-Z_][a-zA-Z0-9_]*)$/.exec(word)?.[1];
  // A label the series lacks prints empty (Prometheus' missingkey=zero).
  if (label !== undefined) return (data) => data.labels[label] ?? '';
  if (word.startsWith('"')) {
    const text = JSON.parse(word) as string;
    return () => text;
  }
  if (word.startsWith('`')) return () => word.slice(1, -1);
  if (/^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/.test(word)) {
    const number = Number(word);
    return () => number;
  }
  throw new TemplateError(`unsupported template operand "${word}" in ${JSON.stringify(whole)}`);
}

/** As Prometheus' convertToFloat: numbers, and strings that parse as one. */
function toNumber(value: string | number): number {
  if (typeof value === 'number') return value;
  const number = Number(value);
  if (value.trim() === '' || Number.isNaN(number)) throw new Error(`can't convert ${value} to float`);
  return number;
}
