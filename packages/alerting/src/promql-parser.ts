// Parses the PromQL subset that Canvass's rule files use, with Prometheus' precedence and type
// rules. Anything else that is valid PromQL (subqueries, `@`, group_left, topk, most functions)
// is refused with PromqlUnsupportedError, so a rule this package cannot evaluate fails when it is
// loaded instead of being evaluated as something else.
import { PromqlParseError, PromqlUnsupportedError } from './errors.ts';
import { type LabelMatcher, labelMatcher, type MatchType, METRIC_NAME } from './labels.ts';
import type {
  AggregationOp,
  BinaryOp,
  Expr,
  ValueType,
  VectorMatching,
  VectorSelector,
} from './promql-ast.ts';
import { type Token, tokenize } from './promql-lexer.ts';

interface FunctionSignature {
  readonly args: readonly ValueType[];
  /** How many of the last args may be left out. */
  readonly optional?: number;
  readonly returns: ValueType;
}

/** The functions evaluated (promql-functions.ts). */
export const FUNCTIONS: Readonly<Record<string, FunctionSignature>> = {
  rate: { args: ['matrix'], returns: 'vector' },
  increase: { args: ['matrix'], returns: 'vector' },
  deriv: { args: ['matrix'], returns: 'vector' },
  histogram_quantile: { args: ['scalar', 'vector'], returns: 'vector' },
  absent: { args: ['vector'], returns: 'vector' },
  vector: { args: ['scalar'], returns: 'vector' },
  clamp_min: { args: ['vector', 'scalar'], returns: 'vector' },
  clamp_max: { args: ['vector', 'scalar'], returns: 'vector' },
  round: { args: ['vector', 'scalar'], optional: 1, returns: 'vector' },
};

const AGGREGATIONS: readonly AggregationOp[] = ['sum', 'max', 'min', 'avg', 'count'];
const UNSUPPORTED_AGGREGATIONS = [
  'stddev',
  'stdvar',
  'topk',
  'bottomk',
  'count_values',
  'quantile',
  'group',
  'limitk',
  'limit_ratio',
];
const PRECEDENCE: Readonly<Record<string, number>> = {
  or: 1,
  and: 2,
  unless: 2,
  '==': 3,
  '!=': 3,
  '<': 3,
  '<=': 3,
  '>': 3,
  '>=': 3,
  '+': 4,
  '-': 4,
  '*': 5,
  '/': 5,
  '%': 5,
  atan2: 5,
  '^': 6,
};
const COMPARISONS = new Set(['==', '!=', '<', '<=', '>', '>=']);
const SET_OPS = new Set(['and', 'or', 'unless']);
const KEYWORDS = new Set(['by', 'without', 'on', 'ignoring', 'group_left', 'group_right', 'bool', 'offset']);

export function typeOf(expr: Expr): ValueType {
  switch (expr.kind) {
    case 'number':
      return 'scalar';
    case 'vectorSelector':
    case 'aggregation':
      return 'vector';
    case 'matrixSelector':
      return 'matrix';
    case 'call':
      return FUNCTIONS[expr.func]!.returns;
    case 'binary':
      return typeOf(expr.lhs) === 'scalar' && typeOf(expr.rhs) === 'scalar' ? 'scalar' : 'vector';
    case 'unary':
    case 'parens':
      return typeOf(expr.expr);
  }
}

