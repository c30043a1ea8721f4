// Splits PromQL into tokens. A duration is lexed where only a duration can come (after `[` and
// after `offset`), so `5m` there is one token and a metric name elsewhere.
import { parseDuration } from './duration.ts';
import { PromqlParseError } from './errors.ts';
import { parseGoFloat } from './exposition.ts';

export type TokenType = 'number' | 'duration' | 'identifier' | 'string' | 'punctuation' | 'end';

export interface Token {
  readonly type: TokenType;
  readonly text: string;
  readonly position: number;
  /** number: its value; duration: milliseconds. */
  readonly value?: number;
}

const PUNCTUATION = ['==', '!=', '=~', '!~', '<=', '>=', '(', ')', '{', '}', '[', ']', ',', '=', '<', '>'];
const OPERATORS = ['+', '-', '*', '/', '%', '^', ':', '@'];
const IDENTIFIER = /[a-zA-Z_:][a-zA-Z0-9_:]*/y;
const NUMBER = /(?:0[xX][0-9a-fA-F]+|(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)/y;
const DURATION_TEXT = /(?:\d+(?:ms|[ywdhms]))+/y;
const ESCAPES: Readonly<Record<string, string>> = {
  a: '\x07',
  b: '\b',
  f: '\f',
  n: '\n',
  r: '\r',
  t: '\t',
  v: '\v',
  '\\': '\\',
  '"': '"',
  "'": "'",
};

export function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let at = 0;
  const sticky = (re: RegExp) => {
    re.lastIndex = at;
    return re.exec(text)?.[0];
  };
  while (at < text.length) {
    const char = text[at]!;
    if (/\s/.test(char)) {
      at++;
      continue;
    }
    if (char === '#') {
      while (at < text.length && text[at] !== '\n') at++;
      continue;
    }
    const previous = tokens.at(-1);
    if (
      previous?.text === '[' ||
      (previous?.type === 'identifier' && previous.text.toLowerCase() === 'offset')
    ) {
      const duration = sticky(DURATION_TEXT);
      const ms = duration === undefined ? undefined : parseDuration(duration);
      if (duration === undefined || ms === undefined) {
        throw new PromqlParseError('expected a duration such as 5m', at);
      }
      tokens.push({ type: 'duration', text: duration, position: at, value: ms });
      at += duration.length;
      continue;
    }
    if (/[0-9.]/.test(char)) {
      const number = sticky(NUMBER);
      if (number === undefined) throw new PromqlParseError(`unexpected character ${char}`, at);
      const value =
        number.startsWith('0x') || number.startsWith('0X') ? Number(number) : parseGoFloat(number);
      tokens.push({ type: 'number', text: number, position: at, value: value ?? Number.NaN });
      at += number.length;
      continue;
    }
    if (/[a-zA-Z_:]/.test(char) && !(char === ':' && previous?.type === 'duration')) {
      const identifier = sticky(IDENTIFIER)!;
      tokens.push({ type: 'identifier', text: identifier, position: at });
      at += identifier.length;
      continue;
    }
    if (char === '"' || char === "'" || char === '`') {
      const { value, end } = readString(text, at);
      tokens.push({ type: 'string', text: value, position: at });
      at = end;
      continue;
    }
    const punctuation = PUNCTUATION.find((p) => text.startsWith(p, at)) ?? OPERATORS.find((p) => p === char);
    if (punctuation === undefined) throw new PromqlParseError(`unexpected character ${char}`, at);
    tokens.push({ type: 'punctuation', text: punctuation, position: at });
    at += punctuation.length;
  }
  tokens.push({ type: 'end', text: '', position: text.length });
  return tokens;
}

function readString(text: string, start: number): { value: string; end: number } {
  const quote = text[start]!;
  let at = start + 1;
  let value = '';
  for (;;) {
    const char = text[at++];
    if (char === undefined || (char === '\n' && quote !== '`')) {
      throw new PromqlParseError('unterminated string', start);
    }
    if (char === quote) return { value, end: at };
    if (char !== '\\' || quote === '`') {
      value += char;
      continue;
    }
    const escaped = text[at++] ?? '';
    const simple = ESCAPES[escaped];
    if (simple !== undefined) {
      value += simple;
      continue;
    }
    const digits = escaped === 'x' ? 2 : escaped === 'u' ? 4 : escaped === 'U' ? 8 : 0;
    const hex = text.slice(at, at + digits);
    if (digits === 0 || !/^[0-9a-fA-F]+$/.test(hex) || hex.length !== digits) {
      throw new PromqlParseError(`unknown escape sequence \\${escaped}`, at - 2);
    }
    value += String.fromCodePoint(Number.parseInt(hex, 16));
    at += digits;
  }
}
