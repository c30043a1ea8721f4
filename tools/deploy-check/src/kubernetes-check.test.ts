import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { KubectlMissing, kustomize, MISSING_KUBECTL } from './kubectl.ts';
import { checkKubernetes, KUBERNETES_DIR, policyChecks } from './kubernetes-check.ts';
import { parseObjects } from './kubernetes-objects.ts';
import { schemaProblems } from './kubernetes-schemas.ts';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const promtoolPasses = async () => ({ ok: true, output: '' });

test('every overlay in the repository renders and passes every check', async () => {
  const results = await checkKubernetes({ root, promtool: promtoolPasses });
  const failed = results.filter((result) => !result.ok).map((result) => `${result.name}\n${result.detail}`);
  assert.deepEqual(failed, []);
  for (const overlay of ['dev', 'prod'])
    assert.ok(
      results.some((result) =>
        result.name.startsWith(`kubectl kustomize ${KUBERNETES_DIR}/overlays/${overlay} (`),
      ),
    );
});

test('a broken overlay fails the checks, saying what is wrong', async () => {
  // An overlay over the real dev overlay (kustomize wants a relative path) that drops polls' liveness probe and opens polls to the world.
  const dir = await mkdtemp(join(tmpdir(), 'canvass-broken-overlay-'));
  try {
    await mkdir(join(dir, 'broken'));
    await writeFile(
      join(dir, 'broken/kustomization.yaml'),
      `resources:
  - ${relative(join(dir, 'broken'), join(root, KUBERNETES_DIR, 'overlays/dev'))}
patches:
  - target: { kind: Deployment, name: polls }
    patch: |-
      - op: remove
        path: /spec/template/spec/containers/0/livenessProbe
  - patch: |-
      apiVersion: networking.k8s.io/v1
      kind: NetworkPolicy
      metadata:
        name: services-from-gateway
      spec:
        ingress:
          - ports: [{ port: 8080 }]
`,
    );
    const rendered = await kustomize(join(dir, 'broken'));
    assert.ok(rendered.ok, rendered.output);
    const { objects } = parseObjects(rendered.output);
    assert.deepEqual(schemaProblems(objects), []);
    const failing = policyChecks(objects, {
      source: 'overlay',
      madeAtRunTime: ['canvass-postgres-ca'],
      docs: '',
    }).filter((check) => check.problems.length > 0);
    assert.deepEqual(
      failing.map((check) => check.problems),
      [
        ['Deployment/polls container polls: has no livenessProbe'],
        [
          'NetworkPolicy/services-from-gateway: lets outside traffic in to pods other than {"app.kubernetes.io/name":"gateway"}',
        ],
      ],
    );
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('an overlay kustomize cannot build is reported with what kubectl said', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'canvass-bad-overlay-'));
  try {
    await writeFile(join(dir, 'kustomization.yaml'), 'resources:\n  - missing.yaml\n');
    const rendered = await kustomize(dir);
    assert.equal(rendered.ok, false);
    assert.match(rendered.output, /missing\.yaml/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('a missing kubectl fails loudly, saying how to install it', async () => {
  await assert.rejects(kustomize(root, 'kubectl-that-is-not-installed'), (error: unknown) => {
    assert.ok(error instanceof KubectlMissing);
    assert.equal(error.message, MISSING_KUBECTL);
    return true;
  });
});
