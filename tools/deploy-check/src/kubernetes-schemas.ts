// Every rendered object against its kind's schema, from the kubernetes-models packages: Kubernetes'
// own kinds and the CRDs Canvass uses that they ship (Argo Rollouts, KEDA, CloudNativePG). A kind
// without a schema is a problem too, so nothing goes unchecked by accident. These schemas check
// types, formats and required fields; like Kubernetes' OpenAPI they allow unknown fields (the API
// server's strict field validation catches those when applying).
import * as argoRollouts from '@kubernetes-models/argo-rollouts';
import * as cloudnativePg from '@kubernetes-models/cloudnative-pg';
import * as keda from '@kubernetes-models/keda';
import * as kubernetes from 'kubernetes-models';
import type { KubeObject } from './kubernetes-objects.ts';

interface Model {
  apiVersion: string;
  kind: string;
  new (data: object): { validate(): void };
}

function collectModels(): Map<string, Model> {
  const models = new Map<string, Model>();
  const seen = new Set<unknown>();
  const visit = (namespace: object) => {
    for (const value of Object.values(namespace)) {
      if (seen.has(value)) continue;
      seen.add(value);
      if (typeof value === 'function' && 'kind' in value && 'apiVersion' in value) {
        const model = value as unknown as Model;
        models.set(`${model.apiVersion}/${model.kind}`, model);
      } else if (value && typeof value === 'object') visit(value);
    }
  };
  for (const library of [kubernetes, argoRollouts, keda, cloudnativePg]) visit(library);
  return models;
}

let models: Map<string, Model> | undefined;

/** apiVersion/kind of every kind a schema exists for. */
export function knownKinds(): ReadonlySet<string> {
  models ??= collectModels();
  return new Set(models.keys());
}

/** One line per object that fails its schema or has none. */
export function schemaProblems(objects: readonly KubeObject[]): string[] {
  models ??= collectModels();
  const problems: string[] = [];
  for (const object of objects) {
    const model = models.get(`${object.apiVersion}/${object.kind}`);
    const name = `${object.kind}/${object.metadata?.name ?? '?'}`;
    if (!model) {
      problems.push(`${name}: no schema for ${object.apiVersion} ${object.kind} in kubernetes-models`);
      continue;
    }
    try {
      new model(object).validate();
    } catch (error) {
      problems.push(`${name}: ${(error as Error).message}`);
    }
  }
  return problems;
}
