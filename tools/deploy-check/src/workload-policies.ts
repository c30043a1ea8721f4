// Canvass's own rules for what runs pods (Deployments, Rollouts, Jobs…), beyond what the schemas
// say: probes, requests and limits, a restricted security context, pinned images, a spread over
// zones, a PodDisruptionBudget for whatever runs more than one pod, and autoscalers that own their
// workload's replica count. Each function returns one line per problem.
import { type KubeObject, nameOf, podTemplate, SERVING, selects, WORKLOADS } from './kubernetes-objects.ts';

const PROBES = ['startupProbe', 'readinessProbe', 'livenessProbe'] as const;
export const ZONE = 'topology.kubernetes.io/zone';

/** Why an image reference is not pinned, or undefined when it is (a tag other than latest, or a digest). */
export function imageProblem(image: unknown): string | undefined {
  if (typeof image !== 'string' || image === '') return 'has no image';
  if (image.includes('@sha256:')) return undefined;
  const last = image.slice(image.lastIndexOf('/') + 1);
  const tag = last.includes(':') ? last.slice(last.indexOf(':') + 1) : undefined;
  if (!tag) return `uses ${image}, which has no tag (pin a version or a digest)`;
  if (tag === 'latest') return `uses ${image}: the latest tag is not a version`;
  return undefined;
}

/** Containers of every workload: probes (serving ones), resources, security context, pinned image. */
export function containerProblems(objects: readonly KubeObject[]): string[] {
  const problems: string[] = [];
  for (const object of objects) {
    if (!WORKLOADS.has(object.kind)) continue;
    const pod = podTemplate(object)?.spec;
    if (!pod) {
      if (!(object.kind === 'Rollout' && object.spec?.workloadRef))
        problems.push(`${nameOf(object)}: has no pod template`);
      continue;
    }
    const podSecurity = pod.securityContext ?? {};
    const containers = [
      ...(pod.initContainers ?? []).map((c: object) => ({ ...c, init: true })),
      ...(pod.containers ?? []),
    ];
    for (const container of containers) {
      const say = (problem: string) =>
        problems.push(`${nameOf(object)} container ${container.name}: ${problem}`);
      if (SERVING.has(object.kind) && !container.init)
        for (const probe of PROBES) if (!container[probe]) say(`has no ${probe}`);
      for (const kind of ['requests', 'limits'])
        for (const resource of ['cpu', 'memory'])
          if (!container.resources?.[kind]?.[resource]) say(`has no ${resource} ${kind.slice(0, -1)}`);
      const security = container.securityContext ?? {};
      if ((security.runAsNonRoot ?? podSecurity.runAsNonRoot) !== true)
        say('may run as root (runAsNonRoot is not true)');
      if ((security.runAsUser ?? podSecurity.runAsUser) === 0) say('runs as user 0');
      if (security.readOnlyRootFilesystem !== true) say('has a writable root filesystem');
      if (security.allowPrivilegeEscalation !== false) say('allows privilege escalation');
      if (security.privileged === true) say('is privileged');
      if (!(security.capabilities?.drop ?? []).includes('ALL')) say('does not drop ALL capabilities');
      if (
        !['RuntimeDefault', 'Localhost'].includes(
          (security.seccompProfile ?? podSecurity.seccompProfile)?.type,
        )
      )
        say('has no seccomp profile (RuntimeDefault)');
      const image = imageProblem(container.image);
      if (image) say(image);
    }
  }
  // Images that operators run for us.
  for (const object of objects)
    if (object.kind === 'Cluster' && object.apiVersion.startsWith('postgresql.cnpg.io/')) {
      const image = imageProblem(object.spec?.imageName);
      if (image) problems.push(`${nameOf(object)}: ${image}`);
    }
  return problems;
}

/** Serving workloads spread their pods over zones, with a selector that matches those pods. */
export function spreadProblems(objects: readonly KubeObject[]): string[] {
  const problems: string[] = [];
  for (const object of objects) {
    const template = SERVING.has(object.kind) ? podTemplate(object) : undefined;
    if (!template) continue;
    const constraints: Array<{ topologyKey?: string; labelSelector?: object }> =
      template.spec?.topologySpreadConstraints ?? [];
    const zone = constraints.find((constraint) => constraint.topologyKey === ZONE);
    if (!zone) problems.push(`${nameOf(object)}: has no topologySpreadConstraint over ${ZONE}`);
    else if (!selects(zone.labelSelector, template.metadata?.labels))
      problems.push(`${nameOf(object)}: its ${ZONE} spread does not select its own pods`);
  }
  return problems;
}

/** A workload's pod template, or for a Rollout with a workloadRef the referenced workload's. */
function templateOf(object: KubeObject, objects: readonly KubeObject[]) {
  const ref = object.spec?.workloadRef;
  if (!ref) return podTemplate(object);
  const target = objects.find(
    (other) => other.kind === (ref.kind ?? 'Deployment') && other.metadata?.name === ref.name,
  );
  return target ? podTemplate(target) : undefined;
}

const targetOf = (object: KubeObject) => ({
  kind: object.spec?.scaleTargetRef?.kind ?? 'Deployment',
  name: object.spec?.scaleTargetRef?.name,
});
const AUTOSCALERS = new Set(['HorizontalPodAutoscaler', 'ScaledObject']);

/** Autoscalers point at a workload that exists, and that workload leaves its replica count to them. */
export function autoscalerProblems(objects: readonly KubeObject[]): string[] {
  const problems: string[] = [];
  for (const scaler of objects.filter((object) => AUTOSCALERS.has(object.kind))) {
    const { kind, name } = targetOf(scaler);
    const target = objects.find((object) => object.kind === kind && object.metadata?.name === name);
    if (!target) problems.push(`${nameOf(scaler)}: scales ${kind}/${name}, which is not there`);
    else if (target.spec?.replicas !== undefined)
      problems.push(
        `${nameOf(scaler)}: ${kind}/${name} sets replicas (${target.spec.replicas}), which every apply would reset under the autoscaler`,
      );
  }
  return problems;
}

/** Whatever runs more than one pod, or is autoscaled, has a PodDisruptionBudget over its pods. */
export function pdbProblems(objects: readonly KubeObject[]): string[] {
  const problems: string[] = [];
  const scaled = new Set(
    objects
      .filter((object) => AUTOSCALERS.has(object.kind))
      .map((object) => {
        const { kind, name } = targetOf(object);
        return `${kind}/${name}`;
      }),
  );
  const budgets = objects.filter((object) => object.kind === 'PodDisruptionBudget');
  const heldByRollout = new Set(
    objects
      .filter((object) => object.kind === 'Rollout' && object.spec?.workloadRef?.name)
      .map((object) => `${object.spec.workloadRef.kind ?? 'Deployment'}/${object.spec.workloadRef.name}`),
  );
  for (const object of objects) {
    if (!SERVING.has(object.kind) || heldByRollout.has(nameOf(object))) continue;
    const template = templateOf(object, objects);
    if (!template) {
      problems.push(`${nameOf(object)}: its pod template (workloadRef) is not there`);
      continue;
    }
    const replicas = object.spec?.replicas ?? 1;
    if (replicas <= 1 && !scaled.has(nameOf(object))) continue;
    if (!budgets.some((budget) => selects(budget.spec?.selector, template.metadata?.labels)))
      problems.push(
        `${nameOf(object)}: runs ${scaled.has(nameOf(object)) ? 'autoscaled' : replicas} pods but no PodDisruptionBudget selects them`,
      );
  }
  return problems;
}
