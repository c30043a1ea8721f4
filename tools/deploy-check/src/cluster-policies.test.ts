import assert from 'node:assert/strict';
import { test } from 'node:test';
import { kedaProblems, networkPolicyProblems, secretProblems } from './cluster-policies.ts';
import type { KubeObject } from './kubernetes-objects.ts';

const policy = (name: string, spec: object): KubeObject => ({
  apiVersion: 'networking.k8s.io/v1',
  kind: 'NetworkPolicy',
  metadata: { name },
  spec,
});
const denyAll = policy('default-deny', { podSelector: {}, policyTypes: ['Ingress', 'Egress'] });
const gatewayOpen = policy('gateway-ingress', {
  podSelector: { matchLabels: { 'app.kubernetes.io/name': 'gateway' } },
  policyTypes: ['Ingress'],
  ingress: [{ ports: [{ port: 8080 }] }],
});

test('default deny plus an open gateway passes', () => {
  assert.deepEqual(networkPolicyProblems([denyAll, gatewayOpen]), []);
});

test('without a default-deny policy (or one that allows something) the check fails', () => {
  const problem = 'no default-deny NetworkPolicy (every pod, Ingress and Egress, no rules)';
  assert.deepEqual(networkPolicyProblems([gatewayOpen]), [problem]);
  const ingressOnly = policy('default-deny', { podSelector: {}, policyTypes: ['Ingress'] });
  assert.deepEqual(networkPolicyProblems([ingressOnly, gatewayOpen]), [problem]);
  const allowing = policy('default-deny', {
    podSelector: {},
    policyTypes: ['Ingress', 'Egress'],
    egress: [{}],
  });
  assert.deepEqual(networkPolicyProblems([allowing, gatewayOpen]), [problem]);
});

test('outside traffic let in to any pod but the gateway is caught', () => {
  const pollsOpen = policy('polls-open', {
    podSelector: { matchLabels: { 'app.kubernetes.io/name': 'polls' } },
    ingress: [{ from: [{ ipBlock: { cidr: '0.0.0.0/0' } }] }],
  });
  const everyoneOpen = policy('everyone', { podSelector: {}, ingress: [{ ports: [{ port: 8080 }] }] });
  assert.deepEqual(networkPolicyProblems([denyAll, pollsOpen, everyoneOpen]), [
    'NetworkPolicy/polls-open: lets outside traffic in to pods other than {"app.kubernetes.io/name":"gateway"}',
    'NetworkPolicy/everyone: lets outside traffic in to pods other than {"app.kubernetes.io/name":"gateway"}',
  ]);
});

const reader: KubeObject = {
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'billing' },
  spec: {
    template: {
      spec: {
        containers: [
          {
            name: 'billing',
            env: [
              { name: 'A', valueFrom: { secretKeyRef: { name: 'canvass-billing', key: 'k' } } },
              { name: 'B', valueFrom: { secretKeyRef: { name: 'canvass-smtp', key: 'k', optional: true } } },
            ],
          },
        ],
        volumes: [{ name: 'ca', secret: { secretName: 'canvass-postgres-ca' } }],
      },
    },
  },
};
const secret: KubeObject = {
  apiVersion: 'v1',
  kind: 'Secret',
  metadata: { name: 'canvass-billing' },
  data: { k: 'eA==' },
};
const rules = { madeAtRunTime: ['canvass-postgres-ca'], docs: '' };

test('an overlay that makes its Secrets must make every one read (optional ones and run-time ones aside)', () => {
  assert.deepEqual(secretProblems([reader, secret], { ...rules, source: 'overlay' }), []);
  assert.deepEqual(secretProblems([reader], { ...rules, source: 'overlay' }), [
    'Secret canvass-billing: read by Deployment/billing, but the overlay does not make it',
  ]);
});

test('an overlay whose operator makes the Secrets renders none, and the docs name each', () => {
  const documented = {
    ...rules,
    source: 'operator' as const,
    docs: 'kubectl create secret generic canvass-billing …',
  };
  assert.deepEqual(secretProblems([reader], documented), []);
  assert.deepEqual(secretProblems([reader, secret], documented), [
    'Secret/canvass-billing: this overlay must make no Secret; the operator creates them (docs/deploy.md)',
  ]);
  assert.deepEqual(secretProblems([reader], { ...documented, docs: '' }), [
    'Secret canvass-billing: read by Deployment/billing, but docs/deploy.md does not say to create it',
  ]);
});

const eventing = {
  partitions: { polls: 2 },
  streamNameFor: (subject: string) => subject.split('.')[0]!.toUpperCase(),
};
const scaledObject = (triggers: Array<Record<string, string>>, maxReplicaCount = 2): KubeObject => ({
  apiVersion: 'keda.sh/v1alpha1',
  kind: 'ScaledObject',
  metadata: { name: 'analytics' },
  spec: {
    maxReplicaCount,
    triggers: triggers.map((metadata) => ({
      type: 'nats-jetstream',
      metadata: { natsServerMonitoringEndpoint: 'nats-headless:8222', stream: 'POLLS', ...metadata },
    })),
  },
});

test('KEDA triggers on every partition of the right stream pass', () => {
  const all = [
    { consumer: 'analytics-tallies__polls_events_0' },
    { consumer: 'analytics-tallies__polls_events_1' },
  ];
  assert.deepEqual(kedaProblems([scaledObject(all)], eventing), []);
});

test('a missing partition, a wrong stream, a bad name or too many replicas are caught', () => {
  assert.deepEqual(
    kedaProblems([scaledObject([{ consumer: 'analytics-tallies__polls_events_0' }], 4)], eventing),
    [
      'ScaledObject/analytics: analytics-tallies on polls: no trigger for partition(s) 1 of 2',
      'ScaledObject/analytics: maxReplicaCount 4 is more than the 2 partitions it reads',
    ],
  );
  assert.deepEqual(
    kedaProblems(
      [
        scaledObject([
          { consumer: 'analytics-tallies__polls_events_0', stream: 'IDENTITY' },
          { consumer: 'analytics-tallies__polls_events_1', natsServerMonitoringEndpoint: 'nats:4222' },
          { consumer: 'analytics-tallies' },
        ]),
      ],
      eventing,
    ),
    [
      'ScaledObject/analytics: consumer analytics-tallies__polls_events_0 reads polls.events.0, which is on stream POLLS, not IDENTITY',
      'ScaledObject/analytics: natsServerMonitoringEndpoint is not a monitoring port (8222)',
      'ScaledObject/analytics: consumer "analytics-tallies" is not <subscription>__<subject>',
    ],
  );
});
