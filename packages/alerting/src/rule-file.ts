// Reads Prometheus rule files (`groups:` of recording and alerting rules) into parsed rules.
// Everything is checked here, at load: the shape of each group and rule, every expression
// (PromqlParseError or PromqlUnsupportedError) and every template, so a rule this package cannot
// evaluate stops the load with its file, group and rule named.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { parseDuration } from './duration.ts';
import { RuleFileError } from './errors.ts';
import type { Labels } from './labels.ts';
import type { Expr } from './promql-ast.ts';
import { parseExpr, typeOf } from './promql-parser.ts';
import { compileTemplate, type Template } from './template.ts';

export interface RecordingRule {
  readonly kind: 'recording';
  /** The recorded metric's name. */
  readonly name: string;
  readonly exprText: string;
  readonly expr: Expr;
  readonly labels: Labels;
}

export interface AlertingRule {
  readonly kind: 'alerting';
  readonly name: string;
  readonly exprText: string;
  readonly expr: Expr;
  /** How long the expression must hold before the alert fires (`for:`). */
  readonly forMs: number;
  readonly labels: Readonly<Record<string, Template>>;
  readonly annotations: Readonly<Record<string, Template>>;
}

export type Rule = RecordingRule | AlertingRule;

export interface RuleGroup {
  readonly name: string;
  readonly file: string;
  /** The group's own `interval:`, when it sets one. */
  readonly intervalMs: number | undefined;
  readonly rules: readonly Rule[];
}

const GROUP_KEYS = new Set(['name', 'interval', 'rules']);
const RULE_KEYS = new Set(['record', 'alert', 'expr', 'for', 'labels', 'annotations']);

/** Every `*.yml`/`*.yaml` file of a folder, in name order. */
export function loadRuleDirectory(directory: string): RuleGroup[] {
  const files = readdirSync(directory)
    .filter((name) => /\.ya?ml$/.test(name))
    .sort();
  return files.flatMap((name) => parseRuleFile(readFileSync(join(directory, name), 'utf8'), name));
}

export function parseRuleFile(text: string, file: string): RuleGroup[] {
  let document: unknown;
  try {
    document = parseYaml(text);
  } catch (error) {
    throw new RuleFileError(file, `not YAML: ${(error as Error).message}`, { cause: error });
  }
  if (document === null || document === undefined) return [];
  const groups = record(document, file, 'the file').groups;
  if (!Array.isArray(groups)) throw new RuleFileError(file, '`groups` must be a list');
  const names = new Set<string>();
  return groups.map((raw, index) => {
    const group = record(raw, file, `group ${index + 1}`);
    unknownKeys(group, GROUP_KEYS, file, `group ${index + 1}`);
    const name = group.name;
    if (typeof name !== 'string' || name === '')
      throw new RuleFileError(file, `group ${index + 1} has no name`);
    if (names.has(name)) throw new RuleFileError(file, `group ${name} is defined twice`);
    names.add(name);
    const intervalMs = group.interval === undefined ? undefined : duration(group.interval, file, name);
    if (!Array.isArray(group.rules)) throw new RuleFileError(file, `group ${name}: \`rules\` must be a list`);
    return {
      name,
      file,
      intervalMs,
      rules: group.rules.map((rule, i) => parseRule(rule, file, `group ${name}, rule ${i + 1}`)),
    };
  });
}

function parseRule(raw: unknown, file: string, where: string): Rule {
  const rule = record(raw, file, where);
  unknownKeys(rule, RULE_KEYS, file, where);
  const isAlert = rule.alert !== undefined;
  const name = isAlert ? rule.alert : rule.record;
  if ((rule.alert === undefined) === (rule.record === undefined) || typeof name !== 'string') {
    throw new RuleFileError(file, `${where}: a rule has exactly one of \`record\` and \`alert\``);
  }
  const at = `${where} (${name})`;
  if (typeof rule.expr !== 'string' && typeof rule.expr !== 'number') {
    throw new RuleFileError(file, `${at}: \`expr\` is missing`);
  }
  const exprText = String(rule.expr).trim();
  let expr: Expr;
  try {
    expr = parseExpr(exprText);
  } catch (error) {
    throw new RuleFileError(file, `${at}: ${(error as Error).message}`, { cause: error });
  }
  if (typeOf(expr) === 'matrix')
    throw new RuleFileError(file, `${at}: a rule cannot evaluate to a range vector`);
  const labels = stringMap(rule.labels, file, `${at} labels`);
  if (!isAlert) {
    if (rule.for !== undefined || rule.annotations !== undefined) {
      throw new RuleFileError(file, `${at}: a recording rule has no \`for\` or \`annotations\``);
    }
    if (!/^[a-zA-Z_:][a-zA-Z0-9_:]*$/.test(name)) throw new RuleFileError(file, `${at}: invalid metric name`);
    return { kind: 'recording', name, exprText, expr, labels };
  }
  return {
    kind: 'alerting',
    name,
    exprText,
    expr,
    forMs: rule.for === undefined ? 0 : duration(rule.for, file, at),
    labels: templates(labels, file, at),
    annotations: templates(stringMap(rule.annotations, file, `${at} annotations`), file, at),
  };
}

function templates(texts: Labels, file: string, at: string): Record<string, Template> {
  const compiled: Record<string, Template> = {};
  for (const [key, text] of Object.entries(texts)) {
    try {
      compiled[key] = compileTemplate(text);
    } catch (error) {
      throw new RuleFileError(file, `${at}, ${key}: ${(error as Error).message}`, { cause: error });
    }
  }
  return compiled;
}

function record(value: unknown, file: string, what: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new RuleFileError(file, `${what} must be a mapping`);
  }
  return value as Record<string, unknown>;
}

function unknownKeys(value: Record<string, unknown>, known: Set<string>, file: string, what: string): void {
  const unknown = Object.keys(value).filter((key) => !known.has(key));
  if (unknown.length > 0) {
    throw new RuleFileError(file, `${what}: ${unknown.join(', ')} not supported by @canvass/alerting`);
  }
}

function stringMap(value: unknown, file: string, what: string): Labels {
  if (value === undefined || value === null) return {};
  const map = record(value, file, what);
  const out: Record<string, string> = {};
  for (const [key, item] of Object.entries(map)) {
    if (typeof item !== 'string' && typeof item !== 'number' && typeof item !== 'boolean') {
      throw new RuleFileError(file, `${what}: ${key} must be a string`);
    }
    out[key] = String(item);
  }
  return out;
}

function duration(value: unknown, file: string, what: string): number {
  const ms = typeof value === 'string' ? parseDuration(value) : undefined;
  if (ms === undefined) throw new RuleFileError(file, `${what}: ${String(value)} is not a duration`);
  return ms;
}
