import assert from 'node:assert/strict';
import { test } from 'node:test';
import { knownKinds, schemaProblems } from './kubernetes-schemas.ts';

test('schemas exist for Kubernetes kinds and the CRDs Canvass uses', () => {
  const kinds = knownKinds();
  for (const kind of [
    'apps/v1/Deployment',
    'autoscaling/v2/HorizontalPodAutoscaler',
    'networking.k8s.io/v1/NetworkPolicy',
    'argoproj.io/v1alpha1/Rollout',
    'argoproj.io/v1alpha1/AnalysisTemplate',
    'keda.sh/v1alpha1/ScaledObject',
    'postgresql.cnpg.io/v1/Cluster',
    'postgresql.cnpg.io/v1/Database',
  ])
    assert.ok(kinds.has(kind), kind);
});

test('an object of the wrong shape fails its schema, naming the field', () => {
  const problems = schemaProblems([
    { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'polls' }, spec: { replicas: 'three' } },
    {
      apiVersion: 'keda.sh/v1alpha1',
      kind: 'ScaledObject',
      metadata: { name: 'analytics' },
      spec: { scaleTargetRef: {} },
    },
    {
      apiVersion: 'postgresql.cnpg.io/v1',
      kind: 'Cluster',
      metadata: { name: 'pg' },
      spec: { instances: 'three' },
    },
  ]);
  assert.equal(problems.length, 3);
  assert.match(problems[0]!, /^Deployment\/polls: .*spec\/replicas must be integer/);
  assert.match(problems[1]!, /^ScaledObject\/analytics: .*scaleTargetRef must have required property name/);
  assert.match(problems[2]!, /^Cluster\/pg: .*instances must be integer/);
});

test('a kind without a schema is a problem, not a pass', () => {
  assert.deepEqual(
    schemaProblems([{ apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w' } }]),
    ['Widget/w: no schema for example.com/v1 Widget in kubernetes-models'],
  );
});
