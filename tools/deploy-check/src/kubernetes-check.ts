// The Kubernetes half of `npm run check:deploy`: renders every overlay of deploy/kubernetes with
// `kubectl kustomize`, validates every object against its schema (kubernetes-models), runs
// Canvass's own policies, parses the canary analysis queries with promtool and checks the NATS
// chart's values. Every check runs, so one run lists every problem.
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaultPartitions } from '@canvass/eventing';
import { streamNameFor } from '@canvass/eventing-nats';
import { parse } from 'yaml';
import {
  type AnalysisQuery,
  analysisQueries,
  analysisRuleFile,
  recordedSeries,
  unrecordedSeries,
} from './analysis-queries.ts';
import { kedaProblems, networkPolicyProblems, type SecretRules, secretProblems } from './cluster-policies.ts';
import type { RuleFile } from './conventions.ts';
import type { CheckResult } from './deploy-check.ts';
import { kustomize } from './kubectl.ts';
import { type KubeObject, parseObjects } from './kubernetes-objects.ts';
import { schemaProblems } from './kubernetes-schemas.ts';
import { natsValuesProblems } from './nats-values.ts';
import type { PromtoolResult } from './promtool.ts';
import { autoscalerProblems, containerProblems, pdbProblems, spreadProblems } from './workload-policies.ts';

export const KUBERNETES_DIR = 'deploy/kubernetes';
export const DEPLOY_DOC = 'docs/deploy.md';
/** CloudNativePG makes the cluster's CA Secret when it creates the cluster. */
const MADE_AT_RUN_TIME = ['canvass-postgres-ca'];
/** How each overlay's Secrets come about; an overlay not listed here fails the check. */
export const OVERLAY_SECRETS: Readonly<Record<string, SecretRules['source']>> = {
  dev: 'overlay',
  prod: 'operator',
};

/** Canvass's policies over one rendered overlay, by name; each lists its problems. */
export function policyChecks(
  objects: readonly KubeObject[],
  secrets: SecretRules,
): Array<{ name: string; problems: string[] }> {
  return [
    {
      name: 'containers: probes, requests and limits, non-root, read-only root, pinned images',
      problems: containerProblems(objects),
    },
    { name: 'serving workloads spread over zones', problems: spreadProblems(objects) },
    {
      name: 'a PodDisruptionBudget for every workload with more than one pod',
      problems: pdbProblems(objects),
    },
    {
      name: 'autoscalers target a workload that leaves replicas to them',
      problems: autoscalerProblems(objects),
    },
    {
      name: 'NetworkPolicies: default deny, only the gateway open to the outside',
      problems: networkPolicyProblems(objects),
    },
    {
      name: `Secrets: ${secrets.source === 'overlay' ? 'every one read is made' : 'none in the repository, each documented'}`,
      problems: secretProblems(objects, secrets),
    },
    {
      name: 'KEDA JetStream triggers name real consumers, one per partition',
      problems: kedaProblems(objects, { partitions: defaultPartitions, streamNameFor }),
    },
  ];
}

export interface KubernetesCheckOptions {
  root: string;
  kubectl?: string;
  promtool(args: string[]): Promise<PromtoolResult>;
}

export async function checkKubernetes(options: KubernetesCheckOptions): Promise<CheckResult[]> {
  const results: CheckResult[] = [];
  const add = (name: string, problems: readonly string[]) =>
    results.push({ name, ok: problems.length === 0, detail: problems.join('\n') });
  const docs = await readFile(join(options.root, DEPLOY_DOC), 'utf8').catch(() => '');
  const overlaysDir = join(options.root, KUBERNETES_DIR, 'overlays');
  const overlays = (await readdir(overlaysDir, { withFileTypes: true }))
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .sort();
  const queries = new Map<string, AnalysisQuery>();
  for (const overlay of overlays) {
    const where = `${KUBERNETES_DIR}/overlays/${overlay}`;
    // Throws KubectlMissing to the caller: nothing below could run.
    const rendered = await kustomize(join(overlaysDir, overlay), options.kubectl);
    if (!rendered.ok) {
      add(`kubectl kustomize ${where}`, [rendered.output || 'failed']);
      continue;
    }
    const { objects, problems } = parseObjects(rendered.output);
    add(`kubectl kustomize ${where} (${objects.length} objects)`, problems);
    add(
      `${where}: every object matches its Kubernetes or CRD schema (kubernetes-models)`,
      schemaProblems(objects),
    );
    const source = OVERLAY_SECRETS[overlay];
    if (!source)
      add(`${where}: how are its Secrets made?`, [
        `add "${overlay}" to OVERLAY_SECRETS in tools/deploy-check/src/kubernetes-check.ts`,
      ]);
    for (const check of policyChecks(objects, {
      source: source ?? 'operator',
      madeAtRunTime: MADE_AT_RUN_TIME,
      docs,
    }))
      add(`${where}: ${check.name}`, check.problems);
    for (const query of analysisQueries(objects)) queries.set(query.query, query);
  }
  results.push(await checkAnalysisQueries([...queries.values()], options));
  const valuesPath = join(options.root, KUBERNETES_DIR, 'nats/values.yaml');
  const values = await readFile(valuesPath, 'utf8').then(parse, (error: Error) => ({ error: error.message }));
  add(
    `${KUBERNETES_DIR}/nats/values.yaml: a three-node JetStream cluster, pinned, spread, non-root`,
    'error' in values ? [values.error] : natsValuesProblems(values),
  );
  return results;
}

async function checkAnalysisQueries(
  queries: readonly AnalysisQuery[],
  options: KubernetesCheckOptions,
): Promise<CheckResult> {
  const name = `canary analysis queries parse (promtool) and read series deploy/prometheus/rules records (${queries.length})`;
  if (queries.length === 0) return { name, ok: false, detail: 'no AnalysisTemplate query in any overlay' };
  const rulesDir = join(options.root, 'deploy/prometheus/rules');
  const ruleFiles = await Promise.all(
    (await readdir(rulesDir))
      .filter((file) => /\.ya?ml$/.test(file))
      .map(async (file) => parse(await readFile(join(rulesDir, file), 'utf8')) as RuleFile),
  );
  const problems = unrecordedSeries(queries, recordedSeries(ruleFiles));
  const { text, rules } = analysisRuleFile(queries);
  const dir = await mkdtemp(join(tmpdir(), 'canvass-analysis-'));
  try {
    const file = join(dir, 'analysis-queries.yml');
    await writeFile(file, text);
    const checked = await options.promtool(['check', 'rules', file]);
    if (!checked.ok)
      problems.push(
        checked.output.replace(
          /analysis:query_\d+/g,
          (record) => `${record} (${rules.get(record)?.where ?? '?'})`,
        ),
      );
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  return { name, ok: problems.length === 0, detail: problems.join('\n') };
}
