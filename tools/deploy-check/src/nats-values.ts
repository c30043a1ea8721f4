// The NATS Helm chart's values (deploy/kubernetes/nats/values.yaml): kustomize cannot render a
// chart offline, so these are checked for what Canvass needs of them instead.
import { imageProblem, ZONE } from './workload-policies.ts';

// biome-ignore lint/suspicious/noExplicitAny: Helm values as parsed.
export function natsValuesProblems(values: any): string[] {
  const problems: string[] = [];
  const say = (problem: string) => problems.push(`nats/values.yaml: ${problem}`);
  const config = values?.config ?? {};
  if (config.cluster?.enabled !== true || !(config.cluster?.replicas >= 3))
    say(
      'NATS must be a cluster of at least three servers (config.cluster.enabled, replicas: 3) for R3 streams',
    );
  if (config.jetstream?.enabled !== true) say('JetStream is not enabled (config.jetstream.enabled)');
  if (config.jetstream?.fileStore?.enabled === false || config.jetstream?.fileStore?.pvc?.enabled !== true)
    say('JetStream must keep its streams on a persistent volume (config.jetstream.fileStore.pvc.enabled)');
  if (config.monitor?.enabled === false)
    say('monitoring (8222) must stay on: KEDA reads consumer lag from it');
  const images: Array<[string, { repository?: string; tag?: string } | undefined]> = [
    ['container', values?.container?.image],
  ];
  if (values?.reloader?.enabled !== false) images.push(['reloader', values?.reloader?.image]);
  if (values?.natsBox?.enabled !== false) images.push(['natsBox', values?.natsBox?.image]);
  for (const [part, image] of images) {
    const problem = imageProblem(image?.tag ? `${image.repository ?? 'nats'}:${image.tag}` : undefined);
    if (problem) say(`${part}.image ${problem === 'has no image' ? 'is not pinned (no tag)' : problem}`);
  }
  if (!values?.podTemplate?.topologySpreadConstraints?.[ZONE])
    say(`podTemplate spreads no pods over ${ZONE}`);
  if (values?.podTemplate?.merge?.spec?.securityContext?.runAsNonRoot !== true)
    say('pods may run as root (podTemplate.merge.spec.securityContext.runAsNonRoot)');
  for (const part of ['container', 'reloader']) {
    if (part === 'reloader' && values?.reloader?.enabled === false) continue;
    const security = values?.[part]?.merge?.securityContext ?? {};
    if (
      security.readOnlyRootFilesystem !== true ||
      security.allowPrivilegeEscalation !== false ||
      !(security.capabilities?.drop ?? []).includes('ALL')
    )
      say(
        `${part}.merge.securityContext must set readOnlyRootFilesystem, no privilege escalation and drop ALL`,
      );
  }
  return problems;
}
