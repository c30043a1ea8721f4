import type { AdminClient } from '../client.ts';

export interface PlatformInfo {
  tier: 'embedded' | 'cluster';
  services: string[];
}

export const platformInfo = (client: AdminClient) => client.get<PlatformInfo>('/admin/v1/services');

/** Splits `analytics:12` into its service and its id there. */
export function parseDeadLetterId(
  text: string,
  services: readonly string[],
): { service: string; id: number } {
  const match = /^([a-z]+):(\d+)$/.exec(text);
  if (!match || !services.includes(match[1]!)) {
    throw new Error(`"${text}" is not a dead letter id; ids look like <service>:<number>, e.g. analytics:12`);
  }
  return { service: match[1]!, id: Number(match[2]) };
}
