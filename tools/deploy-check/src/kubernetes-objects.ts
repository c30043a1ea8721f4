// Rendered Kubernetes objects as the checks see them: loosely typed (the schemas check the shapes),
// with helpers to reach pod templates and match label selectors.
import { parseAllDocuments } from 'yaml';

export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata?: { name?: string; labels?: Record<string, string> };
  // biome-ignore lint/suspicious/noExplicitAny: rendered manifests are checked field by field.
  spec?: any;
  // biome-ignore lint/suspicious/noExplicitAny: Secrets and ConfigMaps.
  data?: any;
  // biome-ignore lint/suspicious/noExplicitAny: Secrets.
  stringData?: any;
}

/** The documents of a rendered overlay, or the YAML errors in it. */
export function parseObjects(text: string): { objects: KubeObject[]; problems: string[] } {
  const objects: KubeObject[] = [];
  const problems: string[] = [];
  for (const document of parseAllDocuments(text)) {
    for (const error of document.errors) problems.push(`YAML: ${error.message}`);
    const value = document.toJS();
    if (value) objects.push(value as KubeObject);
  }
  return { objects, problems };
}

export const nameOf = (object: KubeObject) => `${object.kind}/${object.metadata?.name ?? '?'}`;

/** Kinds that run pods from a template of their own. */
export const WORKLOADS = new Set(['Deployment', 'StatefulSet', 'DaemonSet', 'Job', 'Rollout']);
/** Workloads that keep running, so they need probes, a PDB and a zone spread. */
export const SERVING = new Set(['Deployment', 'StatefulSet', 'Rollout']);

// biome-ignore lint/suspicious/noExplicitAny: a pod template as rendered.
export function podTemplate(object: KubeObject): any | undefined {
  return object.spec?.template;
}

interface Selector {
  matchLabels?: Record<string, string>;
  matchExpressions?: Array<{ key: string; operator: string; values?: string[] }>;
}

/** Whether a label selector selects these labels (an empty selector selects everything). */
export function selects(selector: Selector | undefined, labels: Record<string, string> = {}): boolean {
  if (!selector) return false;
  for (const [key, value] of Object.entries(selector.matchLabels ?? {}))
    if (labels[key] !== value) return false;
  for (const { key, operator, values = [] } of selector.matchExpressions ?? []) {
    const has = key in labels;
    if (operator === 'In' && !(has && values.includes(labels[key]!))) return false;
    if (operator === 'NotIn' && has && values.includes(labels[key]!)) return false;
    if (operator === 'Exists' && !has) return false;
    if (operator === 'DoesNotExist' && has) return false;
  }
  return true;
}
