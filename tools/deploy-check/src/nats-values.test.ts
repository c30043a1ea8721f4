import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { test } from 'node:test';
import { parse } from 'yaml';
import { natsValuesProblems } from './nats-values.ts';

const values = async () =>
  parse(await readFile(new URL('../../../deploy/kubernetes/nats/values.yaml', import.meta.url), 'utf8'));

test("the repository's NATS values pass", async () => {
  assert.deepEqual(natsValuesProblems(await values()), []);
});

test('one server, JetStream in memory, no monitoring, an unpinned image, no zones or root are caught', async () => {
  const broken = await values();
  broken.config.cluster.replicas = 1;
  broken.config.jetstream.fileStore.pvc.enabled = false;
  broken.config.monitor.enabled = false;
  broken.container.image.tag = 'latest';
  delete broken.podTemplate.topologySpreadConstraints['topology.kubernetes.io/zone'];
  broken.podTemplate.merge.spec.securityContext.runAsNonRoot = false;
  delete broken.reloader.merge.securityContext.readOnlyRootFilesystem;
  assert.deepEqual(natsValuesProblems(broken), [
    'nats/values.yaml: NATS must be a cluster of at least three servers (config.cluster.enabled, replicas: 3) for R3 streams',
    'nats/values.yaml: JetStream must keep its streams on a persistent volume (config.jetstream.fileStore.pvc.enabled)',
    'nats/values.yaml: monitoring (8222) must stay on: KEDA reads consumer lag from it',
    'nats/values.yaml: container.image uses nats:latest: the latest tag is not a version',
    'nats/values.yaml: podTemplate spreads no pods over topology.kubernetes.io/zone',
    'nats/values.yaml: pods may run as root (podTemplate.merge.spec.securityContext.runAsNonRoot)',
    'nats/values.yaml: reloader.merge.securityContext must set readOnlyRootFilesystem, no privilege escalation and drop ALL',
  ]);
});
