// The syntax tree of the PromQL subset this package evaluates (promql-parser.ts builds it).
import type { LabelMatcher } from './labels.ts';

export type ValueType = 'scalar' | 'vector' | 'matrix';

export type AggregationOp = 'sum' | 'max' | 'min' | 'avg' | 'count';
export type ArithmeticOp = '+' | '-' | '*' | '/' | '%' | '^';
export type ComparisonOp = '==' | '!=' | '>' | '<' | '>=' | '<=';
export type SetOp = 'and' | 'or' | 'unless';
export type BinaryOp = ArithmeticOp | ComparisonOp | SetOp;

export interface NumberLiteral {
  readonly kind: 'number';
  readonly value: number;
}

export interface VectorSelector {
  readonly kind: 'vectorSelector';
  /** The metric name when the selector names one (`foo{…}` or `{__name__="foo"}`). */
  readonly metricName: string | undefined;
  readonly matchers: readonly LabelMatcher[];
  readonly offsetMs: number;
}

export interface MatrixSelector {
  readonly kind: 'matrixSelector';
  readonly selector: VectorSelector;
  readonly rangeMs: number;
}

export interface Call {
  readonly kind: 'call';
  readonly func: string;
  readonly args: readonly Expr[];
}

export interface Aggregation {
  readonly kind: 'aggregation';
  readonly op: AggregationOp;
  readonly expr: Expr;
  /** `by (…)` keeps these labels; `without (…)` drops them. */
  readonly grouping: readonly string[];
  readonly without: boolean;
}

export interface VectorMatching {
  /** `on (…)`: match on these labels only; otherwise `ignoring (…)`: on all labels but these. */
  readonly on: boolean;
  readonly labels: readonly string[];
}

export interface Binary {
  readonly kind: 'binary';
  readonly op: BinaryOp;
  readonly lhs: Expr;
  readonly rhs: Expr;
  /** `bool`: comparisons answer 0 or 1 instead of filtering. */
  readonly returnBool: boolean;
  /** Only between two vectors; undefined: all labels but the metric name. */
  readonly matching: VectorMatching | undefined;
}

export interface Unary {
  readonly kind: 'unary';
  readonly op: '-' | '+';
  readonly expr: Expr;
}

export interface Parens {
  readonly kind: 'parens';
  readonly expr: Expr;
}

export type Expr =
  | NumberLiteral
  | VectorSelector
  | MatrixSelector
  | Call
  | Aggregation
  | Binary
  | Unary
  | Parens;
