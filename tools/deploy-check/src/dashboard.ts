// The PromQL of a Grafana dashboard, made checkable: every target expression of every panel
// (panels nested in collapsed rows too), with Grafana's interval variables replaced by a plain
// duration, written as recording rules so that `promtool check rules` parses each one.
import { stringify } from 'yaml';

export interface PanelQuery {
  panel: string;
  refId: string;
  expr: string;
}

interface Panel {
  title?: string;
  panels?: Panel[];
  targets?: Array<{ refId?: string; expr?: string }>;
}

/** Every target expression in the dashboard, with the panel it belongs to. */
export function dashboardQueries(dashboard: unknown): PanelQuery[] {
  const queries: PanelQuery[] = [];
  const visit = (panels: readonly Panel[] | undefined) => {
    for (const panel of panels ?? []) {
      for (const target of panel.targets ?? []) {
        if (typeof target.expr === 'string')
          queries.push({ panel: panel.title ?? '(untitled)', refId: target.refId ?? '?', expr: target.expr });
      }
      visit(panel.panels);
    }
  };
  visit((dashboard as { panels?: Panel[] }).panels);
  return queries;
}

// Grafana fills these in before the query reaches Prometheus; any duration parses the same.
const INTERVALS = /\$(?:__rate_interval|__interval|__range)\b|\$\{(?:__rate_interval|__interval|__range)\}/g;

/** The expression as Prometheus would get it, or why it cannot be checked (another variable). */
export function checkableExpr(expr: string): { expr: string } | { problem: string } {
  const replaced = expr.replace(INTERVALS, '5m');
  const variable = /\$\{?\w+\}?/.exec(replaced)?.[0];
  if (variable) return { problem: `uses the dashboard variable ${variable}, which cannot be checked` };
  return { expr: replaced };
}

/**
 * A rules file with one recording rule per query (`dashboard:query_<n>`), the queries that could
 * not be turned into one, and which rule is which query (promtool names the rule in its errors).
 */
export function dashboardRuleFile(queries: readonly PanelQuery[]): {
  text: string;
  rules: Map<string, PanelQuery>;
  problems: string[];
} {
  const rules = new Map<string, PanelQuery>();
  const problems: string[] = [];
  const entries: Array<{ record: string; expr: string }> = [];
  queries.forEach((query, index) => {
    const checkable = checkableExpr(query.expr);
    if ('problem' in checkable) {
      problems.push(`${describe(query)} ${checkable.problem}`);
      return;
    }
    const record = `dashboard:query_${index + 1}`;
    rules.set(record, query);
    entries.push({ record, expr: checkable.expr });
  });
  return { text: stringify({ groups: [{ name: 'dashboard', rules: entries }] }), rules, problems };
}

export const describe = (query: PanelQuery) => `panel "${query.panel}" query ${query.refId}`;
