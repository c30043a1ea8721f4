// What promtool does not check but operators rely on (docs/observability.md): every alert has a
// severity (page or ticket), a summary, a description and a runbook that is a section of
// docs/observability.md, and a promtool unit test that makes it fire; at least one test shows an
// alert quiet on healthy series; prometheus.yml loads every rules file.

export const SEVERITIES = ['page', 'ticket'];
export const RUNBOOK_DOC = 'docs/observability.md';

export interface RuleFile {
  groups?: Array<{
    name?: string;
    rules?: Array<{
      alert?: string;
      record?: string;
      labels?: Record<string, string>;
      annotations?: Record<string, string>;
    }>;
  }>;
}

export interface TestFile {
  tests?: Array<{ alert_rule_test?: Array<{ alertname?: string; exp_alerts?: unknown[] | null }> }>;
}

/** GitHub's anchors for the markdown's headings: lower case, punctuation dropped, spaces → '-'. */
export function headingAnchors(markdown: string): Set<string> {
  const anchors = new Set<string>();
  for (const line of markdown.split('\n')) {
    const heading = /^#{1,6}\s+(.+?)\s*#*\s*$/.exec(line)?.[1];
    if (!heading) continue;
    const text = heading.replace(/`/g, '').toLowerCase();
    anchors.add(text.replace(/[^\p{L}\p{N}\s_-]/gu, '').replace(/\s/g, '-'));
  }
  return anchors;
}

/** Alerts some test expects to fire, and whether any test expects an alert to stay quiet. */
export function testedAlerts(tests: readonly TestFile[]): { firing: Set<string>; quiet: Set<string> } {
  const firing = new Set<string>();
  const quiet = new Set<string>();
  for (const file of tests)
    for (const test of file.tests ?? [])
      for (const check of test.alert_rule_test ?? []) {
        if (!check.alertname) continue;
        ((check.exp_alerts ?? []).length > 0 ? firing : quiet).add(check.alertname);
      }
  return { firing, quiet };
}

export function alertProblems(
  files: ReadonlyArray<{ path: string; rules: RuleFile }>,
  docs: string,
  tests: readonly TestFile[],
): string[] {
  const problems: string[] = [];
  const anchors = headingAnchors(docs);
  const { firing, quiet } = testedAlerts(tests);
  for (const { path, rules } of files)
    for (const group of rules.groups ?? [])
      for (const rule of group.rules ?? []) {
        if (!rule.alert) continue;
        const say = (problem: string) => problems.push(`${path}: alert ${rule.alert} ${problem}`);
        const severity = rule.labels?.severity;
        if (!severity || !SEVERITIES.includes(severity))
          say(`needs a severity label, one of ${SEVERITIES.join(', ')} (has ${severity ?? 'none'})`);
        for (const name of ['summary', 'description', 'runbook'])
          if (!rule.annotations?.[name]?.trim()) say(`needs a ${name} annotation`);
        const runbook = rule.annotations?.runbook;
        if (runbook) {
          const [doc, anchor] = runbook.split('#');
          if (doc !== RUNBOOK_DOC || !anchor)
            say(`runbook should be ${RUNBOOK_DOC}#<section>, is ${runbook}`);
          else if (!anchors.has(anchor))
            say(`runbook points at #${anchor}, which no heading of ${RUNBOOK_DOC} makes`);
        }
        if (!firing.has(rule.alert)) say('is never made to fire by a test in deploy/prometheus/tests');
      }
  if (quiet.size === 0) problems.push('no test in deploy/prometheus/tests shows an alert staying quiet');
  return problems;
}

/** prometheus.yml's rule_files must name every rules file there is, and only those. */
export function ruleFileProblems(config: { rule_files?: string[] }, onDisk: readonly string[]): string[] {
  const listed = new Set(config.rule_files ?? []);
  const problems: string[] = [];
  for (const file of onDisk) if (!listed.has(file)) problems.push(`prometheus.yml does not load ${file}`);
  for (const file of listed)
    if (!onDisk.includes(file)) problems.push(`prometheus.yml loads ${file}, which does not exist`);
  return problems;
}
