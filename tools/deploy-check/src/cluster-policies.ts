// Canvass's own rules for the cluster around the workloads: NetworkPolicies (default deny, only the
// gateway open to the outside), Secrets (none in the repository for production; every one a
// workload needs is made or documented), and KEDA's JetStream triggers (they name consumers the
// code really has, one per partition).
import { type KubeObject, nameOf, podTemplate } from './kubernetes-objects.ts';

const isEmptySelector = (selector: { matchLabels?: object; matchExpressions?: unknown[] } | undefined) =>
  !!selector &&
  Object.keys(selector.matchLabels ?? {}).length === 0 &&
  (selector.matchExpressions ?? []).length === 0;

/** A default-deny policy for both directions, and outside traffic let in to the edge only. */
export function networkPolicyProblems(
  objects: readonly KubeObject[],
  edge = { 'app.kubernetes.io/name': 'gateway' },
) {
  const problems: string[] = [];
  const policies = objects.filter((object) => object.kind === 'NetworkPolicy');
  const denies = policies.some((policy) => {
    const types: string[] = policy.spec?.policyTypes ?? [];
    return (
      isEmptySelector(policy.spec?.podSelector) &&
      types.includes('Ingress') &&
      types.includes('Egress') &&
      (policy.spec?.ingress ?? []).length === 0 &&
      (policy.spec?.egress ?? []).length === 0
    );
  });
  if (!denies) problems.push('no default-deny NetworkPolicy (every pod, Ingress and Egress, no rules)');
  for (const policy of policies)
    for (const rule of policy.spec?.ingress ?? []) {
      const from: Array<{ ipBlock?: unknown }> = rule.from ?? [];
      const outside = from.length === 0 || from.some((peer) => peer.ipBlock);
      const selector = policy.spec?.podSelector;
      const edgeOnly =
        (selector?.matchExpressions ?? []).length === 0 &&
        JSON.stringify(selector?.matchLabels ?? {}) === JSON.stringify(edge);
      if (outside && !edgeOnly)
        problems.push(
          `${nameOf(policy)}: lets outside traffic in to pods other than ${JSON.stringify(edge)}`,
        );
    }
  return problems;
}

/** Secrets that workloads, CloudNativePG roles and Ingresses read, with who reads them (optional ones left out). */
export function referencedSecrets(objects: readonly KubeObject[]): Map<string, string[]> {
  const secrets = new Map<string, string[]>();
  const add = (name: string | undefined, by: KubeObject) => {
    if (name) secrets.set(name, [...new Set([...(secrets.get(name) ?? []), nameOf(by)])]);
  };
  for (const object of objects) {
    const pod = podTemplate(object)?.spec;
    for (const container of [...(pod?.initContainers ?? []), ...(pod?.containers ?? [])]) {
      for (const env of container.env ?? [])
        if (env.valueFrom?.secretKeyRef && !env.valueFrom.secretKeyRef.optional)
          add(env.valueFrom.secretKeyRef.name, object);
      for (const from of container.envFrom ?? [])
        if (from.secretRef && !from.secretRef.optional) add(from.secretRef.name, object);
    }
    for (const volume of pod?.volumes ?? [])
      if (volume.secret && !volume.secret.optional) add(volume.secret.secretName, object);
    if (object.kind === 'Cluster')
      for (const role of object.spec?.managed?.roles ?? []) add(role.passwordSecret?.name, object);
    if (object.kind === 'Ingress') for (const tls of object.spec?.tls ?? []) add(tls.secretName, object);
  }
  return secrets;
}

export interface SecretRules {
  /** Whether the overlay makes its own (throwaway) Secrets, or the operator makes them all. */
  source: 'overlay' | 'operator';
  /** Made by an operator of ours at run time (CloudNativePG's CA), never by the overlay. */
  madeAtRunTime: readonly string[];
  /** docs/deploy.md, which must tell operators to create each Secret they provide. */
  docs: string;
}

export function secretProblems(objects: readonly KubeObject[], rules: SecretRules): string[] {
  const problems: string[] = [];
  const rendered = objects.filter((object) => object.kind === 'Secret');
  if (rules.source === 'operator')
    for (const secret of rendered)
      problems.push(
        `${nameOf(secret)}: this overlay must make no Secret; the operator creates them (docs/deploy.md)`,
      );
  const made = new Set(rendered.map((secret) => secret.metadata?.name));
  for (const [name, readers] of referencedSecrets(objects)) {
    if (made.has(name) || rules.madeAtRunTime.includes(name)) continue;
    if (rules.source === 'overlay')
      problems.push(`Secret ${name}: read by ${readers.join(', ')}, but the overlay does not make it`);
    else if (!rules.docs.includes(name))
      problems.push(
        `Secret ${name}: read by ${readers.join(', ')}, but docs/deploy.md does not say to create it`,
      );
  }
  return problems;
}

export interface Eventing {
  /** Partitions per context with an ordered log (@canvass/eventing defaultPartitions). */
  partitions: Readonly<Record<string, number>>;
  streamNameFor(subject: string): string;
}

/**
 * KEDA's nats-jetstream triggers name durable consumers as @canvass/eventing-nats makes them
 * (`<subscription>__<subject with _>`), on the stream that holds that subject, one trigger for
 * every partition of a partitioned log, and no more replicas than partitions.
 */
export function kedaProblems(objects: readonly KubeObject[], eventing: Eventing): string[] {
  const problems: string[] = [];
  for (const scaler of objects.filter((object) => object.kind === 'ScaledObject')) {
    const say = (problem: string) => problems.push(`${nameOf(scaler)}: ${problem}`);
    const covered = new Map<string, Set<number>>();
    for (const trigger of scaler.spec?.triggers ?? []) {
      if (trigger.type !== 'nats-jetstream') continue;
      const { consumer = '', stream, natsServerMonitoringEndpoint = '' } = trigger.metadata ?? {};
      const [subscription, subjectPart] = consumer.split('__');
      if (!subscription || !subjectPart) {
        say(`consumer "${consumer}" is not <subscription>__<subject>`);
        continue;
      }
      const subject = subjectPart.replaceAll('_', '.');
      if (stream !== eventing.streamNameFor(subject))
        say(
          `consumer ${consumer} reads ${subject}, which is on stream ${eventing.streamNameFor(subject)}, not ${stream}`,
        );
      if (!/:8222$/.test(natsServerMonitoringEndpoint))
        say('natsServerMonitoringEndpoint is not a monitoring port (8222)');
      const partition = /^([a-z]+)\.events\.(\d+)$/.exec(subject);
      if (partition) {
        const key = `${subscription} on ${partition[1]}`;
        covered.set(key, (covered.get(key) ?? new Set()).add(Number(partition[2])));
      }
    }
    for (const [key, seen] of covered) {
      const count = eventing.partitions[key.split(' on ')[1]!] ?? 0;
      const missing = Array.from({ length: count }, (_, i) => i).filter((i) => !seen.has(i));
      if (missing.length > 0) say(`${key}: no trigger for partition(s) ${missing.join(', ')} of ${count}`);
      if ((scaler.spec?.maxReplicaCount ?? 100) > count)
        say(
          `maxReplicaCount ${scaler.spec?.maxReplicaCount ?? 100} is more than the ${count} partitions it reads`,
        );
    }
  }
  return problems;
}
