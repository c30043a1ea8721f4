// The Prometheus queries of Argo Rollouts' AnalysisTemplates, made checkable: arguments filled in
// (their default, or a placeholder), each written as a recording rule so that `promtool check
// rules` parses it, and every recorded series a query reads (a name with a colon) must be one that
// deploy/prometheus/rules records: a canary reads the same metrics as the alerts.
import { stringify } from 'yaml';
import type { RuleFile } from './conventions.ts';
import { type KubeObject, nameOf } from './kubernetes-objects.ts';

export interface AnalysisQuery {
  /** AnalysisTemplate/<name> metric <metric>. */
  where: string;
  query: string;
}

export function analysisQueries(objects: readonly KubeObject[]): AnalysisQuery[] {
  const queries: AnalysisQuery[] = [];
  for (const template of objects.filter((object) => /^(Cluster)?AnalysisTemplate$/.test(object.kind))) {
    const args = new Map<string, string>(
      (template.spec?.args ?? []).map((arg: { name: string; value?: string }) => [
        arg.name,
        arg.value ?? 'canary',
      ]),
    );
    for (const metric of template.spec?.metrics ?? []) {
      const query = metric.provider?.prometheus?.query;
      if (typeof query !== 'string') continue;
      queries.push({
        where: `${nameOf(template)} metric ${metric.name}`,
        query: query.replace(
          /\{\{\s*args\.([\w-]+)\s*\}\}/g,
          (_: string, name: string) => args.get(name) ?? 'canary',
        ),
      });
    }
  }
  return queries;
}

/** Series recorded by the rules files. */
export function recordedSeries(files: readonly RuleFile[]): Set<string> {
  return new Set(
    files
      .flatMap((file) => (file.groups ?? []).flatMap((group) => group.rules ?? []))
      .flatMap((rule) => (rule.record ? [rule.record] : [])),
  );
}

/** Queries that read a recorded series no rules file records. */
export function unrecordedSeries(queries: readonly AnalysisQuery[], recorded: ReadonlySet<string>): string[] {
  const problems: string[] = [];
  for (const { where, query } of queries)
    for (const name of new Set(query.match(/[a-zA-Z_][\w]*:[\w:]+/g) ?? []))
      if (!recorded.has(name))
        problems.push(`${where}: reads ${name}, which deploy/prometheus/rules does not record`);
  return problems;
}

/** A rules file with one recording rule per query, for promtool; `rules` says which is which. */
export function analysisRuleFile(queries: readonly AnalysisQuery[]): {
  text: string;
  rules: Map<string, AnalysisQuery>;
} {
  const rules = new Map<string, AnalysisQuery>();
  const records = queries.map((query, i) => {
    const record = `analysis:query_${i + 1}`;
    rules.set(record, query);
    return { record, expr: query.query.trim() };
  });
  return { text: stringify({ groups: [{ name: 'analysis', rules: records }] }), rules };
}
