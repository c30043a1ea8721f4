import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { KubeObject } from './kubernetes-objects.ts';
import {
  autoscalerProblems,
  containerProblems,
  imageProblem,
  pdbProblems,
  spreadProblems,
} from './workload-policies.ts';

const labels = { 'app.kubernetes.io/name': 'polls' };
const probe = { httpGet: { path: '/healthz', port: 'http' } };

/** A Deployment that every policy accepts; each test breaks one thing in a copy. */
function deployment(): KubeObject {
  return structuredClone({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'polls' },
    spec: {
      replicas: 3,
      selector: { matchLabels: labels },
      template: {
        metadata: { labels },
        spec: {
          securityContext: {
            runAsNonRoot: true,
            runAsUser: 1000,
            seccompProfile: { type: 'RuntimeDefault' },
          },
          topologySpreadConstraints: [
            {
              maxSkew: 1,
              topologyKey: 'topology.kubernetes.io/zone',
              whenUnsatisfiable: 'ScheduleAnyway',
              labelSelector: { matchLabels: labels },
            },
          ],
          containers: [
            {
              name: 'polls',
              image: 'registry.example.com/canvass/canvass:0.1.0',
              startupProbe: probe,
              readinessProbe: probe,
              livenessProbe: probe,
              resources: {
                requests: { cpu: '100m', memory: '128Mi' },
                limits: { cpu: '1', memory: '256Mi' },
              },
              securityContext: {
                allowPrivilegeEscalation: false,
                readOnlyRootFilesystem: true,
                capabilities: { drop: ['ALL'] },
              },
            },
          ],
        },
      },
    },
  });
}
const pdb: KubeObject = {
  apiVersion: 'policy/v1',
  kind: 'PodDisruptionBudget',
  metadata: { name: 'polls' },
  spec: { maxUnavailable: 1, selector: { matchLabels: labels } },
};
// biome-ignore lint/suspicious/noExplicitAny: each test breaks a field of the rendered shape.
type Loose = Record<string, any>;
const broken = (change: (container: Loose, spec: Loose) => void) => {
  const object = deployment();
  change(object.spec.template.spec.containers[0], object.spec.template.spec);
  return containerProblems([object]);
};

test('a complete Deployment passes every workload policy', () => {
  const objects = [deployment(), pdb];
  assert.deepEqual(
    [
      ...containerProblems(objects),
      ...spreadProblems(objects),
      ...pdbProblems(objects),
      ...autoscalerProblems(objects),
    ],
    [],
  );
});

test('a missing probe of each kind is caught', () => {
  for (const name of ['startupProbe', 'readinessProbe', 'livenessProbe'])
    assert.deepEqual(
      broken((c) => delete c[name]),
      [`Deployment/polls container polls: has no ${name}`],
    );
});

test('missing requests or limits are caught', () => {
  assert.deepEqual(
    broken((c) => delete c.resources.limits),
    [
      'Deployment/polls container polls: has no cpu limit',
      'Deployment/polls container polls: has no memory limit',
    ],
  );
  assert.deepEqual(
    broken((c) => delete c.resources.requests.memory),
    ['Deployment/polls container polls: has no memory request'],
  );
});

test('a container that may run as root, or as user 0, is caught', () => {
  assert.deepEqual(
    broken((_, spec) => delete spec.securityContext.runAsNonRoot),
    ['Deployment/polls container polls: may run as root (runAsNonRoot is not true)'],
  );
  assert.deepEqual(
    broken((c) => (c.securityContext.runAsUser = 0)),
    ['Deployment/polls container polls: runs as user 0'],
  );
});

test('a writable root, privilege escalation, kept capabilities and no seccomp are caught', () => {
  assert.deepEqual(
    broken((c) => delete c.securityContext.readOnlyRootFilesystem),
    ['Deployment/polls container polls: has a writable root filesystem'],
  );
  assert.deepEqual(
    broken((c) => (c.securityContext.allowPrivilegeEscalation = true)),
    ['Deployment/polls container polls: allows privilege escalation'],
  );
  assert.deepEqual(
    broken((c) => (c.securityContext.capabilities.drop = ['NET_RAW'])),
    ['Deployment/polls container polls: does not drop ALL capabilities'],
  );
  assert.deepEqual(
    broken((_, spec) => delete spec.securityContext.seccompProfile),
    ['Deployment/polls container polls: has no seccomp profile (RuntimeDefault)'],
  );
});

