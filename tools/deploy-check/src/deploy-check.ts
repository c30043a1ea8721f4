// `npm run check:deploy`: checks deploy/ with promtool: the Prometheus configuration, the rules
// files, their unit tests, and every query of the Grafana dashboard (as recording rules in a
// temporary file); then what promtool does not see (conventions.ts); then deploy/kubernetes
// (kubernetes-check.ts). Every check runs, so one run lists every problem.
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { parse } from 'yaml';
import { alertProblems, RUNBOOK_DOC, type RuleFile, ruleFileProblems, type TestFile } from './conventions.ts';
import { dashboardQueries, dashboardRuleFile, describe } from './dashboard.ts';
import { checkKubernetes } from './kubernetes-check.ts';
import { promtool } from './promtool.ts';

export interface CheckResult {
  name: string;
  ok: boolean;
  /** promtool's output, or the problems found. */
  detail: string;
}

export interface DeployCheckOptions {
  /** The repository's root (deploy/ and docs/ are under it). */
  root: string;
  /** The promtool command (default `promtool` on PATH). */
  promtool?: string;
  /** The kubectl command (default `kubectl` on PATH). */
  kubectl?: string;
}

const yamlFiles = async (dir: string) =>
  (await readdir(dir)).filter((name) => /\.ya?ml$/.test(name)).sort((a, b) => a.localeCompare(b));

export async function checkDeploy(options: DeployCheckOptions): Promise<CheckResult[]> {
  const prometheus = join(options.root, 'deploy/prometheus');
  const run = (args: string[]) => promtool(args, options.promtool);
  const show = (path: string) => relative(options.root, path);
  const results: CheckResult[] = [];
  const add = (name: string, ok: boolean, detail: string) => results.push({ name, ok, detail });

  // Fails first and alone when promtool is missing (PromtoolMissing, thrown to the caller).
  const version = await run(['--version']);
  add('promtool --version', version.ok, version.output.split('\n')[0] ?? '');

  const config = join(prometheus, 'prometheus.yml');
  const ruleFiles = (await yamlFiles(join(prometheus, 'rules'))).map((name) => `rules/${name}`);
  // --syntax-only: the token and certificate files it names belong to the machine that runs it.
  const checked = await run(['check', 'config', '--syntax-only', config]);
  add(`promtool check config --syntax-only ${show(config)}`, checked.ok, checked.output);
  const listed = ruleFileProblems(parse(await readFile(config, 'utf8')) ?? {}, ruleFiles);
  add(`${show(config)} loads every rules file`, listed.length === 0, listed.join('\n'));

  const rulePaths = ruleFiles.map((file) => join(prometheus, file));
  const rules = await run(['check', 'rules', ...rulePaths]);
  add(`promtool check rules ${show(join(prometheus, 'rules'))}/*.yml`, rules.ok, rules.output);

  const testPaths = (await yamlFiles(join(prometheus, 'tests'))).map((name) =>
    join(prometheus, 'tests', name),
  );
  const tests = await run(['test', 'rules', ...testPaths]);
  add(`promtool test rules ${show(join(prometheus, 'tests'))}/*.yml`, tests.ok, tests.output);

  const conventions = alertProblems(
    await Promise.all(
      rulePaths.map(async (path) => ({
        path: show(path),
        rules: parse(await readFile(path, 'utf8')) as RuleFile,
      })),
    ),
    await readFile(join(options.root, RUNBOOK_DOC), 'utf8').catch(() => ''),
    await Promise.all(testPaths.map(async (path) => parse(await readFile(path, 'utf8')) as TestFile)),
  );
  add(
    'every alert has a severity, summary, description, runbook section and a test that fires it',
    conventions.length === 0,
    conventions.join('\n'),
  );

  const grafana = join(options.root, 'deploy/grafana');
  for (const name of (await readdir(grafana)).filter((file) => file.endsWith('.json')).sort()) {
    results.push(await checkDashboard(join(grafana, name), show, run));
  }
  results.push(
    ...(await checkKubernetes({
      root: options.root,
      promtool: run,
      ...(options.kubectl ? { kubectl: options.kubectl } : {}),
    })),
  );
  return results;
}

async function checkDashboard(
  path: string,
  show: (path: string) => string,
  run: (args: string[]) => ReturnType<typeof promtool>,
): Promise<CheckResult> {
  const name = `promtool check rules on every query of ${show(path)}`;
  const queries = dashboardQueries(JSON.parse(await readFile(path, 'utf8')));
  if (queries.length === 0) return { name, ok: false, detail: 'the dashboard has no queries' };
  const { text, rules, problems } = dashboardRuleFile(queries);
  const dir = await mkdtemp(join(tmpdir(), 'canvass-deploy-check-'));
  try {
    const file = join(dir, 'dashboard-queries.yml');
    await writeFile(file, text);
    const checked = await run(['check', 'rules', file]);
    // promtool names the recording rule; say which panel that is.
    const output = checked.output.replace(/dashboard:query_\d+/g, (record) => {
      const query = rules.get(record);
      return query ? `${record} (${describe(query)}: ${query.expr})` : record;
    });
    return {
      name: `${name} (${queries.length})`,
      ok: checked.ok && problems.length === 0,
      detail: [...problems, checked.ok ? '' : output].filter(Boolean).join('\n'),
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