export function parseExpr(text: string): Expr {
  const tokens = tokenize(text);
  let index = 0;
  const peek = (): Token => tokens[index]!;
  const next = (): Token => tokens[index++]!;
  const punctuation = (text: string) => peek().type === 'punctuation' && peek().text === text;
  const word = (token: Token) => (token.type === 'identifier' ? token.text.toLowerCase() : undefined);
  const fail = (message: string, token = peek()): never => {
    throw new PromqlParseError(message, token.position);
  };
  const expect = (text: string): Token => {
    const token = next();
    if (token.type !== 'punctuation' || token.text !== text) {
      fail(`expected "${text}", found ${describe(token)}`, token);
    }
    return token;
  };

  function binaryOperator(): string | undefined {
    const token = peek();
    if (token.type === 'punctuation' && token.text in PRECEDENCE) return token.text;
    const keyword = word(token);
    return keyword !== undefined && keyword in PRECEDENCE ? keyword : undefined;
  }

  function parseBinary(minPrecedence: number): Expr {
    let lhs = parseUnary();
    for (;;) {
      const op = binaryOperator();
      if (op === undefined || PRECEDENCE[op]! < minPrecedence) return lhs;
      const opToken = next();
      if (op === 'atan2') throw new PromqlUnsupportedError('the atan2 operator', opToken.position);
      let returnBool = false;
      let matching: VectorMatching | undefined;
      if (word(peek()) === 'bool') {
        if (!COMPARISONS.has(op)) fail('bool modifier can only be used on comparison operators');
        next();
        returnBool = true;
      }
      const matchingWord = word(peek());
      if (matchingWord === 'on' || matchingWord === 'ignoring') {
        next();
        matching = { on: matchingWord === 'on', labels: labelList() };
      }
      const groupWord = word(peek());
      if (groupWord === 'group_left' || groupWord === 'group_right') {
        throw new PromqlUnsupportedError(`${groupWord} (many-to-one matching)`, peek().position);
      }
      // `^` is right-associative; every other operator left-associative.
      const rhs = parseBinary(op === '^' ? PRECEDENCE[op]! : PRECEDENCE[op]! + 1);
      lhs = binary(op as BinaryOp, lhs, rhs, returnBool, matching, opToken);
    }
  }

  function binary(
    op: BinaryOp,
    lhs: Expr,
    rhs: Expr,
    returnBool: boolean,
    matching: VectorMatching | undefined,
    token: Token,
  ): Expr {
    const left = typeOf(lhs);
    const right = typeOf(rhs);
    if (left === 'matrix' || right === 'matrix') {
      fail('binary expression must contain only scalar and instant vector types', token);
    }
    if (SET_OPS.has(op) && (left !== 'vector' || right !== 'vector')) {
      fail(`set operator "${op}" not allowed in binary scalar expression`, token);
    }
    if (COMPARISONS.has(op) && !returnBool && left === 'scalar' && right === 'scalar') {
      fail('comparisons between scalars must use BOOL modifier', token);
    }
    if (matching && (left !== 'vector' || right !== 'vector')) {
      fail('vector matching only allowed between instant vectors', token);
    }
    return { kind: 'binary', op, lhs, rhs, returnBool, matching };
  }

  function parseUnary(): Expr {
    const token = peek();
    if (token.type === 'punctuation' && (token.text === '-' || token.text === '+')) {
      next();
      // Binds tighter than * and looser than ^ (-2^2 is -4).
      const operand = parseBinary(PRECEDENCE['^']!);
      if (typeOf(operand) === 'matrix') fail('unary expression only allowed on scalars and vectors', token);
      if (token.text === '+') return operand;
      if (operand.kind === 'number') return { kind: 'number', value: -operand.value };
      return { kind: 'unary', op: '-', expr: operand };
    }
    return parsePostfix(parsePrimary());
  }

  function parsePostfix(expr: Expr): Expr {
    let result = expr;
    if (punctuation('[')) {
      const open = next();
      if (result.kind !== 'vectorSelector') {
        throw new PromqlUnsupportedError('a subquery', open.position);
      }
      const duration = next();
      if (duration.type !== 'duration') fail('expected a duration in the range', duration);
      if (punctuation(':')) throw new PromqlUnsupportedError('a subquery', open.position);
      expect(']');
      if (duration.value === 0) fail('range must be positive', duration);
      result = { kind: 'matrixSelector', selector: result, rangeMs: duration.value! };
    }
    if (word(peek()) === 'offset') {
      const offsetToken = next();
      const duration = next();
      if (duration.type !== 'duration') fail('expected a duration after offset', duration);
      if (result.kind === 'vectorSelector') result = { ...result, offsetMs: duration.value! };
      else if (result.kind === 'matrixSelector') {
        result = { ...result, selector: { ...result.selector, offsetMs: duration.value! } };
      } else fail('offset modifier must be preceded by a selector', offsetToken);
    }
    if (punctuation('@')) {
      throw new PromqlUnsupportedError('the @ modifier', peek().position);
    }
    return result;
  }

  function parsePrimary(): Expr {
    const token = next();
    switch (token.type) {
      case 'number':
        return { kind: 'number', value: token.value! };
      case 'string':
        throw new PromqlUnsupportedError('a string literal', token.position);
      case 'duration':
      case 'end':
        return fail(`unexpected ${describe(token)}`, token);
      case 'punctuation':
        if (token.text === '(') {
          const inner = parseBinary(0);
          expect(')');
          return { kind: 'parens', expr: inner };
        }
        if (token.text === '{') return selector(undefined, token);
        return fail(`unexpected ${describe(token)}`, token);
      case 'identifier':
        return identifierExpr(token);
    }
  }

  function identifierExpr(token: Token): Expr {
    const lower = token.text.toLowerCase();
    if ((AGGREGATIONS as readonly string[]).includes(lower)) return aggregation(lower as AggregationOp);
    if (UNSUPPORTED_AGGREGATIONS.includes(lower)) {
      throw new PromqlUnsupportedError(`the ${lower} aggregation`, token.position);
    }
    if (punctuation('(')) return call(token);
    if (lower === 'inf' || lower === '+inf') return { kind: 'number', value: Number.POSITIVE_INFINITY };
    if (lower === 'nan') return { kind: 'number', value: Number.NaN };
    if (KEYWORDS.has(lower) || lower in PRECEDENCE) fail(`unexpected keyword ${token.text}`, token);
    if (punctuation('{')) return selector(token.text, next());
    return selector(token.text, undefined);
  }

  function aggregation(op: AggregationOp): Expr {
    let grouping: readonly string[] | undefined;
    let without = false;
    const readGrouping = () => {
      const keyword = word(peek());
      if (keyword === 'by' || keyword === 'without') {
        next();
        without = keyword === 'without';
        grouping = labelList();
      }
    };
    readGrouping();
    const open = expect('(');
    const inner = parseBinary(0);
    if (punctuation(',')) throw new PromqlUnsupportedError(`a parameter to ${op}`, open.position);
    expect(')');
    if (grouping === undefined) readGrouping();
    if (typeOf(inner) !== 'vector') fail(`expected an instant vector in aggregation ${op}`, open);
    return { kind: 'aggregation', op, expr: inner, grouping: grouping ?? [], without };
  }

  function call(token: Token): Expr {
    const signature = FUNCTIONS[token.text];
    if (!signature) throw new PromqlUnsupportedError(`the function ${token.text}()`, token.position);
    expect('(');
    const args: Expr[] = [];
    if (!punctuation(')')) {
      for (;;) {
        args.push(parseBinary(0));
        if (!punctuation(',')) break;
        next();
      }
    }
    expect(')');
    const required = signature.args.length - (signature.optional ?? 0);
    if (args.length < required || args.length > signature.args.length) {
      fail(`${token.text}() takes ${signature.args.length} argument(s), got ${args.length}`, token);
    }
    args.forEach((arg, i) => {
      const expected = signature.args[i]!;
      const actual = typeOf(arg);
      if (actual !== expected) {
        fail(`argument ${i + 1} of ${token.text}() must be a ${expected}, not a ${actual}`, token);
      }
    });
    return { kind: 'call', func: token.text, args };
  }

  function selector(name: string | undefined, open: Token | undefined): VectorSelector {
    const matchers: LabelMatcher[] = name !== undefined ? [labelMatcher(METRIC_NAME, '=', name)] : [];
    if (open) {
      for (;;) {
        if (punctuation('}')) break;
        const label = next();
        if (label.type !== 'identifier') fail(`expected a label name, found ${describe(label)}`, label);
        const op = next();
        if (op.type !== 'punctuation' || !['=', '!=', '=~', '!~'].includes(op.text)) {
          fail(`expected a label matching operator, found ${describe(op)}`, op);
        }
        const value = next();
        if (value.type !== 'string') fail(`expected a quoted label value, found ${describe(value)}`, value);
        if (label.text === METRIC_NAME && name !== undefined)
          fail('metric name must not be set twice', label);
        try {
          matchers.push(labelMatcher(label.text, op.text as MatchType, value.text));
        } catch (error) {
          throw new PromqlParseError(
            `invalid regular expression ${JSON.stringify(value.text)}`,
            value.position,
            {
              cause: error,
            },
          );
        }
        if (!punctuation(',')) break;
        next();
      }
      expect('}');
    }
    if (!matchers.some((m) => !m.matches(''))) {
      fail('vector selector must contain at least one non-empty matcher', open ?? peek());
    }
    const metricName = matchers.find((m) => m.name === METRIC_NAME && m.type === '=')?.value;
    return { kind: 'vectorSelector', metricName, matchers, offsetMs: 0 };
  }

  function labelList(): string[] {
    expect('(');
    const labels: string[] = [];
    while (!punctuation(')')) {
      const label = next();
      if (label.type !== 'identifier') fail(`expected a label name, found ${describe(label)}`, label);
      labels.push(label.text);
      if (!punctuation(',')) break;
      next();
    }
    expect(')');
    return labels;
  }

  const expr = parseBinary(0);
  if (peek().type !== 'end') fail(`unexpected ${describe(peek())}`);
  return expr;
}

function describe(token: Token): string {
  if (token.type === 'end') return 'end of input';
  return `${token.type} "${token.text}"`;
}

/** Every selector in an expression, with how far back it reads (range plus offset). */
export function selectorsOf(expr: Expr): { selector: VectorSelector; lookbackMs: number }[] {
  switch (expr.kind) {
    case 'number':
      return [];
    case 'vectorSelector':
      return [{ selector: expr, lookbackMs: expr.offsetMs }];
    case 'matrixSelector':
      return [{ selector: expr.selector, lookbackMs: expr.rangeMs + expr.selector.offsetMs }];
    case 'call':
      return expr.args.flatMap(selectorsOf);
    case 'binary':
      return [...selectorsOf(expr.lhs), ...selectorsOf(expr.rhs)];
    case 'aggregation':
    case 'unary':
    case 'parens':
      return selectorsOf(expr.expr);
  }
}