test('latest and untagged images are caught; tags and digests pass', () => {
  assert.match(broken((c) => (c.image = 'redis:latest'))[0] ?? '', /latest tag is not a version/);
  assert.match(broken((c) => (c.image = 'registry.example.com:5000/canvass'))[0] ?? '', /has no tag/);
  assert.equal(imageProblem('registry.example.com:5000/canvass:0.1.0'), undefined);
  assert.equal(imageProblem('canvass@sha256:0123'), undefined);
  const cluster = {
    apiVersion: 'postgresql.cnpg.io/v1',
    kind: 'Cluster',
    metadata: { name: 'pg' },
    spec: { imageName: 'postgres' },
  };
  assert.deepEqual(containerProblems([cluster]), [
    'Cluster/pg: uses postgres, which has no tag (pin a version or a digest)',
  ]);
});

test('a Job needs no probes but the same security', () => {
  const job = deployment();
  job.kind = 'Job';
  delete job.spec.template.spec.containers[0].livenessProbe;
  assert.deepEqual(containerProblems([job]), []);
  job.spec.template.spec.containers[0].securityContext.readOnlyRootFilesystem = false;
  assert.equal(containerProblems([job]).length, 1);
});

test('no spread over zones, or one that selects other pods, is caught', () => {
  const none = deployment();
  none.spec.template.spec.topologySpreadConstraints = [];
  assert.deepEqual(spreadProblems([none]), [
    'Deployment/polls: has no topologySpreadConstraint over topology.kubernetes.io/zone',
  ]);
  const other = deployment();
  other.spec.template.spec.topologySpreadConstraints[0].labelSelector = {
    matchLabels: { 'app.kubernetes.io/name': 'gateway' },
  };
  assert.deepEqual(spreadProblems([other]), [
    'Deployment/polls: its topology.kubernetes.io/zone spread does not select its own pods',
  ]);
});

test('several replicas, or an autoscaler, without a PodDisruptionBudget are caught', () => {
  assert.deepEqual(pdbProblems([deployment()]), [
    'Deployment/polls: runs 3 pods but no PodDisruptionBudget selects them',
  ]);
  const scaled = deployment();
  delete scaled.spec.replicas;
  const hpa = {
    apiVersion: 'autoscaling/v2',
    kind: 'HorizontalPodAutoscaler',
    metadata: { name: 'polls' },
    spec: { scaleTargetRef: { kind: 'Deployment', name: 'polls' } },
  };
  assert.deepEqual(pdbProblems([scaled, hpa]), [
    'Deployment/polls: runs autoscaled pods but no PodDisruptionBudget selects them',
  ]);
  const single = deployment();
  single.spec.replicas = 1;
  assert.deepEqual(pdbProblems([single]), []);
});

test('a Rollout with a workloadRef is checked with its Deployment template', () => {
  const held = deployment();
  held.spec.replicas = 0;
  const rollout = {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'Rollout',
    metadata: { name: 'polls' },
    spec: { workloadRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'polls' } },
  };
  const hpa = {
    apiVersion: 'autoscaling/v2',
    kind: 'HorizontalPodAutoscaler',
    metadata: { name: 'polls' },
    spec: { scaleTargetRef: { kind: 'Rollout', name: 'polls' } },
  };
  assert.deepEqual(pdbProblems([held, rollout, hpa]), [
    'Rollout/polls: runs autoscaled pods but no PodDisruptionBudget selects them',
  ]);
  assert.deepEqual(pdbProblems([held, rollout, hpa, pdb]), []);
  assert.deepEqual(pdbProblems([rollout, hpa]), [
    'Rollout/polls: its pod template (workloadRef) is not there',
  ]);
});

test('an autoscaler whose target is missing, or sets replicas itself, is caught', () => {
  const hpa = {
    apiVersion: 'autoscaling/v2',
    kind: 'HorizontalPodAutoscaler',
    metadata: { name: 'polls' },
    spec: { scaleTargetRef: { kind: 'Deployment', name: 'polls' } },
  };
  assert.deepEqual(autoscalerProblems([hpa]), [
    'HorizontalPodAutoscaler/polls: scales Deployment/polls, which is not there',
  ]);
  assert.deepEqual(autoscalerProblems([hpa, deployment()]), [
    'HorizontalPodAutoscaler/polls: Deployment/polls sets replicas (3), which every apply would reset under the autoscaler',
  ]);
});
