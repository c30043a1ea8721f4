// Judges an `npm audit --json` report of the production dependencies: every high or critical
// advisory fails unless it is accepted in tools/audit/accepted.json (with a reason and an expiry
// date, so an acceptance is looked at again). Pure: main.ts runs npm and prints the verdict.

export const FAILING_SEVERITIES = new Set(['high', 'critical']);

export interface Acceptance {
  id: string;
  package: string;
  reason: string;
  accepted_by: string;
  /** YYYY-MM-DD: from that day on the advisory fails again. */
  expires: string;
}

export interface Advisory {
  id: string;
  package: string;
  severity: string;
  title: string;
  url: string;
}

export type Verdict =
  | { kind: 'unavailable'; reason: string }
  | {
      kind: 'judged';
      failing: Advisory[];
      accepted: { advisory: Advisory; acceptance: Acceptance }[];
      expired: { advisory: Advisory; acceptance: Acceptance }[];
      /** Advisories below the failing severities: reported, never failing. */
      lower: Advisory[];
    };

interface ViaAdvisory {
  source?: number;
  name?: string;
  title?: string;
  url?: string;
  severity?: string;
}

/** The advisory id from its URL (https://github.com/advisories/GHSA-…), else npm's number. */
function advisoryId(via: ViaAdvisory): string {
  const ghsa = /GHSA(-[0-9a-z]{4}){3}/i.exec(via.url ?? '')?.[0];
  return ghsa ?? `npm-${via.source ?? 'unknown'}`;
}

/** Reads npm's report; a report without `vulnerabilities` is npm saying why it could not audit. */
export function judge(report: unknown, acceptances: readonly Acceptance[], today: string): Verdict {
  if (typeof report !== 'object' || report === null) {
    return { kind: 'unavailable', reason: 'npm audit printed no JSON report' };
  }
  const body = report as { vulnerabilities?: Record<string, { via?: unknown[] }>; message?: string };
  if (!body.vulnerabilities) {
    return { kind: 'unavailable', reason: body.message ?? 'npm audit gave no vulnerabilities section' };
  }
  // Advisories are the object entries of `via`; string entries point at another vulnerable
  // package, whose own entry carries the advisory (so each is judged once, where it is).
  const advisories = new Map<string, Advisory>();
  for (const [name, vulnerability] of Object.entries(body.vulnerabilities)) {
    for (const via of vulnerability.via ?? []) {
      if (typeof via !== 'object' || via === null) continue;
      const entry = via as ViaAdvisory;
      const id = advisoryId(entry);
      advisories.set(`${id} ${entry.name ?? name}`, {
        id,
        package: entry.name ?? name,
        severity: entry.severity ?? 'unknown',
        title: entry.title ?? '',
        url: entry.url ?? '',
      });
    }
  }
  const failing: Advisory[] = [];
  const accepted: { advisory: Advisory; acceptance: Acceptance }[] = [];
  const expired: { advisory: Advisory; acceptance: Acceptance }[] = [];
  const lower: Advisory[] = [];
  for (const advisory of advisories.values()) {
    if (!FAILING_SEVERITIES.has(advisory.severity)) {
      lower.push(advisory);
      continue;
    }
    const acceptance = acceptances.find((a) => a.id === advisory.id && a.package === advisory.package);
    if (!acceptance) failing.push(advisory);
    else if (acceptance.expires <= today) {
      expired.push({ advisory, acceptance });
      failing.push(advisory);
    } else accepted.push({ advisory, acceptance });
  }
  return { kind: 'judged', failing, accepted, expired, lower };
}
